import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PurchaseResult } from '../collector/purchase.js';
import type { RefundResult } from '../collector/refunds.js';
import { toMajorUnits } from '../domain/money.js';
import { checkWebhookSecret } from '../collector/contests.js';
import { messages, notFound, unauthorized } from '../domain/errors.js';
import * as f from '../http/fields.js';
import * as p from './public-schemas.js';

const tags = ['Inbound webhooks'];
const params = z.object({ contestId: f.contestId });

/**
 * The secret may come as x-webhook-secret, as a Bearer token, as the body field `secret`, or as
 * the `?secret=` query parameter (for platforms that cannot set headers; redacted in logs).
 */
export function presentedWebhookSecret(request: FastifyRequest): string | null {
  const header = request.headers['x-webhook-secret'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const body = request.body as { secret?: unknown } | undefined;
  if (typeof body?.secret === 'string') return body.secret;
  const query = request.query as { secret?: unknown } | undefined;
  return typeof query?.secret === 'string' ? query.secret : null;
}

/**
 * Inbound webhooks from stores and backends, authenticated by the contest's webhook secret
 * (compared in constant time against its stored hash) before the body is even validated.
 */
export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;

  async function verifyWebhookSecret(request: FastifyRequest) {
    const { contestId } = request.params as { contestId?: string };
    const check = contestId ? await checkWebhookSecret(collector, contestId, presentedWebhookSecret(request)) : 'unknown_contest';
    if (check === 'unknown_contest') throw notFound(messages.contestNotFound);
    if (check === 'wrong_secret') throw unauthorized(messages.invalidWebhookSecret);
  }
  // Appended as the route's last preValidation hook, so the per-IP rate limit (an earlier
  // preValidation hook) counts failed guesses before they are refused.
  app.addHook('onRoute', (route) => {
    const hooks = route.preValidation;
    route.preValidation = [...(Array.isArray(hooks) ? hooks : hooks ? [hooks] : []), verifyWebhookSecret];
  });

  app.post('/signup/:contestId', {
    schema: {
      tags,
      summary: 'Create an entry from an external signup',
      params,
      body: p.webhookSignupBody,
      response: {
        200: p.webhookSignupResponse,
        400: f.errorResponse,
        401: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { contestId } = request.params;
    const result = await writes.run('signup', { ...request.body, contestId, codeSource: 'webhook' });
    return {
      success: true as const,
      data: {
        entryId: result.entry.id,
        email: result.entry.email,
        alreadyExists: result.alreadyExists,
        isReferred: result.isReferred,
        pointsAwarded: result.pointsAwarded,
      },
    };
  });

  app.post('/purchase/:contestId', {
    schema: {
      tags,
      summary: "Record a purchase: points to the purchaser's entry, and to the referrer who referred it",
      params,
      body: p.webhookPurchaseBody,
      response: {
        200: p.purchaseResponseSchema,
        400: f.errorResponse,
        401: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { contestId } = request.params;
    const { secret: _secret, referralCode, ...purchase } = request.body;
    const result = await writes.run('recordPurchase', {
      input: { ...purchase, contestId, source: 'webhook' },
      crediting: { referralCode, awardPurchaser: true, requireEntry: false },
    });
    logSupersede(request, result);
    return purchaseResponse(result);
  });

  app.post('/refund/:contestId', {
    schema: {
      tags,
      summary: 'Refund a purchase (by orderId): reverses its points in proportion',
      params,
      body: p.webhookRefundBody,
      response: { 200: p.refundResponseSchema, 400: f.errorResponse, 401: f.errorResponse, 404: f.errorResponse },
    },
  }, async (request) => {
    const { orderId, amount, refundId, reason } = request.body;
    const result = await writes.run('refundPurchase', {
      by: { contestId: request.params.contestId, orderId },
      amount: amount ?? null,
      refund: { kind: 'refund', refundKey: refundId ?? null, reason: reason ?? null },
    });
    return refundResponse(result);
  });
};

/** An authenticated purchase replaced a browser-reported one: logged when they disagreed (no emails). */
export function logSupersede(request: FastifyRequest, result: PurchaseResult) {
  if (result.superseded?.conflicts.length) {
    request.log.warn(
      { purchaseId: result.purchase.id, supersededPurchaseId: result.superseded.purchaseId, conflicts: result.superseded.conflicts },
      'an authenticated purchase superseded a browser-reported one that disagreed',
    );
  }
}

export function refundResponse(result: RefundResult) {
  const { purchase, refund } = result;
  return {
    success: true as const,
    data: {
      purchaseId: purchase.id,
      orderId: purchase.orderId,
      refundId: refund?.id ?? null,
      status: purchase.status,
      amountRefunded: result.alreadyProcessed || !refund ? 0 : toMajorUnits(refund.amountMinor, purchase.currency),
      refundedAmount: toMajorUnits(purchase.refundedMinor, purchase.currency),
      pointsReversed: result.alreadyProcessed || !refund ? 0 : refund.pointsReversed,
      alreadyProcessed: result.alreadyProcessed,
    },
  };
}

export function purchaseResponse(result: PurchaseResult) {
  return {
    success: true as const,
    data: {
      purchaseId: result.purchase.id,
      entryId: result.entryId,
      pointsAwarded: result.pointsAwarded,
      alreadyExists: result.alreadyExists,
      message: result.message,
      advocateEntryId: result.advocateEntryId,
      advocatePointsAwarded: result.advocatePointsAwarded,
      ...(result.superseded ? { superseded: result.superseded } : {}),
    },
  };
}
