import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { PurchaseResult } from '../collector/purchase.js';
import { checkWebhookSecret } from '../collector/contests.js';
import { messages, notFound, unauthorized } from '../domain/errors.js';
import * as f from '../http/fields.js';
import * as p from './public-schemas.js';

const tags = ['Inbound webhooks'];
const params = z.object({ contestId: f.contestId });

/** The secret may come as x-webhook-secret, as a Bearer token, or as the body field `secret`. */
export function presentedWebhookSecret(request: FastifyRequest): string | null {
  const header = request.headers['x-webhook-secret'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const body = request.body as { secret?: unknown } | undefined;
  return typeof body?.secret === 'string' ? body.secret : null;
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
    const result = await writes.run('signup', { ...request.body, contestId });
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
      summary: "Record a purchase and award points to the purchaser's entry",
      params,
      body: p.webhookPurchaseBody,
      response: {
        200: purchaseResponseSchema,
        400: f.errorResponse,
        401: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { contestId } = request.params;
    const { secret: _secret, ...purchase } = request.body;
    const result = await writes.run('recordPurchase', {
      input: { ...purchase, contestId, source: 'webhook' },
      crediting: { kind: 'purchaser', requireEntry: false },
    });
    return purchaseResponse(result);
  });
};

export const purchaseResponseSchema = p.purchaseResponseSchema;

export function purchaseResponse(result: PurchaseResult) {
  return {
    success: true as const,
    data: {
      purchaseId: result.purchase.id,
      entryId: result.entryId,
      pointsAwarded: result.pointsAwarded,
      alreadyExists: result.alreadyExists,
      message: result.message,
    },
  };
}
