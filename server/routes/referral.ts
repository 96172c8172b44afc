import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { arrivedCode } from '../collector/attribution.js';
import { validateCode } from '../collector/visit.js';
import { isBotUserAgent } from '../domain/bots.js';
import { badRequest } from '../domain/errors.js';
import { firstPartyCookie } from '../http/first-party-cookie.js';
import { readCookie } from '../http/cookies.js';
import { isTrustedBackend } from '../plugins/rate-limits.js';
import * as f from '../http/fields.js';
import { COOKIE_DAYS_HEADER, REFERRAL_COOKIE } from '../wire.js';
import * as p from './public-schemas.js';

const tags = ['Referral tracking'];

/**
 * The four public referral endpoints (no API key, CORS): what the browser script and backends
 * call. Shapes follow the hosted service's docs field for field.
 */
export const referralRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;

  app.get('/validate-code', {
    schema: {
      tags,
      summary: 'Check a referral code and get its referrer',
      querystring: p.validateCodeQuery,
      response: {
        200: p.validateCodeResponse,
        400: f.errorResponse,
      },
    },
  }, async (request) => validateCode(collector, request.query.code, request.query.contestId));

  app.post('/track-visit', {
    schema: {
      tags,
      summary: 'Record a visit through a referral link',
      body: p.trackVisitBody,
      response: { 200: p.trackVisitResponse, 400: f.errorResponse, 404: f.errorResponse },
    },
  }, async (request, reply) => {
    // Crawlers and scripts would inflate views and the funnel: answered as usual, not stored.
    if (isBotUserAgent(request.headers['user-agent'])) return { success: true as const };
    const { attribution, ...visit } = request.body;
    // The writer hashes the IP and user agent with the day's salt into a visitor key; neither is stored.
    const { cookieDays } = await writes.run('trackVisit', { ...visit, ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
    // First-party mode (reached through the customer's own site): the code also goes into a cookie
    // set by the server, which Safari does not cap at 7 days like the script's.
    const cookie = firstPartyCookie(request, visit.referralCode, cookieDays, attribution === 'first');
    if (cookie) reply.header('set-cookie', cookie);
    // The documented answer is exactly {"success": true}: the lifetime travels in a header.
    reply.header(COOKIE_DAYS_HEADER, cookieDays);
    return { success: true as const };
  });

  app.post('/track-signup', {
    // Only the general per-IP limit applies: the docs' own backend examples send every user's
    // signup from one server IP with no key. Fake signups are the fraud checks' job.
    // Whether the caller is a trusted backend is settled before validation drops the body's
    // `secret` field (the answer is kept for the handler), with or without rate limits.
    preValidation: async (request) => void (await isTrustedBackend(app, request)),
    schema: {
      tags,
      summary: 'Record a referred signup and award advocate and friend points',
      body: p.trackSignupBody,
      response: {
        200: p.trackSignupResponse,
        400: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { referralCode, codeSource, ...signup } = request.body;
    const arrived = arrivedCode(request.body, readCookie(request.headers.cookie, REFERRAL_COOKIE));
    if (!arrived) throw badRequest('referralCode is required');
    // A backend that proves itself (webhook secret, private key) sends from its own address, not
    // the person's: the device checks and the attribution's visitor key get no device then.
    const device = (await isTrustedBackend(app, request))
      ? null
      : { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
    const result = await writes.run('signup', {
      ...signup,
      referralCode: arrived.code,
      codeSource: arrived.source,
      device,
      visitor: device ?? undefined,
    });
    return {
      success: true as const,
      data: { entryId: result.entry.id, isReferred: result.isReferred, pointsAwarded: result.pointsAwarded },
    };
  });

  app.post('/track-purchase', {
    schema: {
      tags,
      summary: "Record a purchase and credit the purchaser's referrer",
      body: p.trackPurchaseBody,
      response: {
        200: p.trackPurchaseResponse,
        400: f.errorResponse,
        403: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { referralCode, codeSource, ...purchase } = request.body;
    const cookieCode = readCookie(request.headers.cookie, REFERRAL_COOKIE);
    const arrived = arrivedCode(request.body, cookieCode);
    const result = await writes.run('recordPurchase', {
      input: { ...purchase, source: 'referral' },
      crediting: {
        referralCode: arrived?.source === 'server_cookie' ? null : arrived?.code,
        cookieCode,
        codeSource: arrived?.source,
        visitor: { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' },
        awardPurchaser: false,
        requireEntry: false,
      },
    });
    return {
      success: true as const,
      data: {
        purchaseId: result.purchase.id,
        entryId: result.entryId,
        pointsAwarded: result.pointsAwarded,
        message: result.message,
      },
    };
  });
};
