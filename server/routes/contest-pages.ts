import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  contestPage,
  MAX_PUBLIC_RANKS,
  participantView,
  privatePageUrl,
  publicLeaderboard,
  referralLink,
} from '../collector/contest-pages.js';
import { ApiError } from '../domain/errors.js';
import {
  contestPageHtml,
  leaderboardPageHtml,
  notFoundHtml,
  participantPageHtml,
  type PageAssets,
} from '../http/contest-html.js';
import * as f from '../http/fields.js';
import { contentTypeOf, PrecompressedFile } from '../http/precompressed.js';
import { loadWebAssets } from '../web-assets.js';

/** What the pages allow: their own script and stylesheet, requests to this collector, nothing inline. */
const pageCsp = (frameAncestors: string) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');

const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;
const DEFAULT_RANKS = 10;
const ALREADY_JOINED =
  'This email has already joined. For privacy this page shows an entry only through its private link: open the link you got when you joined, or ask the organiser to send it again.';

const leaderboardQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PUBLIC_RANKS).default(DEFAULT_RANKS).describe(`How many ranks, 1-${MAX_PUBLIC_RANKS}`),
  refresh: z.coerce.number().int().min(2).max(3600).default(30).describe('Seconds between refreshes of the page'),
});
const contestParams = z.object({ contestId: f.contestId });

/**
 * The participant pages, served as HTML by the collector (no second server):
 * - GET /c/:contestId — the contest, how points are earned, the join form (?ref=CODE credits a referrer);
 * - GET /c/:contestId/me/:token — the participant's private page (their link, points, rank);
 * - GET /c/:contestId/leaderboard — top N, names or masked emails only, frameable per contest;
 * - GET /c/assets/NAME — their script and stylesheet, content-hashed.
 * A missing, draft or switched-off contest (settings.publicPages = false) is a 404 page.
 */
export const contestPageRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector } = app;
  const files = await loadWebAssets();
  const names = Object.keys(files).filter((name) => name.startsWith('contest.'));
  const assetNames: PageAssets = {
    script: names.find((n) => n.endsWith('.js'))!,
    stylesheet: names.find((n) => n.endsWith('.css'))!,
  };
  const assets = new Map(names.map((name) => [name, new PrecompressedFile(files[name], contentTypeOf(name))]));

  // A page is a few kilobytes made per request: sent as it is, not compressed.
  const html = (_request: FastifyRequest, reply: FastifyReply, body: string, frameAncestors = "'none'") => {
    reply.header('content-security-policy', pageCsp(frameAncestors)).header('x-content-type-options', 'nosniff');
    if (frameAncestors === "'none'") reply.header('x-frame-options', 'DENY');
    return reply.type('text/html; charset=utf-8').send(body);
  };
  /** A contest that is missing, a draft or switched off answers as no page at all. */
  const orNotFound = async (request: FastifyRequest, reply: FastifyReply, render: () => Promise<unknown>) => {
    try {
      return await render();
    } catch (error) {
      if (!(error instanceof ApiError) || error.statusCode !== 404) throw error;
      reply.code(404).header('cache-control', 'no-store');
      return html(request, reply, notFoundHtml(assetNames));
    }
  };

  app.get('/c/assets/:name', { schema: { hide: true, params: z.object({ name: z.string().max(100) }) } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.code(404).send({ success: false, error: 'Not found' });
    return asset.send(request, reply.header('cache-control', 'public, max-age=31536000, immutable'));
  });

  app.get('/c/:contestId', {
    schema: { hide: true, params: contestParams, querystring: z.object({ ref: z.string().optional() }) },
  }, async (request, reply) =>
    orNotFound(request, reply, async () => {
      const page = await contestPage(collector, request.params.contestId);
      // Only a code-shaped ?ref= is carried into the form; the signup rules decide whether it counts.
      const ref = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).safeParse(request.query.ref);
      reply.header('cache-control', 'no-cache').header('referrer-policy', 'strict-origin-when-cross-origin');
      return html(request, reply, contestPageHtml(assetNames, page, ref.success ? ref.data : undefined));
    }));

  app.get('/c/:contestId/me/:token', {
    schema: { hide: true, params: contestParams.extend({ token: z.string().max(64) }) },
  }, async (request, reply) =>
    orNotFound(request, reply, async () => {
      const view = await participantView(collector, request.params.contestId, request.params.token);
      const link = referralLink(view.page.contest, view.entry.referralCode, origin(request));
      // The address is the credential: never cached, never sent on as a Referer, never indexed.
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').header('x-robots-tag', 'noindex');
      return html(request, reply, participantPageHtml(assetNames, view, link));
    }));

  app.get('/c/:contestId/leaderboard', {
    schema: { hide: true, params: contestParams, querystring: leaderboardQuery },
  }, async (request, reply) =>
    orNotFound(request, reply, async () => {
      const { limit, refresh } = request.query;
      const { contest, ranks } = await publicLeaderboard(collector, request.params.contestId, limit);
      const ancestors = contest.settings.leaderboardFrameAncestors;
      const url = `/api/contest-pages/${encodeURIComponent(contest.id)}/leaderboard?limit=${limit}`;
      reply.header('cache-control', 'no-cache');
      return html(request, reply, leaderboardPageHtml(assetNames, contest.title, ranks, { url, seconds: refresh }), ancestors.length ? ancestors.join(' ') : "'none'");
    }));
};

const joinAnswer = z.object({
  success: z.literal(true),
  data: z.object({
    status: z.enum(['joined', 'already_joined']),
    privateUrl: z.string().optional().describe("The participant's private page; only for a new entry"),
    message: z.string().optional(),
  }),
});

/**
 * The JSON the pages' script calls, under /api (so the same per-IP limits apply; fake signups are
 * the fraud checks' business, as on track-signup, so the join passes the browser's device on).
 * Hidden from the OpenAPI document: they serve the pages, not integrations.
 */
export const contestPageApiRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;

  app.post('/join', {
    schema: {
      hide: true,
      body: z.object({ contestId: f.contestId, email: f.email, name: f.name, referralCode: f.referralCode.nullish() }),
      response: { 200: joinAnswer },
    },
  }, async (request) => {
    const device = { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
    const result = await writes.run('joinContest', { ...request.body, device, visitor: device });
    if (result.status === 'already_joined') return { success: true as const, data: { status: result.status, message: ALREADY_JOINED } };
    return { success: true as const, data: { status: result.status, privateUrl: privatePageUrl(origin(request), result.contestId, result.token) } };
  });

  app.get('/:contestId/leaderboard', {
    schema: { hide: true, params: contestParams, querystring: leaderboardQuery.pick({ limit: true }) },
  }, async (request, reply) => {
    const { ranks } = await publicLeaderboard(collector, request.params.contestId, request.query.limit);
    reply.header('cache-control', 'no-cache');
    return { success: true as const, data: { ranks } };
  });
};
