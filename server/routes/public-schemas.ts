import { z } from 'zod';
import * as f from '../http/fields.js';
import { REFERRAL_COOKIE } from '../wire.js';

/**
 * Wire shapes of the public referral endpoints and the inbound webhooks: the routes validate with
 * them and the SDK (sdk/) derives its types from them. Imports only zod and field rules, so the
 * SDK's type declarations stay small.
 */

export const signupPointsSchema = z.object({ advocate: z.number().int(), friend: z.number().int() });

export const validateCodeQuery = z.object({ code: f.referralCode, contestId: f.contestId });
export const validateCodeResponse = z.object({
  valid: z.boolean(),
  referrerEmail: z.string().nullable().optional(),
  referrerName: z.string().nullable().optional(),
  contestId: z.string(),
});

export const trackVisitBody = z.object({
  referralCode: f.referralCode,
  contestId: f.contestId,
  url: f.url.describe('The page URL that was visited'),
  referrer: f.url.describe('document.referrer of the landing page'),
});
export const trackVisitResponse = z.object({ success: z.literal(true) });

export const trackSignupBody = z.object({
  email: f.email,
  contestId: f.contestId,
  referralCode: f.referralCode.describe('The referral code of the person who referred them'),
  name: f.name,
});
export const trackSignupResponse = z.object({
  success: z.literal(true),
  data: z.object({ entryId: z.string(), isReferred: z.boolean(), pointsAwarded: signupPointsSchema }),
});

export const trackPurchaseBody = z.object({
  email: f.email.describe('Email address of the purchaser'),
  contestId: f.contestId,
  orderId: f.orderId,
  amount: f.amount,
  currency: f.currency,
  referralCode: f.referralCode.nullish().describe(`The referral code (optional if the ${REFERRAL_COOKIE} cookie is sent)`),
});
export const trackPurchaseResponse = z.object({
  success: z.literal(true),
  data: z.object({
    purchaseId: z.string(),
    entryId: z.string().nullable(),
    pointsAwarded: z.number().int(),
    message: z.string(),
  }),
});

export const webhookSignupBody = z.object({
  email: f.email,
  name: f.name,
  phone: f.phone,
  referralCode: f.referralCode.nullish().describe('Referral code, if the signup was referred'),
  secret: z.string().max(200).optional().describe('The webhook secret, if not sent as a header'),
});
export const webhookSignupResponse = z.object({
  success: z.literal(true),
  data: z.object({
    entryId: z.string(),
    email: z.string().nullable(),
    alreadyExists: z.boolean(),
    isReferred: z.boolean(),
    pointsAwarded: signupPointsSchema,
  }),
});

export const webhookPurchaseBody = z.object({
  email: f.email.describe('Email address of the purchaser'),
  orderId: f.orderId,
  amount: f.amount,
  currency: f.currency,
  secret: z.string().max(200).optional().describe('The webhook secret, if not sent as a header'),
});

export const purchaseResponseSchema = z.object({
  success: z.literal(true),
  data: z.object({
    purchaseId: z.string(),
    entryId: z.string().nullable(),
    pointsAwarded: z.number().int(),
    alreadyExists: z.boolean(),
    message: z.string(),
  }),
});
