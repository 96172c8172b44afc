import { z } from 'zod';
import * as f from '../http/fields.js';
import { REFERRAL_COOKIE } from '../wire.js';

/**
 * Wire shapes of the public referral endpoints and the inbound webhooks: the routes validate with
 * them and the SDK (sdk/) derives its types from them. Imports only zod and field rules, so the
 * SDK's type declarations stay small.
 */

/** Sent by the browser script: where its code came from (see README "Making attribution stick"). */
export const codeSourceField = z
  .enum(['script', 'typed'])
  .optional()
  .describe('Set by the browser script: `script` (a code it stored or read from the URL), `typed` (typed into a `data-rocket-code` field)');

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
  attribution: z.enum(['first', 'last']).optional().describe("The script's attribution mode: with `first`, a first-party cookie already holding a code is kept"),
});
export const trackVisitResponse = z.object({ success: z.literal(true) });

export const trackSignupBody = z.object({
  email: f.email,
  contestId: f.contestId,
  referralCode: f.referralCode
    .nullish()
    .describe(`The referral code of the person who referred them (optional when the ${REFERRAL_COOKIE} cookie is sent)`),
  name: f.name,
  codeSource: codeSourceField,
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
  codeSource: codeSourceField,
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
  referralCode: f.referralCode.nullish().describe("The referrer's code; default: the purchaser's own referrer"),
  secret: z.string().max(200).optional().describe('The webhook secret, if not sent as a header'),
});

export const refundBody = z.object({
  amount: f.amount.optional().describe('Refunded amount in major units (like track-purchase); omitted = the whole remaining amount'),
  refundId: z.string().trim().min(1).max(f.limits.id).optional().describe('Your refund id: a repeat with the same id changes nothing'),
  reason: z.string().trim().max(200).optional(),
});

export const webhookRefundBody = refundBody.extend({
  orderId: f.orderId,
  secret: z.string().max(200).optional().describe('The webhook secret, if not sent as a header'),
});

export const purchaseStatusEnum = z.enum(['paid', 'partially_refunded', 'refunded', 'disputed', 'superseded']);

export const refundResponseSchema = z.object({
  success: z.literal(true),
  data: z.object({
    purchaseId: z.string(),
    orderId: z.string(),
    refundId: z.string().nullable(),
    status: purchaseStatusEnum,
    amountRefunded: z.number(),
    refundedAmount: z.number(),
    pointsReversed: z.number().int(),
    alreadyProcessed: z.boolean(),
  }),
});

export const supersededSchema = z.object({
  purchaseId: z.string(),
  conflicts: z.array(z.enum(['amount', 'email'])),
  pointsReversed: z.number().int(),
}).describe('refrocket extension: this authenticated purchase replaced a browser-reported one with the same orderId');

export const purchaseResponseSchema = z.object({
  success: z.literal(true),
  data: z.object({
    purchaseId: z.string(),
    entryId: z.string().nullable(),
    pointsAwarded: z.number().int(),
    alreadyExists: z.boolean(),
    message: z.string(),
    advocateEntryId: z.string().nullable().describe('refrocket extension: the referrer credited for this purchase'),
    advocatePointsAwarded: z.number().int().describe("refrocket extension: the referrer's points for it"),
    superseded: supersededSchema.optional(),
  }),
});
