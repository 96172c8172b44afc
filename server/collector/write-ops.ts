import { isContestRunning } from '../domain/contest-rules.js';
import { toMinorUnits } from '../domain/money.js';
import type { Repositories } from '../store/repositories.js';
import type { Writer, WriteOpRunner } from '../store/writer.js';
import { checkBonusActions, completeBonusAction, configureBonusActions, type BonusActionInput } from './bonus-actions.js';
import { contestDetail, createContest, rotateWebhookSecret, updateContest, type ContestInput } from './contests.js';
import { requireContest, type CollectorContext } from './context.js';
import { erasePerson } from './erasure.js';
import { approveFlag, rejectFlag } from './fraud-review.js';
import {
  completeIdempotencyKey,
  purgeIdempotencyKeys,
  releaseIdempotencyKey,
  reserveIdempotencyKey,
} from './idempotency.js';
import { adjustPoints, disqualifyEntry, eraseEntry, requalifyEntry, updateEntry, type EntryUpdate } from './entries-admin.js';
import { createApiKey, revokeApiKey } from './api-keys.js';
import type { ApiKeyType } from '../store/types.js';
import { createHubToken, revokeHubTokens } from './hub.js';
import { joinContest, type JoinInput } from './contest-pages.js';
import { endSession, recordAudit, startSession, touchSession } from './operators.js';
import { recordPurchase, type Crediting, type PurchaseInput } from './purchase.js';
import { registerEntry, signup, type SignupInput } from './signup.js';
import { trackVisit, type VisitInput } from './visit.js';
import { findPurchaseToRefund, refundPurchase, type RefundInput } from './refunds.js';
import { applyStripeEvent, type StripeEventInput } from './stripe.js';
import {
  claimWebhookDeliveries,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  recordWebhookAttempt,
  retryWebhookDelivery,
  updateWebhookEndpoint,
  type EndpointInput,
} from './webhook-endpoints.js';
import { setStripeWebhookSecret } from './contests.js';
import { withOutbox } from './events.js';

/**
 * Every write the HTTP API makes, by name. A route asks for one with plain data (no closures), so
 * the same operation can run here or in a write thread: arguments and results cross a thread
 * boundary as structured clones. Each runs inside a group-commit transaction (store/write-queue.ts)
 * on that transaction's repositories; the 4xx ApiErrors they throw come before their first write.
 */
export const writeOps = {
  trackVisit: (ctx: CollectorContext, input: VisitInput) => trackVisit(ctx, input),
  signup: (ctx: CollectorContext, input: SignupInput) => signup(ctx, input),
  recordPurchase: (ctx: CollectorContext, args: { input: PurchaseInput; crediting: Crediting }) =>
    recordPurchase(ctx, args.input, args.crediting),
  async createContest(ctx: CollectorContext, args: { input: ContestInput; bonusActions?: BonusActionInput[] }) {
    if (args.bonusActions) checkBonusActions(args.bonusActions);
    const { contest, webhookSecret } = await createContest(ctx, args.input);
    if (args.bonusActions) await configureBonusActions(ctx, contest.id, args.bonusActions);
    return { ...(await contestDetail(ctx, contest)), webhookSecret };
  },
  async updateContest(ctx: CollectorContext, args: { contestId: string; patch: Partial<Omit<ContestInput, 'id'>>; bonusActions?: BonusActionInput[] }) {
    if (args.bonusActions) checkBonusActions(args.bonusActions);
    const contest = await updateContest(ctx, args.contestId, args.patch);
    if (args.bonusActions) await configureBonusActions(ctx, contest.id, args.bonusActions);
    return contestDetail(ctx, contest);
  },
  /** REST entry creation: on a contest in any status, awarding points only while it runs. */
  async createEntry(ctx: CollectorContext, args: { contestId: string; input: Parameters<typeof registerEntry>[2] }) {
    const contest = await requireContest(ctx, args.contestId);
    const result = await registerEntry(ctx, contest, args.input, { awardPoints: isContestRunning(contest, ctx.now()) });
    return { entry: (await ctx.store.entries.get(result.entry.id))!, alreadyExists: result.alreadyExists };
  },
  updateEntry: (ctx: CollectorContext, args: { entryId: string; update: EntryUpdate }) =>
    updateEntry(ctx, args.entryId, args.update),
  eraseEntry: (ctx: CollectorContext, args: { entryId: string }) => eraseEntry(ctx, args.entryId),
  erasePerson: (ctx: CollectorContext, args: { email: string }) => erasePerson(ctx, args.email),
  disqualifyEntry: (ctx: CollectorContext, args: { entryId: string; reason: string | null }) =>
    disqualifyEntry(ctx, args.entryId, args.reason),
  adjustPoints: (ctx: CollectorContext, args: { entryId: string; points: number; reason: string }) =>
    adjustPoints(ctx, args.entryId, args.points, args.reason),
  completeBonusAction: (ctx: CollectorContext, args: { entryId: string; bonusActionId: string }) =>
    completeBonusAction(ctx, args.entryId, args.bonusActionId),
  refundPurchase: async (ctx: CollectorContext, args: { by: { purchaseId: string } | { contestId: string; orderId: string }; amount: number | null; refund: Omit<RefundInput, 'amountMinor'> }) => {
    const purchase = await findPurchaseToRefund(ctx, args.by);
    return refundPurchase(ctx, purchase, { ...args.refund, amountMinor: args.amount === null ? null : toMinorUnits(args.amount, purchase.currency) });
  },
  stripeEvent: (ctx: CollectorContext, args: StripeEventInput) => applyStripeEvent(ctx, args),
  setStripeWebhookSecret: (ctx: CollectorContext, args: { contestId: string; secret: string | null }) =>
    setStripeWebhookSecret(ctx, args.contestId, args.secret),
  createWebhookEndpoint: (ctx: CollectorContext, args: EndpointInput) => createWebhookEndpoint(ctx, args),
  updateWebhookEndpoint: (ctx: CollectorContext, args: { id: string; patch: Partial<EndpointInput> & { disabled?: boolean } }) =>
    updateWebhookEndpoint(ctx, args.id, args.patch),
  deleteWebhookEndpoint: (ctx: CollectorContext, args: { id: string }) => deleteWebhookEndpoint(ctx, args.id),
  retryWebhookDelivery: (ctx: CollectorContext, args: { endpointId: string; deliveryId: string }) =>
    retryWebhookDelivery(ctx, args.endpointId, args.deliveryId),
  claimWebhookDeliveries,
  recordWebhookAttempt,
  approveFlag: (ctx: CollectorContext, args: { flagId: string }) => approveFlag(ctx, args.flagId),
  rejectFlag: (ctx: CollectorContext, args: { flagId: string; reason: string }) => rejectFlag(ctx, args.flagId, args.reason),
  // The Idempotency-Key plugin's bookkeeping (plugins/idempotency.ts).
  reserveIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  purgeIdempotencyKeys,
  async createHubToken(ctx: CollectorContext, args: { entryId: string }) {
    const { entry, token } = await createHubToken(ctx, args.entryId);
    return { entryId: entry.id, contestId: entry.contestId, token };
  },
  revokeHubTokens: (ctx: CollectorContext, args: { entryId: string }) => revokeHubTokens(ctx, args.entryId),
  /** The contest page's join form: a signup plus, for a new entry, its private-page token. */
  joinContest: (ctx: CollectorContext, input: JoinInput) => joinContest(ctx, input),
  requalifyEntry: (ctx: CollectorContext, args: { entryId: string }) => requalifyEntry(ctx, args.entryId),
  rotateWebhookSecret: (ctx: CollectorContext, args: { contestId: string }) => rotateWebhookSecret(ctx, args.contestId),
  createApiKey: (ctx: CollectorContext, args: { type: ApiKeyType; label: string | null }) => createApiKey(ctx, args.type, args.label),
  revokeApiKey: (ctx: CollectorContext, args: { id: string }) => revokeApiKey(ctx, args.id),
  startSession: (ctx: CollectorContext, args: { operatorId: string }) => startSession(ctx, args.operatorId),
  async touchSession(ctx: CollectorContext, args: { token: string }) {
    await touchSession(ctx, args.token);
    return true;
  },
  async endSession(ctx: CollectorContext, args: { token: string }) {
    await endSession(ctx, args.token);
    return true;
  },
  async recordAudit(ctx: CollectorContext, args: Parameters<typeof recordAudit>[1]) {
    await recordAudit(ctx, args);
    return true;
  },
} satisfies Record<string, (ctx: CollectorContext, args: never) => Promise<unknown>>;

export type WriteOps = typeof writeOps;
export type WriteOpName = keyof WriteOps;
export type WriteOpArgs<K extends WriteOpName> = Parameters<WriteOps[K]>[1];
export type WriteOpResult<K extends WriteOpName> = Awaited<ReturnType<WriteOps[K]>>;

/**
 * What each operation costs the write thread, in visits (one indexed insert, ≈ 15 µs there). The
 * write queue closes a batch at 64: 64 visits or 16 signups, about a millisecond either way
 * (signups measured about four visits, purchases three; both count 4). Smaller batches of signups
 * answer their first callers sooner, whose next requests then arrive while the rest commit,
 * instead of all 50 connections waiting on one long batch: +20–25% signups/s measured. Visits
 * gain nothing from smaller batches and lose to the extra commits.
 */
export function writeOpCost(name: string): number {
  return name === 'trackVisit' ? 1 : 4;
}

/** Runs one named operation on a transaction's repositories. */
export function runWriteOp<K extends WriteOpName>(ctx: CollectorContext, name: K, args: WriteOpArgs<K>): Promise<WriteOpResult<K>> {
  const op = writeOps[name] as (ctx: CollectorContext, args: WriteOpArgs<K>) => Promise<WriteOpResult<K>>;
  if (typeof op !== 'function') throw new Error(`unknown write operation ${String(name)}`);
  return op(ctx, args);
}

/** The named operations, as a store's writer runs them (with this clock). */
export function writeOpRunner(now: () => number): WriteOpRunner {
  return {
    run: (tx: Repositories, name: string, args: unknown) =>
      withOutbox({ store: tx, now }, (ctx) => runWriteOp(ctx, name as WriteOpName, args as never)),
    cost: writeOpCost,
  };
}

/** The API's view of a store's writer: typed by operation name. */
export interface Writes {
  run<K extends WriteOpName>(name: K, args: WriteOpArgs<K>): Promise<WriteOpResult<K>>;
}

export const typedWrites = (writer: Writer): Writes => writer as unknown as Writes;
