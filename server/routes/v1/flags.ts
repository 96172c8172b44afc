import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { entryLedger, listFlags } from '../../collector/fraud-review.js';
import * as f from '../../http/fields.js';
import { toIso, toIsoOrNull } from '../../http/views.js';
import type { ReferralFlag } from '../../store/repositories.js';
import type { Entry } from '../../store/types.js';
import * as s from './schemas.js';

const tags = ['Fraud review'];
const flagParams = z.object({ flagId: f.contestId.describe('The flag id') });
const errorsWithConflict = { ...s.errors, 409: f.errorResponse };

const person = (entry: Entry | undefined, id: string) => ({ id, email: entry?.email ?? null, name: entry?.name ?? null });

export function flagView(flag: ReferralFlag, entry?: Entry, advocate?: Entry) {
  return {
    id: flag.id,
    contestId: flag.contestId,
    status: flag.status,
    reasons: flag.reasons,
    entry: person(entry, flag.friendEntryId),
    advocate: { ...person(advocate, flag.advocateEntryId), referralCode: advocate?.referralCode ?? '' },
    pointsHeld: { advocate: flag.advocatePoints, friend: flag.friendPoints },
    decisionReason: flag.decisionReason,
    createdAt: toIso(flag.createdAt),
    decidedAt: toIsoOrNull(flag.decidedAt),
  };
}

/**
 * The review queue for referrals a fraud check fired on (refrocket extension, private key): list
 * them, approve (release the held points) or reject (drop them). Both decisions are idempotent.
 */
export const flagRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;

  app.get('/contests/:contestId/flags', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Flagged referrals of a contest, oldest first: entry, advocate, reasons, when',
      security: s.security,
      params: z.object({ contestId: f.contestId }),
      querystring: s.flagQuery,
      response: { 200: s.flagListResponse, ...s.errors },
    },
  }, async (request) => {
    const { status, page, limit } = request.query;
    const { flags, total } = await listFlags(collector, request.params.contestId, { status, page, limit });
    return {
      success: true as const,
      data: flags.map(({ flag, entry, advocate }) => flagView(flag, entry, advocate)),
      pagination: { page, limit, total, totalPages: Math.ceil(total / limit) },
    };
  });

  const decided = async (flag: ReferralFlag) => {
    const [entry, advocate] = [await collector.store.entries.get(flag.friendEntryId), await collector.store.entries.get(flag.advocateEntryId)];
    return { success: true as const, data: flagView(flag, entry, advocate) };
  };

  app.post('/flags/:flagId/approve', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: "Approve a flagged referral: its held points are released (ledger rows, leaderboard); again → no change",
      security: s.security,
      params: flagParams,
      response: { 200: s.ok(s.flagSchema), ...errorsWithConflict },
    },
  }, async (request) => decided(await writes.run('approveFlag', { flagId: request.params.flagId })));

  app.post('/flags/:flagId/reject', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Reject a flagged referral with a reason: its held points are dropped for good; again → no change',
      security: s.security,
      params: flagParams,
      body: s.rejectFlagBody,
      response: { 200: s.ok(s.flagSchema), ...errorsWithConflict },
    },
  }, async (request) =>
    decided(await writes.run('rejectFlag', { flagId: request.params.flagId, reason: request.body.reason })));

  app.get('/entries/:entryId/ledger', {
    config: { access: 'private' },
    schema: {
      tags: ['Entries'],
      summary: "An entry's points explained: released ledger rows, and points held, rejected or blocked by fraud checks",
      security: s.security,
      params: z.object({ entryId: f.contestId.describe('The entry id') }),
      response: { 200: s.ok(s.entryLedgerSchema), ...s.errors },
    },
  }, async (request) => {
    const { points, lines } = await entryLedger(collector, request.params.entryId);
    return {
      success: true as const,
      data: {
        entryId: request.params.entryId,
        points,
        ledger: lines.map((line) => ({ ...line, createdAt: toIso(line.createdAt) })),
      },
    };
  });
};
