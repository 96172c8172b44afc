import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireWebhookEndpoint } from '../../collector/webhook-endpoints.js';
import { ApiError, badRequest } from '../../domain/errors.js';
import { toMajorUnits } from '../../domain/money.js';
import { toIso, toIsoOrNull } from '../../http/views.js';
import { checkWebhookUrl, ForbiddenUrlError } from '../../outbound/ssrf.js';
import type { WebhookDelivery, WebhookEndpoint } from '../../store/repositories.js';
import { refundResponseSchema } from '../public-schemas.js';
import { refundResponse } from '../webhooks.js';
import * as s from './schemas.js';

const endpointParams = z.object({ endpointId: z.string().min(1).max(64) });
const endpointView = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  description: e.description,
  events: e.events,
  status: e.disabled ? 'disabled' as const : 'enabled' as const,
  disabledReason: e.disabledReason,
  failingSince: toIsoOrNull(e.failingSince),
  createdAt: toIso(e.createdAt),
});

const deliveryView = (d: WebhookDelivery) => ({
  id: d.id,
  eventId: d.eventId,
  eventType: d.eventType,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.status === 'pending' ? toIsoOrNull(d.nextAttemptAt) : null,
  lastResponseStatus: d.lastResponseStatus,
  createdAt: toIso(d.createdAt),
  attemptLog: d.attemptLog.map((a) => ({
    attemptedAt: toIso(a.attemptedAt),
    durationMs: a.durationMs,
    responseStatus: a.responseStatus,
    error: a.error,
    nextAttemptAt: toIsoOrNull(a.nextAttemptAt),
  })),
});

/**
 * Outbound webhooks (private key): endpoints, their deliveries, manual re-sends; and refunds and
 * reads of purchases by id. URLs are checked against SSRF here (after DNS) and again at delivery.
 */
export const webhookEndpointRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;
  const tags = ['Outbound webhooks'];
  const config = { access: 'private' as const };

  async function safeUrl(url: string) {
    try {
      return (await checkWebhookUrl(url, app.webhookDelivery.allowPrivate)).toString();
    } catch (error) {
      if (error instanceof ForbiddenUrlError) throw badRequest(error.message);
      throw error;
    }
  }

  app.post('/webhook-endpoints', {
    config,
    schema: {
      tags,
      summary: 'Register an endpoint; the signing secret is shown only here',
      security: s.security,
      body: s.createWebhookEndpointBody,
      response: { 201: s.ok(s.createdWebhookEndpointSchema), ...s.errors },
    },
  }, async (request, reply) => {
    const url = await safeUrl(request.body.url);
    const { endpoint, secret } = await writes.run('createWebhookEndpoint', { ...request.body, url });
    return reply.code(201).send({ success: true as const, data: { ...endpointView(endpoint), secret } });
  });

  app.get('/webhook-endpoints', {
    config,
    schema: { tags, summary: 'List endpoints', security: s.security, response: { 200: s.ok(z.array(s.webhookEndpointSchema)), ...s.errors } },
  }, async () => ({ success: true as const, data: (await collector.store.webhooks.listEndpoints()).map(endpointView) }));

  app.get('/webhook-endpoints/:endpointId', {
    config,
    schema: { tags, summary: 'Get an endpoint', security: s.security, params: endpointParams, response: { 200: s.ok(s.webhookEndpointSchema), ...s.errors } },
  }, async (request) => ({ success: true as const, data: endpointView(await requireWebhookEndpoint(collector, request.params.endpointId)) }));

  app.put('/webhook-endpoints/:endpointId', {
    config,
    schema: {
      tags,
      summary: 'Change events, URL or description, or disable / enable an endpoint',
      security: s.security,
      params: endpointParams,
      body: s.updateWebhookEndpointBody,
      response: { 200: s.ok(s.webhookEndpointSchema), ...s.errors },
    },
  }, async (request) => {
    const patch = { ...request.body, url: request.body.url === undefined ? undefined : await safeUrl(request.body.url) };
    const endpoint = await writes.run('updateWebhookEndpoint', { id: request.params.endpointId, patch });
    return { success: true as const, data: endpointView(endpoint) };
  });

  app.delete('/webhook-endpoints/:endpointId', {
    config,
    schema: { tags, summary: 'Delete an endpoint (its pending deliveries are cancelled)', security: s.security, params: endpointParams, response: { 200: s.ok(s.webhookEndpointDeletedSchema), ...s.errors } },
  }, async (request) => {
    await writes.run('deleteWebhookEndpoint', { id: request.params.endpointId });
    return { success: true as const, data: { deleted: true as const } };
  });

  app.get('/webhook-endpoints/:endpointId/deliveries', {
    config,
    schema: {
      tags,
      summary: 'Recent deliveries with every attempt (status, duration, response code, next attempt)',
      security: s.security,
      params: endpointParams,
      querystring: s.webhookDeliveriesQuery,
      response: { 200: s.ok(z.array(s.webhookDeliverySchema)), ...s.errors },
    },
  }, async (request) => {
    await requireWebhookEndpoint(collector, request.params.endpointId);
    const deliveries = await collector.store.webhooks.listDeliveries(request.params.endpointId, request.query.limit);
    return { success: true as const, data: deliveries.map(deliveryView) };
  });

  app.post('/webhook-endpoints/:endpointId/deliveries/:deliveryId/retry', {
    config,
    schema: {
      tags,
      summary: 'Send a delivery again now (same webhook-id)',
      security: s.security,
      params: endpointParams.extend({ deliveryId: z.string().min(1).max(200) }),
      response: { 202: s.ok(s.webhookDeliveryQueuedSchema), ...s.errors },
    },
  }, async (request, reply) => {
    await writes.run('retryWebhookDelivery', { endpointId: request.params.endpointId, deliveryId: request.params.deliveryId });
    return reply.code(202).send({ success: true as const, data: { queued: true as const } });
  });

  app.get('/purchases/:purchaseId', {
    config,
    schema: {
      tags: ['Purchases'],
      summary: 'A purchase with its refund state',
      security: s.security,
      params: z.object({ purchaseId: z.string().min(1).max(64) }),
      response: { 200: s.ok(s.purchaseDetailSchema), ...s.errors },
    },
  }, async (request) => {
    const p = await collector.store.purchases.get(request.params.purchaseId);
    if (!p) throw new ApiError(404, 'Purchase not found');
    return {
      success: true as const,
      data: {
        id: p.id, contestId: p.contestId, orderId: p.orderId, amount: toMajorUnits(p.amountMinor, p.currency), currency: p.currency,
        source: p.source, purchaserEntryId: p.purchaserEntryId, advocateEntryId: p.creditedEntryId,
        pointsAwarded: p.pointsAwarded, purchaserPoints: p.purchaserPoints, pointsReversed: p.pointsReversed + p.purchaserPointsReversed,
        refundedAmount: toMajorUnits(p.refundedMinor, p.currency), status: p.status, supersededBy: p.supersededBy, createdAt: toIso(p.createdAt),
      },
    };
  });

  app.post('/purchases/:purchaseId/refund', {
    config,
    schema: {
      tags: ['Purchases'],
      summary: 'Refund a purchase: reverses its points in proportion (idempotent on refundId)',
      security: s.security,
      params: z.object({ purchaseId: z.string().min(1).max(64) }),
      body: s.purchaseRefundBody,
      response: { 200: refundResponseSchema, ...s.errors },
    },
  }, async (request) => {
    const { amount, refundId, reason } = request.body;
    const result = await writes.run('refundPurchase', {
      by: { purchaseId: request.params.purchaseId },
      amount: amount ?? null,
      refund: { kind: 'refund', refundKey: refundId ?? null, reason: reason ?? null },
    });
    return refundResponse(result);
  });
};
