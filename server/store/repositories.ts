import type { ChangeCounter } from './changes.js';
import type { WriteOpRunner, Writer, WriterEvents } from './writer.js';
import type { ApiKeyType, Contest, ContestStats, Entry, LedgerReason, Purchase } from './types.js';
import type { ExportKind } from './export-queries.js';
import type { WebhookEventType } from '../domain/webhook-events.js';

/**
 * The engine boundary. The rules (server/collector/) ask these interfaces what they need, by
 * meaning, and never see SQL; each engine implements them in its own folder (store/sqlite/,
 * store/postgres/) and a shared contract suite runs the same tests against both.
 *
 * Every method is async because PostgreSQL needs it; on SQLite the promises are already settled.
 * Invariants the database can hold (unique keys, the ledger sum, the counters) are held by it on
 * both engines, so two collectors cannot race past them and the rules never re-check them.
 */

export type NewContest = Omit<Contest, 'createdAt' | 'updatedAt' | 'stripeConnected'> & { webhookSecretHash: string };

export interface ContestsRepo {
  insert(contest: NewContest, now: number): Promise<Contest>;
  update(contest: Contest, now: number): Promise<Contest>;
  /** Read on every tracking request: remembered for at most CROSS_PROCESS_STALENESS_MS. */
  get(id: string): Promise<Contest | undefined>;
  getBySlug(slug: string): Promise<Contest | undefined>;
  list(): Promise<Array<Contest & { entriesCount: number }>>;
  webhookSecretHash(id: string): Promise<string | undefined>;
  setWebhookSecretHash(id: string, hash: string, now: number): Promise<void>;
  stats(id: string): Promise<ContestStats | undefined>;
  /** The contest's Stripe webhook signing secret: null when not connected, undefined when no contest. */
  stripeWebhookSecret(id: string): Promise<string | null | undefined>;
  setStripeWebhookSecret(id: string, secret: string | null, now: number): Promise<void>;
  /**
   * The daily counters (kept by triggers) of days `fromDay`..`toDay` (whole days since the epoch,
   * UTC) that have any; revenue per day and currency. Days without activity have no row.
   */
  daily(id: string, fromDay: number, toDay: number): Promise<{ days: DailyCounts[]; revenue: DailyRevenue[] }>;
}

export interface DailyCounts {
  day: number;
  visits: number;
  signups: number;
  referredSignups: number;
  purchases: number;
}

export interface DailyRevenue {
  day: number;
  currency: string;
  amountMinor: number;
}

export interface NewEntry {
  id: string;
  contestId: string;
  email: string | null;
  emailNormalized: string | null;
  name: string | null;
  phone: string | null;
  referralCode: string;
  referredBy: string | null;
  emailConfirmed: boolean;
  createdAt: number;
}

export interface EntryPatch {
  email?: string | null;
  emailNormalized?: string | null;
  name?: string | null;
  phone?: string | null;
  emailConfirmed?: boolean;
}

export interface EntriesRepo {
  /**
   * Inserts the entry, or nothing (undefined) when one of its unique keys (email, phone, code in
   * the contest) is already taken — also by another transaction that commits meanwhile, so a
   * race between two collectors ends here instead of aborting a transaction.
   */
  insert(entry: NewEntry): Promise<Entry | undefined>;
  get(id: string): Promise<Entry | undefined>;
  findByEmail(contestId: string, emailNormalized: string): Promise<Entry | undefined>;
  findByPhone(contestId: string, phone: string): Promise<Entry | undefined>;
  findByCode(contestId: string, code: string): Promise<Entry | undefined>;
  /**
   * The entry holding a code and the one holding an email (possibly the same), in one look-up:
   * a signup or a purchase asks both, and on PostgreSQL each question is a round trip.
   */
  findByCodeAndEmail(
    contestId: string,
    code: string | null,
    emailNormalized: string | null,
  ): Promise<{ byCode: Entry | undefined; byEmail: Entry | undefined }>;
  /** Codes never change once given, so code → id may be remembered (bounded). */
  findIdByCode(contestId: string, code: string): Promise<string | undefined>;
  update(entry: Entry, patch: EntryPatch, emailNormalized: string | null): Promise<void>;
  disqualify(id: string, reason: string | null): Promise<void>;
  /** Records the referrer of an entry that has none yet (an approved, held referral). */
  setReferrer(id: string, referredBy: string): Promise<void>;
  /** Puts a disqualified entry back on the leaderboard (its reason is cleared). */
  requalify(id: string): Promise<void>;
  /** Blanks email, name and phone; the row, its code and its points stay. */
  erase(id: string, now: number): Promise<void>;
  /** Oldest first; `search` matches email or name as a literal substring. */
  list(contestId: string, opts: { limit: number; offset: number; search?: string }): Promise<{ rows: Entry[]; total: number }>;
  /** Points desc, then earlier createdAt, then id; not disqualified; confirmed only if asked. */
  leaderboard(contestId: string, limit: number, confirmedOnly: boolean): Promise<Entry[]>;
  /**
   * The entry's rank in leaderboard() order (1 = first): one more than the ranked entries ahead
   * of it. undefined when the leaderboard leaves it out (disqualified, or unconfirmed when asked).
   */
  rankOf(entry: Entry, confirmedOnly: boolean): Promise<number | undefined>;
}

export interface LedgerRow {
  id: number;
  entryId: string;
  delta: number;
  reason: LedgerReason;
  sourceId: string | null;
  note: string | null;
  createdAt: number;
}

export interface Award {
  entry: { id: string; contestId: string };
  delta: number;
  reason: LedgerReason;
  sourceId: string | null;
  /** Why, in words (a released flag names itself here). */
  note?: string | null;
}

export interface LedgerRepo {
  /**
   * Appends one ledger row (zero deltas are not recorded) and returns the delta. The database
   * applies it to the entry's points and the contest's total; an automatic award names its cause
   * (`sourceId`) and can exist once per (entry, reason, source).
   */
  award(
    entry: { id: string; contestId: string },
    delta: number,
    reason: LedgerReason,
    sourceId: string | null,
    now: number,
    note?: string | null,
  ): Promise<number>;
  /** Several awards at once (one statement on PostgreSQL); returns each delta, 0 for zero deltas. */
  awardAll(awards: Award[], now: number): Promise<number[]>;
  forEntry(entryId: string): Promise<LedgerRow[]>;
}

/** A purchase to insert: refund state starts empty; the purchaser's points and Stripe references are optional. */
export type NewPurchase = Omit<Purchase, 'purchaserPoints' | 'refundedMinor' | 'pointsReversed' | 'purchaserPointsReversed'
  | 'status' | 'supersededBy' | 'stripePaymentIntent' | 'stripeCustomer' | 'stripeSubscription'>
  & Partial<Pick<Purchase, 'purchaserPoints' | 'stripePaymentIntent' | 'stripeCustomer' | 'stripeSubscription'>>;

export interface PurchaseRefund {
  id: string;
  contestId: string;
  purchaseId: string;
  /** The caller's refund id (idempotency key), e.g. `re_…` or `stripe:<charge>:<amount>`. */
  refundKey: string | null;
  kind: 'refund' | 'dispute';
  amountMinor: number;
  pointsReversed: number;
  reason: string | null;
  createdAt: number;
}

export interface RefundState {
  refundedMinor: number;
  pointsReversed: number;
  purchaserPointsReversed: number;
  status: Purchase['status'];
}

export interface PurchasesRepo {
  insert(purchase: NewPurchase): Promise<Purchase>;
  /** The live (not superseded) purchase of an order. */
  findByOrder(contestId: string, orderId: string): Promise<Purchase | undefined>;
  get(id: string): Promise<Purchase | undefined>;
  /** The live purchase paid by a Stripe PaymentIntent (checkout session or invoice). */
  findByPaymentIntent(contestId: string, paymentIntent: string): Promise<Purchase | undefined>;
  /** The first live purchase of a Stripe customer (the checkout that started a subscription). */
  findFirstByCustomer(contestId: string, customer: string): Promise<Purchase | undefined>;
  /** Takes a browser-reported purchase out of the order's place: an authenticated one replaces it. */
  markSuperseded(id: string, supersededBy: string): Promise<void>;
  setRefundState(id: string, state: RefundState): Promise<void>;
  /** False (and nothing stored) when the contest already has a refund with this key. */
  insertRefund(refund: PurchaseRefund): Promise<boolean>;
  findRefund(contestId: string, refundKey: string): Promise<PurchaseRefund | undefined>;
  /** Records a Stripe event id; false when it was already processed (a replay). */
  markStripeEvent(contestId: string, eventId: string, type: string, now: number): Promise<boolean>;
  /** Blanks the purchaser email on the entry's purchases, and on those made under its email before it existed. */
  erasePurchaserEmail(entry: { id: string; contestId: string }, emailNormalized: string | null): Promise<void>;
  /** A contest's purchases in id order, a page at a time after id `after` (exports stream them). */
  listForContest(contestId: string, after: string, limit: number): Promise<Array<Purchase & { email: string | null }>>;
}

export interface NewVisit {
  contestId: string;
  entryId: string;
  url: string | null;
  referrer: string | null;
  visitorKey: string | null;
  createdAt: number;
}

export interface VisitsRepo {
  insert(visit: NewVisit): Promise<void>;
  /**
   * The day's visitor salt, created on first use (the first writer wins; every collector then
   * reads the same one); older salts are deleted so old visitor keys cannot be re-derived.
   */
  saltForDay(day: string): Promise<string>;
}

/** What an erasure blanked besides the entries themselves, by kind (rows changed). */
export interface ErasedTraces {
  purchases: number;
  visits: number;
  ledgerNotes: number;
  disqualificationReasons: number;
}

/** A person to erase from one contest (or every contest: contestId null). */
export interface PersonTraces {
  contestId: string | null;
  /** The person's entries: their own ledger notes and disqualification reasons go entirely. */
  entryIds: string[];
  /** Normalized emails: purchases made under one of them lose their email. */
  emails: string[];
  /** Lower-case strings that identify the person in URLs (emails, as given and URL-encoded). */
  urlNeedles: string[];
  /** Lower-case strings that identify the person in free text (emails, name, phone). */
  textNeedles: string[];
}

export interface ErasureRepo {
  /** The emails (normalized) on the entries' purchases: also older emails of the same people. */
  purchaseEmailsOf(entryIds: string[]): Promise<string[]>;
  /**
   * Blanks every stored trace of the person outside the entries table: purchase emails, visit
   * URLs and referrers that carry one of their emails, ledger notes and disqualification reasons
   * that name them. Asks the store to scrub the freed bytes once the transaction commits.
   */
  eraseTraces(person: PersonTraces): Promise<ErasedTraces>;
}

export interface ApiKeyRecord {
  id: string;
  type: ApiKeyType;
  keyHash: string;
  /** The one contest a scoped key may read or write; null: every contest. */
  contestId: string | null;
}

export interface ApiKeyListing {
  id: string;
  type: ApiKeyType;
  /** The first characters of the key, to recognise it by; the key itself is not stored. */
  prefix: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
  contestId: string | null;
}

export interface ApiKeysRepo {
  /** `contestId`: scope the key to one contest (null or omitted: every contest). */
  insert(id: string, type: ApiKeyType, key: string, label: string | null, now: number, contestId?: string | null): Promise<void>;
  list(): Promise<ApiKeyListing[]>;
  /** Revokes by key id (`key_…`) or by the key itself; true when a live key was revoked. */
  revoke(idOrKey: string, now: number): Promise<boolean>;
  /** Looks the key up by its hash (remembered for at most CROSS_PROCESS_STALENESS_MS). */
  find(key: string): Promise<ApiKeyRecord | undefined>;
}

export interface BonusAction {
  id: string;
  contestId: string;
  action: string;
  description: string | null;
  points: number;
  position: number;
}

export interface BonusActionStatus extends BonusAction {
  completed: boolean;
  completedAt: number | null;
  pointsAwarded: number | null;
}

export interface BonusActionsRepo {
  insert(action: BonusAction, now: number): Promise<void>;
  update(action: BonusAction): Promise<void>;
  archive(id: string): Promise<void>;
  listForContest(contestId: string): Promise<BonusAction[]>;
  get(id: string): Promise<(BonusAction & { archived: boolean }) | undefined>;
  findByAction(contestId: string, action: string): Promise<BonusAction | undefined>;
  statusForEntry(entryId: string, contestId: string): Promise<BonusActionStatus[]>;
  completion(entryId: string, bonusActionId: string): Promise<{ completedAt: number; pointsAwarded: number } | undefined>;
  complete(entryId: string, action: BonusAction, points: number, now: number): Promise<void>;
}

// Defined in domain/ so the route schemas (and the SDK's declarations) need not import the store.
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../domain/webhook-events.js';

/** An event in the outbox: written in the transaction of the change it describes. */
export interface OutboxEvent {
  /** `msg_…`: the `webhook-id` receivers deduplicate on, the same on every retry. */
  id: string;
  type: WebhookEventType;
  contestId: string | null;
  /** The JSON body sent: `{ type, timestamp, data }`. */
  payload: string;
  createdAt: number;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** Subscribed event types; empty = every type. */
  events: WebhookEventType[];
  disabled: boolean;
  disabledReason: string | null;
  /** When the endpoint started failing every attempt (null while it succeeds). */
  failingSince: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface WebhookAttempt {
  id: string;
  attemptedAt: number;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
  nextAttemptAt: number | null;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: WebhookEventType;
  endpointId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: number | null;
  lastResponseStatus: number | null;
  createdAt: number;
  attemptLog: WebhookAttempt[];
}

/** A delivery the loop has leased: what it needs to send it. */
export interface ClaimedDelivery {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  attempts: number;
  url: string;
  secret: string;
  payload: string;
}

export interface WebhooksRepo {
  /** Writes the events, and a pending delivery per live endpoint subscribed to each; an event no endpoint wants is not stored. */
  emit(events: OutboxEvent[]): Promise<void>;
  insertEndpoint(endpoint: WebhookEndpoint, secret: string): Promise<void>;
  updateEndpoint(endpoint: WebhookEndpoint): Promise<void>;
  /** Marks the endpoint deleted and cancels its pending deliveries; false when there was none. */
  deleteEndpoint(id: string, now: number): Promise<boolean>;
  getEndpoint(id: string): Promise<WebhookEndpoint | undefined>;
  listEndpoints(): Promise<WebhookEndpoint[]>;
  /**
   * Leases up to `limit` due deliveries of live endpoints until `leaseUntil` (their next attempt
   * moves there, so no other loop takes them; a collector killed mid-send leaves them due again
   * at the lease's end). On PostgreSQL, rows another transaction holds are skipped.
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]>;
  recordAttempt(deliveryId: string, attempt: WebhookAttempt, status: WebhookDelivery['status']): Promise<void>;
  /** The endpoint failed: starts its failing period, or disables it once failing for `disableAfterMs`. True when disabled now. */
  endpointFailed(id: string, now: number, disableAfterMs: number): Promise<boolean>;
  endpointSucceeded(id: string): Promise<void>;
  /** Newest first, with each attempt. */
  listDeliveries(endpointId: string, limit: number): Promise<WebhookDelivery[]>;
  /** Makes a delivery due now (a manual re-send); false when the delivery is not the endpoint's. */
  retryDelivery(endpointId: string, deliveryId: string, now: number): Promise<boolean>;
  /** Deliveries still to send to live endpoints, and when the most overdue of them fell due. */
  backlog(now: number): Promise<WebhookBacklog>;
}

export interface WebhookBacklog {
  pending: number;
  /** The earliest due time among pending deliveries already due; null when none is due. */
  oldestDueAt: number | null;
}

/** What a fraud check compares a new entry against; stored per entry (see migration: entry_signals). */
export interface EntrySignals {
  entryId: string;
  contestId: string;
  /** The entry whose code the signup came through, referred or not (held, blocked). */
  advocateId: string | null;
  identityKey: string | null;
  visitorKey: string | null;
  networkKey: string | null;
  createdAt: number;
}

/** What the checks need to know about a signup through an advocate's code, in one look-up. */
export interface SignalQuery {
  contestId: string;
  advocateId: string;
  identityKey: string | null;
  visitorKey: string | null;
  networkKey: string | null;
  /** Count the advocate's referred signups since this time (velocity). */
  velocitySince: number;
}

export interface SignalAnswer {
  /** An entry (not the new one) holding the same identity, the advocate's own first if it does. */
  identityEntryId: string | null;
  advocateVisitorKey: string | null;
  /** Signups through the advocate's code since velocitySince from this visitor key or network. */
  recentFromSameSource: number;
  /** The last visit through the advocate's code from this visitor key. */
  lastVisitAt: number | null;
}

export type FlagStatus = 'pending' | 'approved' | 'rejected' | 'blocked';

export interface ReferralFlag {
  id: string;
  contestId: string;
  friendEntryId: string;
  advocateEntryId: string;
  reasons: string[];
  status: FlagStatus;
  advocatePoints: number;
  friendPoints: number;
  decisionReason: string | null;
  createdAt: number;
  decidedAt: number | null;
}

export interface FraudRepo {
  recordSignals(signals: EntrySignals): Promise<void>;
  updateIdentity(entryId: string, identityKey: string | null): Promise<void>;
  /** Erasure: the signals derived from a person's email and device go. */
  eraseSignals(entryId: string): Promise<void>;
  signals(query: SignalQuery): Promise<SignalAnswer>;
  insertFlag(flag: ReferralFlag): Promise<void>;
  getFlag(id: string): Promise<ReferralFlag | undefined>;
  /**
   * pending → approved | rejected, only if still pending: true when this call decided it. The
   * UPDATE's WHERE makes a second, concurrent decision a no-op on either engine.
   */
  decideFlag(id: string, status: 'approved' | 'rejected', reason: string | null, now: number): Promise<boolean>;
  /** A contest's flags in one status, oldest first. */
  listFlags(contestId: string, status: FlagStatus, limit: number, offset: number): Promise<{ rows: ReferralFlag[]; total: number }>;
  /** Flags naming an entry as friend or advocate, oldest first (the entry's ledger view). */
  flagsForEntry(entryId: string): Promise<ReferralFlag[]>;
}

/** How a referral code reached the collector (see README "Making attribution stick"). */
export type CodeSource = 'body' | 'server_cookie' | 'script' | 'typed' | 'webhook' | 'api';
/** Which rule chose a purchase's advocate: the code given, the rocket_ref cookie, or the purchaser's referrer. */
export type CreditRule = 'code' | 'cookie' | 'referrer';

/** Why an entry is referred, or a purchase credited: one row per referred signup or credited purchase. */
export interface Attribution {
  /** The friend's entry id (a signup) or the purchase id. */
  subjectId: string;
  contestId: string;
  advocateId: string | null;
  codeSource: CodeSource | null;
  creditRule: CreditRule | null;
  /** The request's visitor key (same salt and inputs as a visit's), when it came from a browser. */
  visitorKey: string | null;
  createdAt: number;
}

export interface VisitSpan {
  first: number | null;
  last: number | null;
  count: number;
}

export interface AttributionsRepo {
  record(attribution: Attribution): Promise<void>;
  get(subjectId: string): Promise<Attribution | undefined>;
  /** Visits through `advocateId`'s code from `visitorKey`, up to `until` (served by visits_visitor). */
  visitSpan(advocateId: string, visitorKey: string, until: number): Promise<VisitSpan>;
}

/** A stored Idempotency-Key: its request's fingerprint and, once answered, the answer (encrypted). */
export interface IdempotencyRecord {
  keyHash: string;
  fingerprint: string;
  createdAt: number;
  /** null while the first request is still running. */
  statusCode: number | null;
  response: string | null;
}

export interface IdempotencyRepo {
  find(keyHash: string): Promise<IdempotencyRecord | undefined>;
  /** Inserts a pending record; false when the key is already taken. */
  insert(keyHash: string, fingerprint: string, now: number): Promise<boolean>;
  complete(keyHash: string, statusCode: number, response: string): Promise<void>;
  remove(keyHash: string): Promise<void>;
  /** Deletes records created before `before`; returns how many. */
  purge(before: number): Promise<number>;
}

/** Links to a participant's private page: only SHA-256 hashes of the tokens are stored. */
export interface HubTokensRepo {
  insert(tokenHash: string, entry: { id: string; contestId: string }, now: number): Promise<void>;
  /** The live (not revoked) token with this hash. */
  find(tokenHash: string): Promise<{ entryId: string; contestId: string } | undefined>;
  /** Revokes every live token of the entry; returns how many. */
  revokeForEntry(entryId: string, now: number): Promise<number>;
}

export interface Operator {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

export interface AuditRecord {
  id: number;
  operatorEmail: string;
  action: string;
  contestId: string | null;
  entryId: string | null;
  detail: string | null;
  createdAt: number;
}

/** Dashboard operators, their sessions (by the SHA-256 of the cookie) and the audit log. */
export interface OperatorsRepo {
  insert(operator: Operator): Promise<boolean>;
  findByEmail(email: string): Promise<Operator | undefined>;
  list(): Promise<Array<Omit<Operator, 'passwordHash'>>>;
  /** Deletes the operator and their sessions; false when no such operator. */
  delete(email: string): Promise<boolean>;
  insertSession(tokenHash: string, operatorId: string, now: number): Promise<void>;
  session(tokenHash: string): Promise<{ operatorId: string; email: string; lastSeenAt: number } | undefined>;
  touchSession(tokenHash: string, now: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  appendAudit(record: Omit<AuditRecord, 'id'>): Promise<void>;
  /** Newest first; only a contest's rows when contestId is given; rows before id `before`. */
  audit(opts: { contestId?: string; before?: number; limit: number }): Promise<AuditRecord[]>;
}

/** What the rules see: one set of repositories, on the store (reads) or inside a transaction. */
export interface Repositories {
  contests: ContestsRepo;
  entries: EntriesRepo;
  ledger: LedgerRepo;
  purchases: PurchasesRepo;
  visits: VisitsRepo;
  apiKeys: ApiKeysRepo;
  bonusActions: BonusActionsRepo;
  webhooks: WebhooksRepo;
  erasure: ErasureRepo;
  fraud: FraudRepo;
  attributions: AttributionsRepo;
  idempotency: IdempotencyRepo;
  hubTokens: HubTokensRepo;
  operators: OperatorsRepo;
}

/**
 * How long a collector may serve a cached contest or API key after another process changed it
 * (a contest paused, a key revoked through another collector or the CLI). Caches expire after
 * this, on both engines; a change made through this process drops its entry at once.
 */
export const CROSS_PROCESS_STALENESS_MS = 500;

/** The tables, in an order where every row's references come before it (migrate-store copies in it). */
export const TABLES = [
  'contests',
  'api_keys',
  'visitor_salts',
  'entries',
  'points_ledger',
  'visits',
  'purchases',
  'bonus_actions',
  'bonus_completions',
  'purchase_refunds',
  'stripe_events',
  'webhook_endpoints',
  'webhook_events',
  'webhook_deliveries',
  'webhook_attempts',
  'entry_signals',
  'referral_flags',
  'attributions',
  'hub_tokens',
  'operators',
  'audit_log',
] as const;
export type TableName = (typeof TABLES)[number];

/** A stored row as both engines return it: column name → number, string or null. */
export type Row = Record<string, number | string | null>;

/**
 * Raw table access, for moving an install between engines (`refrocket migrate-store`) and for
 * tests that check what was stored. The rules never use it.
 */
export interface TableAccess {
  count(table: TableName): Promise<number>;
  /** Rows in primary-key order, a page at a time: pass the last row of a page to get the next. */
  page(table: TableName, after: Row | undefined, limit: number): Promise<Row[]>;
  /**
   * Inserts rows copied from another store, in one transaction. Counters the database keeps
   * (entries.points, referrals_count, ledger_seq, contest_stats) must arrive zeroed: the target
   * recomputes them from the rows, which is what verification then compares.
   */
  insertCopied(table: TableName, rows: Row[]): Promise<void>;
  /** After a copy: move id sequences past the copied ids (PostgreSQL), nothing on SQLite. */
  finishCopy(): Promise<void>;
}

export interface DatabaseStats {
  engine: 'sqlite' | 'postgres';
  /** The database's size on disk (SQLite: pages × page size; PostgreSQL: pg_database_size). */
  sizeBytes: number;
  /** PostgreSQL's connection pool: connections open, idle, callers waiting, and the bound. */
  pool?: { total: number; idle: number; waiting: number; max: number };
}

/** One write's result in a group commit: [true, value] or [false, error]. */
export type Outcome = [ok: boolean, value: unknown];

/** A write the group-commit queue runs inside a transaction, on that transaction's repositories. */
export type TransactionalOp = (tx: Repositories) => Promise<unknown>;

export interface Store extends Repositories {
  /** Bumped by every write of this process that can change a ranking; see VersionedCache. */
  readonly changes: ChangeCounter;
  readonly tables: TableAccess;
  /** The database, for logs: a file path, or a URL without its password. */
  readonly description: string;
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs a batch of writes in ONE transaction and resolves after its COMMIT (group commit; see
   * writer/write-queue.ts). `isolated` gives each write a savepoint. Without it, a write that
   * fails having changed nothing is simply reported; one that fails after changing something makes
   * the engine throw ReplayBatch, and the queue runs the batch again isolated.
   */
  runBatch(ops: TransactionalOp[], isolated: boolean): Promise<Outcome[]>;
  /**
   * Where the API's writes run, group-committed (store/writer.ts): on this thread, or for a
   * SQLite file in a write thread of its own. `onFatal`: the writer can no longer commit.
   */
  openWriter(runner: WriteOpRunner, options: WriterEvents): Writer;
  /** Drops cached reads after a rolled-back write: they may hold rows that no longer exist. */
  forgetCachedReads(): void;
  /** Resolves when the database answers a query; rejects (503 ApiError) when it does not. */
  ping(): Promise<void>;
  /**
   * One page of a contest's rows for `refrocket export` (see export-queries.ts), in key order,
   * starting after `after` (the previous page's last row).
   */
  exportPage(kind: ExportKind, contestId: string, after: Row | undefined, limit: number): Promise<Row[]>;
  /** What /metrics reports about the database: its size, and the pool's use on PostgreSQL. */
  databaseStats(): Promise<DatabaseStats>;
  /** Entries whose points differ from their ledger sum, and contests whose counters are off. */
  invariantViolations(): Promise<string[]>;
  /** A consistent online copy of the database into a file (SQLite); PostgreSQL refuses. */
  backup(destination: string): Promise<{ source: string; destination: string; bytes: number; ms: number }>;
  close(): Promise<void>;
}

/** Thrown by Store.runBatch: a write failed after changing rows, so the batch must run again isolated. */
export class ReplayBatch extends Error {
  constructor() {
    super('batch rolled back to isolate a failed write');
  }
}
