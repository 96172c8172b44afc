import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/test-app.js';

describe('OpenAPI description and /docs', () => {
  const t = useTestApp();

  it('/openapi.json is OpenAPI 3 and documents every API route', async () => {
    const res = await t().app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [
        'GET /healthz',
        'GET /api/referral/validate-code',
        'POST /api/referral/track-visit',
        'POST /api/referral/track-signup',
        'POST /api/referral/track-purchase',
        'POST /api/webhooks/signup/{contestId}',
        'POST /api/webhooks/purchase/{contestId}',
        'GET /api/v1/contests',
        'POST /api/v1/contests',
        'GET /api/v1/contests/{contestId}',
        'PUT /api/v1/contests/{contestId}',
        'GET /api/v1/contests/{contestId}/entries',
        'POST /api/v1/contests/{contestId}/entries',
        'GET /api/v1/contests/{contestId}/leaderboard',
        'GET /api/v1/contests/{contestId}/analytics',
        'GET /api/v1/contests/{contestId}/analytics/daily',
        'GET /api/v1/entries/{entryId}/hub-link',
        'DELETE /api/v1/entries/{entryId}/hub-link',
        'POST /api/v1/contests/{contestId}/purchases',
        'GET /api/v1/entries/{entryId}',
        'PUT /api/v1/entries/{entryId}',
        'DELETE /api/v1/entries/{entryId}',
        'POST /api/v1/entries/{entryId}/disqualify',
        'POST /api/v1/entries/{entryId}/points',
        'GET /api/v1/entries/lookup/bonus-actions',
        'GET /api/v1/entries/{entryId}/bonus-actions',
        'GET /api/v1/entries/{entryId}/attribution',
        'GET /api/v1/purchases/{purchaseId}/attribution',
        'POST /api/v1/entries/{entryId}/bonus-actions/{bonusActionId}/complete',
        'GET /api/v1/contests/{contestId}/flags',
        'POST /api/v1/flags/{flagId}/approve',
        'POST /api/v1/flags/{flagId}/reject',
        'GET /api/v1/entries/{entryId}/ledger',
        'POST /api/v1/erasure',
        // issue 16: refunds, Stripe, outbound webhooks
        'POST /api/webhooks/refund/{contestId}',
        'POST /api/integrations/stripe/{contestId}',
        'GET /api/v1/purchases/{purchaseId}',
        'POST /api/v1/purchases/{purchaseId}/refund',
        'POST /api/v1/webhook-endpoints',
        'GET /api/v1/webhook-endpoints',
        'GET /api/v1/webhook-endpoints/{endpointId}',
        'PUT /api/v1/webhook-endpoints/{endpointId}',
        'DELETE /api/v1/webhook-endpoints/{endpointId}',
        'GET /api/v1/webhook-endpoints/{endpointId}/deliveries',
        'POST /api/v1/webhook-endpoints/{endpointId}/deliveries/{deliveryId}/retry',
      ].sort(),
    );
  });

  it('schemas come from the zod definitions: fields, limits and security', async () => {
    const doc = (await t().app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const purchase = doc.paths['/api/referral/track-purchase'].post;
    const body = purchase.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['email', 'contestId', 'orderId', 'amount']));
    expect(body.properties.orderId.maxLength).toBe(128);
    expect(purchase.responses['200']).toBeDefined();
    expect(doc.paths['/api/v1/contests'].get.security).toEqual([{ apiKey: [] }, { apiKeyQuery: [] }]);
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it('every write documents the optional Idempotency-Key header, and no read does', async () => {
    const doc = (await t().app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const ref = { $ref: '#/components/parameters/IdempotencyKey' };
    const operations = Object.values(doc.paths as Record<string, Record<string, { parameters?: unknown[] }>>).flatMap((ops) => Object.entries(ops));
    const writes = operations.filter(([method]) => method !== 'get');
    expect(writes.length).toBeGreaterThan(20);
    for (const [, operation] of writes) expect(operation.parameters).toContainEqual(ref);
    for (const [, operation] of operations.filter(([method]) => method === 'get')) expect(operation.parameters ?? []).not.toContainEqual(ref);
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ in: 'header', name: 'Idempotency-Key', required: false, schema: { maxLength: 255 } });
  });

  it('/docs serves the Swagger UI page', async () => {
    const res = await t().app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('swagger');
  });
});
