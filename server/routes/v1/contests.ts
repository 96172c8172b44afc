import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contestDetail, listContests } from '../../collector/contests.js';
import { listEntries } from '../../collector/entries-admin.js';
import { requireContest } from '../../collector/context.js';
import { contactsFilter } from '../../collector/contacts.js';
import { analytics, dailyAnalytics, leaderboard } from '../../collector/reports.js';
import { badRequest, messages } from '../../domain/errors.js';
import * as f from '../../http/fields.js';
import { entryDetailView, entryView, leaderboardRowView } from '../../http/views.js';
import { VersionedCache } from '../../store/changes.js';
import { CROSS_PROCESS_STALENESS_MS } from '../../store/repositories.js';
import { purchaseResponseSchema } from '../public-schemas.js';
import { logSupersede, purchaseResponse } from '../webhooks.js';
import * as s from './schemas.js';

const tags = ['Contests'];
const params = z.object({ contestId: f.contestId });

export const contestRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;
  // Leaderboard widgets poll: between changes to entries or points the same answer is served
  // from memory, already serialized (briefly, so another process's writes show too).
  const leaderboardResponses = new VersionedCache<string>(app.rankingChanges, CROSS_PROCESS_STALENESS_MS, 100, app.collector.now);

  app.get('/contests', {
    schema: { tags, summary: 'List contests', security: s.security, response: { 200: s.ok(z.array(s.contestSchema)), ...s.errors } },
  }, async (request) => {
    const contests = await listContests(collector);
    // A key scoped to one contest sees only that one.
    const scope = request.apiKeyContestId;
    return { success: true as const, data: scope ? contests.filter((contest) => contest.id === scope) : contests };
  });

  app.post('/contests', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Create a contest (refrocket extension); the webhook secret is shown only here',
      security: s.security,
      body: s.createContestBody,
      response: { 201: s.ok(s.contestDetailSchema.extend({ webhookSecret: z.string() })), ...s.errors },
    },
  }, async (request, reply) => {
    const { bonusActions, ...input } = request.body;
    const data = await writes.run('createContest', { input, bonusActions });
    return reply.code(201).send({ success: true as const, data });
  });

  app.get('/contests/:contestId', {
    schema: { tags, summary: 'Get contest details', security: s.security, params, response: { 200: s.ok(s.contestDetailSchema), ...s.errors } },
  }, async (request) => {
    const detail = await contestDetail(collector, await requireContest(collector, request.params.contestId));
    // The fraud thresholds are for operators: a public key (pages anyone can read) does not see them.
    if (request.apiKeyType === 'private') return { success: true as const, data: detail };
    const { fraud: _hidden, ...settings } = detail.settings;
    return { success: true as const, data: { ...detail, settings } };
  });

  app.put('/contests/:contestId', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Configure a contest (refrocket extension): fields, settings, bonus actions',
      security: s.security,
      params,
      body: s.updateContestBody,
      response: { 200: s.ok(s.contestDetailSchema), ...s.errors },
    },
  }, async (request) => {
    const { bonusActions, stripeWebhookSecret, ...patch } = request.body;
    let data = await writes.run('updateContest', { contestId: request.params.contestId, patch, bonusActions });
    if (stripeWebhookSecret !== undefined) {
      data = await writes.run('setStripeWebhookSecret', { contestId: request.params.contestId, secret: stripeWebhookSecret });
    }
    return { success: true as const, data };
  });

  app.get('/contests/:contestId/entries', {
    config: { heavyRead: true },
    schema: {
      tags: ['Entries'],
      summary: 'List entries (paginated, searchable by email or name)',
      security: s.security,
      params,
      querystring: s.pageQuery,
      response: { 200: s.entryListResponse, ...s.errors },
    },
  }, async (request) => {
    const { page, limit, search } = request.query;
    const { rows, total } = await listEntries(collector, request.params.contestId, { page, limit, search });
    const contacts = await contactsFilter(collector, request.params.contestId, request.apiKeyType!);
    return {
      success: true as const,
      data: rows.map((entry) => contacts(entryView(entry))),
      pagination: { page, limit, total, totalPages: Math.ceil(total / limit) },
    };
  });

  app.post('/contests/:contestId/entries', {
    config: { access: 'private' },
    schema: {
      tags: ['Entries'],
      summary: 'Create an entry (201), or return the existing one for that email (200)',
      security: s.security,
      params,
      body: s.createEntryBody,
      response: {
        200: s.ok(s.createdEntrySchema),
        201: s.ok(s.createdEntrySchema),
        ...s.errors,
      },
    },
  }, async (request, reply) => {
    const { email, phone } = request.body;
    if (!email && !phone) throw badRequest(messages.emailOrPhoneRequired);
    const { entry, alreadyExists } = await writes.run('createEntry', { contestId: request.params.contestId, input: { ...request.body, codeSource: 'api' } });
    return reply
      .code(alreadyExists ? 200 : 201)
      .send({ success: true as const, data: { ...entryDetailView(entry), alreadyExists } });
  });

  app.get('/contests/:contestId/leaderboard', {
    schema: {
      tags: ['Leaderboard'],
      summary: 'Ranked entries: points desc, then earlier joinedAt',
      security: s.security,
      params,
      querystring: s.leaderboardQuery,
      response: { 200: s.ok(z.array(s.leaderboardRowSchema)), ...s.errors },
    },
  }, async (request, reply) => {
    const { contestId } = request.params;
    const { limit } = request.query;
    const contacts = await contactsFilter(collector, contestId, request.apiKeyType!);
    // Public and private readers may see different contacts: one cached answer per kind.
    const body = await leaderboardResponses.get(`${contestId}\0${limit}\0${request.apiKeyType}`, async () =>
      JSON.stringify({
        success: true,
        data: (await leaderboard(collector, contestId, limit)).map((e, i) => contacts(leaderboardRowView(e, i + 1))),
      }),
    );
    // A string payload is sent as is; the schema above still documents (and types) its shape.
    return reply.type('application/json; charset=utf-8').send(body as never);
  });

  app.get('/contests/:contestId/analytics', {
    schema: {
      tags: ['Analytics'],
      summary: 'Entry counts, views, bonus completions and point statistics',
      security: s.security,
      params,
      response: { 200: s.ok(s.analyticsSchema), ...s.errors },
    },
  }, async (request) => ({ success: true as const, data: await analytics(collector, request.params.contestId) }));

  app.get('/contests/:contestId/analytics/daily', {
    schema: {
      tags: ['Analytics'],
      summary: 'Visits, signups, referred signups, purchases and revenue per UTC day (refrocket extension)',
      description:
        'Every day from `from` to `to` (inclusive, at most 366 days) is in the answer, days without activity as zeros. ' +
        'referredSignups is a subset of signups; visits count only arrivals through referral links, so referredSignups / visits ' +
        'is the referral links\' conversion and signups / visits is not a ratio of like with like.',
      security: s.security,
      params,
      querystring: s.dailyQuery,
      response: { 200: s.ok(z.array(s.dailyPointSchema)), ...s.errors },
    },
  }, async (request) => ({
    success: true as const,
    data: await dailyAnalytics(collector, request.params.contestId, request.query),
  }));

  app.post('/contests/:contestId/purchases', {
    config: { access: 'private' },
    schema: {
      tags: ['Purchases'],
      summary: "Record a purchase for an entry (201), crediting its referrer too; a repeated orderId awards nothing (200)",
      security: s.security,
      params,
      body: s.recordPurchaseBody,
      response: { 200: purchaseResponseSchema, 201: purchaseResponseSchema, ...s.errors },
    },
  }, async (request, reply) => {
    const { contestId } = request.params;
    const { referralCode, ...purchase } = request.body;
    const result = await writes.run('recordPurchase', {
      input: { ...purchase, contestId, source: 'api' },
      crediting: { referralCode, awardPurchaser: true, requireEntry: true },
    });
    logSupersede(request, result);
    return reply.code(result.alreadyExists ? 200 : 201).send(purchaseResponse(result));
  });
};
