import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listApiKeys } from '../collector/api-keys.js';
import { requireContest } from '../collector/context.js';
import { requireEntry } from '../collector/entries-admin.js';
import { checkCredentials } from '../collector/operators.js';
import { normalizeEmail } from '../domain/email.js';
import { ApiError, notFound } from '../domain/errors.js';
import { currencyExponent } from '../domain/money.js';
import * as f from '../http/fields.js';
import { toIso, toIsoOrNull } from '../http/views.js';
import { LoginLimits } from '../plugins/login-limits.js';
import { refuseCrossSite, requireOperatorPlugin, sessionCookie, sessionToken } from '../plugins/operator-session.js';

const hide = { hide: true };
const contestParams = z.object({ contestId: f.contestId });
const entryParams = z.object({ entryId: f.contestId });
const INVALID_LOGIN = 'Invalid email or password';

/**
 * /admin/api: what the dashboard needs beyond /api/v1 (which it calls with its session, see
 * plugins/api-keys.ts): signing in and out, operators, the audit log, API keys, webhook secrets,
 * an entry's ledger, requalifying, and CSV exports. Every route but login and logout needs a
 * signed-in operator (401) and refuses cross-site writes (403).
 */
export const adminApiRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;
  const limits = new LoginLimits(collector.now);

  app.post('/login', {
    schema: { ...hide, body: z.object({ email: z.string().trim().max(254), password: z.string().max(1024) }) },
  }, async (request, reply) => {
    refuseCrossSite(request);
    const email = normalizeEmail(request.body.email);
    if (limits.blocked(request.ip, email)) {
      throw new ApiError(429, 'Too many failed sign-ins; try again in 15 minutes');
    }
    const operator = await checkCredentials(collector, email, request.body.password);
    if (!operator) {
      limits.recordFailure(request.ip, email);
      throw new ApiError(401, INVALID_LOGIN);
    }
    limits.recordSuccess(email);
    const token = await writes.run('startSession', { operatorId: operator.id });
    reply.header('set-cookie', sessionCookie(request, token));
    return { success: true as const, data: { email: operator.email } };
  });

  app.post('/logout', { schema: hide }, async (request, reply) => {
    refuseCrossSite(request);
    const token = sessionToken(request);
    if (token) await writes.run('endSession', { token });
    reply.header('set-cookie', sessionCookie(request, null));
    return { success: true as const, data: { signedOut: true } };
  });

  await app.register(async (scope) => {
    await scope.register(requireOperatorPlugin);
    const secured = scope.withTypeProvider<ZodTypeProvider>();

    secured.get('/me', { schema: hide }, async (request) => ({ success: true as const, data: request.operator! }));

    secured.get('/operators', { schema: hide }, async () => ({
      success: true as const,
      data: (await collector.store.operators.list()).map((o) => ({ email: o.email, createdAt: toIso(o.createdAt) })),
    }));

    secured.get('/audit', {
      schema: { ...hide, querystring: z.object({ contestId: f.contestId.optional(), before: z.coerce.number().int().positive().optional() }) },
    }, async (request) => {
      const rows = await collector.store.operators.audit({ ...request.query, limit: 100 });
      return { success: true as const, data: rows.map((r) => ({ ...r, createdAt: toIso(r.createdAt) })) };
    });

    secured.get('/keys', { schema: hide }, async () => ({
      success: true as const,
      data: (await listApiKeys(collector)).map((k) => ({ ...k, createdAt: toIso(k.createdAt), revokedAt: toIsoOrNull(k.revokedAt) })),
    }));
    secured.post('/keys', {
      schema: { ...hide, body: z.object({ type: z.enum(['public', 'private']), label: z.string().trim().max(100).nullish() }) },
    }, async (request, reply) => {
      const key = await writes.run('createApiKey', { type: request.body.type, label: request.body.label ?? null });
      return reply.code(201).send({ success: true as const, data: key });
    });
    secured.delete('/keys/:keyId', { schema: { ...hide, params: z.object({ keyId: z.string().regex(/^key_[A-Za-z0-9_-]+$/) }) } }, async (request) => {
      if (!(await writes.run('revokeApiKey', { id: request.params.keyId }))) throw notFound('API key not found');
      return { success: true as const, data: { revoked: true } };
    });

    secured.post('/contests/:contestId/webhook-secret', { schema: { ...hide, params: contestParams } }, async (request) => {
      const webhookSecret = await writes.run('rotateWebhookSecret', { contestId: request.params.contestId });
      return { success: true as const, data: { contestId: request.params.contestId, webhookSecret } };
    });

    secured.get('/entries/:entryId/ledger', { schema: { ...hide, params: entryParams } }, async (request) => {
      const entry = await requireEntry(collector, request.params.entryId);
      const rows = await collector.store.ledger.forEntry(entry.id);
      return {
        success: true as const,
        data: rows.map((r) => ({ id: r.id, delta: r.delta, reason: r.reason, sourceId: r.sourceId, note: r.note, createdAt: toIso(r.createdAt) })),
      };
    });

    secured.post('/entries/:entryId/requalify', {
      schema: { ...hide, params: entryParams, body: z.object({ reason: z.string().trim().min(1).max(f.limits.text) }) },
    }, async (request) => {
      const entry = await writes.run('requalifyEntry', { entryId: request.params.entryId });
      return { success: true as const, data: { id: entry.id, disqualified: entry.disqualified } };
    });

    secured.get('/contests/:contestId/export/entries.csv', { schema: { ...hide, params: contestParams } }, async (request, reply) => {
      const contest = await requireContest(collector, request.params.contestId);
      return csvReply(reply, `${contest.id}-entries.csv`, entriesCsv(contest.id));
    });
    secured.get('/contests/:contestId/export/purchases.csv', { schema: { ...hide, params: contestParams } }, async (request, reply) => {
      const contest = await requireContest(collector, request.params.contestId);
      return csvReply(reply, `${contest.id}-purchases.csv`, purchasesCsv(contest.id));
    });
  });

  const EXPORT_PAGE = 500;

  /** Entries a page at a time (never the whole table in memory), with the referrer's code. */
  async function* entriesCsv(contestId: string) {
    yield csvRow(['id', 'email', 'name', 'phone', 'referral_code', 'points', 'referrals', 'referrer_code', 'email_confirmed', 'disqualified', 'created_at']);
    for (let offset = 0; ; offset += EXPORT_PAGE) {
      const { rows } = await collector.store.entries.list(contestId, { limit: EXPORT_PAGE, offset });
      const referrerCodes = new Map<string, string>();
      for (const id of new Set(rows.map((e) => e.referredBy).filter((id): id is string => id !== null))) {
        const referrer = await collector.store.entries.get(id);
        if (referrer) referrerCodes.set(id, referrer.referralCode);
      }
      yield rows.map((e) => csvRow([
        e.id, e.email, e.name, e.phone, e.referralCode, e.points, e.referralsCount,
        e.referredBy ? referrerCodes.get(e.referredBy) ?? '' : '', e.emailConfirmed, e.disqualified, toIso(e.createdAt),
      ])).join('');
      if (rows.length < EXPORT_PAGE) return;
    }
  }

  async function* purchasesCsv(contestId: string) {
    // advocate_points / purchaser_points: what each side was awarded (refunds reverse them with
    // new ledger rows; refunded_amount and status say how much of the purchase was refunded).
    yield csvRow(['id', 'order_id', 'email', 'amount', 'currency', 'status', 'refunded_amount', 'advocate_points',
      'purchaser_points', 'purchaser_entry_id', 'credited_entry_id', 'created_at']);
    for (let after = ''; ;) {
      const rows = await collector.store.purchases.listForContest(contestId, after, EXPORT_PAGE);
      const major = (minor: number, currency: string) => (minor / 10 ** currencyExponent(currency)).toFixed(currencyExponent(currency));
      yield rows.map((p) => csvRow([
        p.id, p.orderId, p.email, major(p.amountMinor, p.currency), p.currency, p.status, major(p.refundedMinor, p.currency),
        p.pointsAwarded, p.purchaserPoints, p.purchaserEntryId, p.creditedEntryId, toIso(p.createdAt),
      ])).join('');
      if (rows.length < EXPORT_PAGE) return;
      after = rows[rows.length - 1].id;
    }
  }
};

function csvReply(reply: import('fastify').FastifyReply, filename: string, rows: AsyncGenerator<string>) {
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .send(Readable.from(rows));
}

/**
 * One CSV line (RFC 4180): fields with commas, quotes or line breaks are quoted; a field that
 * starts with = + - @ gets a leading ' so a spreadsheet does not run it as a formula.
 */
export function csvRow(fields: Array<string | number | boolean | null>): string {
  return `${fields
    .map((field) => {
      if (field === null) return '';
      let text = String(field);
      if (typeof field === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
      return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
    })
    .join(',')}\r\n`;
}
