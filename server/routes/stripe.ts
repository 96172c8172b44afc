import Stripe from 'stripe';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, badRequest, messages, notFound } from '../domain/errors.js';
import * as f from '../http/fields.js';

const params = z.object({ contestId: f.contestId });

interface VerifiedStripeEvent {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
}

/**
 * The Stripe event a request carries, once its Stripe-Signature is verified over the raw body
 * against the contest's signing secret: 404 for an unknown contest, 400 for anything else wrong.
 */
export async function verifyStripeRequest(app: FastifyInstance, request: FastifyRequest): Promise<VerifiedStripeEvent> {
  const { contestId } = request.params as { contestId: string };
  const secret = await app.collector.store.contests.stripeWebhookSecret(contestId);
  if (secret === undefined) throw notFound(messages.contestNotFound);
  if (secret === null) throw badRequest('Stripe is not connected for this contest (set stripeWebhookSecret)');
  const header = request.headers['stripe-signature'];
  if (typeof header !== 'string' || !Buffer.isBuffer(request.body)) throw badRequest('Missing Stripe-Signature header or body');
  try {
    return Stripe.webhooks.constructEvent(request.body, header, secret) as unknown as VerifiedStripeEvent;
  } catch (error) {
    throw new ApiError(400, `Invalid Stripe signature: ${(error as Error).message.split('\n')[0].slice(0, 120)}`);
  }
}

/** A request to the Stripe route that Stripe signed: exempt from per-IP limits, like a trusted backend. */
export async function isSignedByStripe(app: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  if (!request.routeOptions.url?.startsWith('/api/integrations/stripe/')) return false;
  return verifyStripeRequest(app, request).then(() => true, () => false);
}

/**
 * POST /api/integrations/stripe/:contestId — Stripe's webhook. The signature covers the exact
 * bytes Stripe sent, so this plugin (and only it) reads JSON bodies as raw buffers; the event is
 * parsed by the stripe package after verification (default tolerance 300 s).
 */
export const stripeRoutes: FastifyPluginAsyncZod = async (app) => {
  const { writes } = app;
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/stripe/:contestId', {
    schema: {
      tags: ['Integrations'],
      summary: 'Stripe webhook: checkout.session.completed, invoice.paid, charge.refunded, charge.dispute.created',
      params,
      response: {
        200: z.object({ received: z.literal(true), outcome: z.string(), purchaseId: z.string().nullable() }),
        400: f.errorResponse,
        404: f.errorResponse,
      },
    },
  }, async (request) => {
    const { contestId } = request.params;
    const event = await verifyStripeRequest(app, request);
    const result = await writes.run('stripeEvent', { contestId, eventId: event.id, type: event.type, object: event.data.object });
    request.log.info({ stripeEvent: event.id, type: event.type, outcome: result.outcome }, 'stripe event');
    return { received: true as const, outcome: result.outcome, purchaseId: result.purchaseId };
  });
};
