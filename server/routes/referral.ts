import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { validateCode } from '../collector/visit.js';
import { readCookie } from '../http/cookies.js';
import * as f from '../http/fields.js';
import { REFERRAL_COOKIE } from '../wire.js';
import * as p from './public-schemas.js';

const tags = ['Referral tracking'];

export { signupPointsSchema } from './public-schemas.js';

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
  }, async (request) => {
    // The writer hashes the IP and user agent with the day's salt into a visitor key; neither is stored.
    await writes.run('trackVisit', { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
    return { success: true as const };
  });

  app.post('/track-signup', {
    // Anonymous entry creation has its own, stricter limit: 5 per 15 min per IP + contest.
    preHandler: async (request) => app.checkSignupLimit(request),
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
    const result = await writes.run('signup', request.body);
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
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { referralCode, ...purchase } = request.body;
    const cookieCode = readCookie(request.headers.cookie, REFERRAL_COOKIE);
    const result = await writes.run('recordPurchase', {
      input: { ...purchase, source: 'referral' },
      crediting: { kind: 'advocate', referralCode, cookieCode },
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
