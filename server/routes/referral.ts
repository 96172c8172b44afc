import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { validateCode } from '../collector/visit.js';
import { isBotUserAgent } from '../domain/bots.js';
import { readCookie } from '../http/cookies.js';
import { isTrustedBackend } from '../plugins/rate-limits.js';
import * as f from '../http/fields.js';
import { REFERRAL_COOKIE } from '../wire.js';

const tags = ['Referral tracking'];

export const signupPointsSchema = z.object({ advocate: z.number().int(), friend: z.number().int() });

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
      querystring: z.object({ code: f.referralCode, contestId: f.contestId }),
      response: {
        200: z.object({
          valid: z.boolean(),
          referrerEmail: z.string().nullable().optional(),
          referrerName: z.string().nullable().optional(),
          contestId: z.string(),
        }),
        400: f.errorResponse,
      },
    },
  }, async (request) => validateCode(collector, request.query.code, request.query.contestId));

  app.post('/track-visit', {
    schema: {
      tags,
      summary: 'Record a visit through a referral link',
      body: z.object({
        referralCode: f.referralCode,
        contestId: f.contestId,
        url: f.url.describe('The page URL that was visited'),
        referrer: f.url.describe('document.referrer of the landing page'),
      }),
      response: { 200: z.object({ success: z.literal(true) }), 400: f.errorResponse, 404: f.errorResponse },
    },
  }, async (request) => {
    // Crawlers and scripts would inflate views and the funnel: answered as usual, not stored.
    if (isBotUserAgent(request.headers['user-agent'])) return { success: true as const };
    // The writer hashes the IP and user agent with the day's salt into a visitor key; neither is stored.
    await writes.run('trackVisit', { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] ?? '' });
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
      body: z.object({
        email: f.email,
        contestId: f.contestId,
        referralCode: f.referralCode.describe('The referral code of the person who referred them'),
        name: f.name,
      }),
      response: {
        200: z.object({
          success: z.literal(true),
          data: z.object({ entryId: z.string(), isReferred: z.boolean(), pointsAwarded: signupPointsSchema }),
        }),
        400: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    // A backend that proves itself (webhook secret, private key) sends from its own address, not
    // the person's: the device checks get no device then.
    const device = (await isTrustedBackend(app, request))
      ? null
      : { ip: request.ip, userAgent: request.headers['user-agent'] ?? '' };
    const result = await writes.run('signup', { ...request.body, device });
    return {
      success: true as const,
      data: { entryId: result.entry.id, isReferred: result.isReferred, pointsAwarded: result.pointsAwarded },
    };
  });

  app.post('/track-purchase', {
    schema: {
      tags,
      summary: "Record a purchase and credit the purchaser's referrer",
      body: z.object({
        email: f.email.describe('Email address of the purchaser'),
        contestId: f.contestId,
        orderId: f.orderId,
        amount: f.amount,
        currency: f.currency,
        referralCode: f.referralCode.nullish().describe(`The referral code (optional if the ${REFERRAL_COOKIE} cookie is sent)`),
      }),
      response: {
        200: z.object({
          success: z.literal(true),
          data: z.object({
            purchaseId: z.string(),
            entryId: z.string().nullable(),
            pointsAwarded: z.number().int(),
            message: z.string(),
          }),
        }),
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
