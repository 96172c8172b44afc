import { describe, expect, it } from 'vitest';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';
import { call, seedV1, type V1Fixture } from './v1-helpers.js';

type Route = {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: (fx: V1Fixture) => string;
  access: 'public' | 'private';
  body?: unknown;
  /** Status a valid call answers with. */
  ok: number;
};

/** Every /api/v1 route. Public routes accept both key kinds; private ones only private keys. */
const routes: Route[] = [
  { method: 'GET', path: () => '/api/v1/contests', access: 'public', ok: 200 },
  { method: 'POST', path: () => '/api/v1/contests', access: 'private', body: { title: 'New one' }, ok: 201 },
  { method: 'GET', path: (fx) => `/api/v1/contests/${fx.contestId}`, access: 'public', ok: 200 },
  { method: 'PUT', path: (fx) => `/api/v1/contests/${fx.contestId}`, access: 'private', body: { title: 'Renamed' }, ok: 200 },
  { method: 'GET', path: (fx) => `/api/v1/contests/${fx.contestId}/entries`, access: 'public', ok: 200 },
  { method: 'POST', path: (fx) => `/api/v1/contests/${fx.contestId}/entries`, access: 'private', body: { email: 'n@example.com' }, ok: 201 },
  { method: 'GET', path: (fx) => `/api/v1/contests/${fx.contestId}/leaderboard`, access: 'public', ok: 200 },
  { method: 'GET', path: (fx) => `/api/v1/contests/${fx.contestId}/analytics`, access: 'public', ok: 200 },
  { method: 'GET', path: (fx) => `/api/v1/contests/${fx.contestId}/analytics/daily?from=2026-01-01&to=2026-01-15`, access: 'public', ok: 200 },
  { method: 'GET', path: (fx) => `/api/v1/entries/${fx.janeId}/hub-link`, access: 'private', ok: 200 },
  { method: 'DELETE', path: (fx) => `/api/v1/entries/${fx.janeId}/hub-link`, access: 'private', ok: 200 },
  { method: 'POST', path: (fx) => `/api/v1/contests/${fx.contestId}/purchases`, access: 'private', body: { email: 'jane@example.com', orderId: 'o1', amount: 5 }, ok: 201 },
  { method: 'GET', path: (fx) => `/api/v1/entries/${fx.janeId}`, access: 'public', ok: 200 },
  { method: 'PUT', path: (fx) => `/api/v1/entries/${fx.janeId}`, access: 'private', body: { name: 'Jane D.' }, ok: 200 },
  { method: 'DELETE', path: (fx) => `/api/v1/entries/${fx.janeId}`, access: 'private', ok: 200 },
  { method: 'POST', path: (fx) => `/api/v1/entries/${fx.janeId}/disqualify`, access: 'private', body: { reason: 'bot' }, ok: 200 },
  { method: 'POST', path: (fx) => `/api/v1/entries/${fx.janeId}/points`, access: 'private', body: { points: 5, reason: 'bonus' }, ok: 200 },
  { method: 'GET', path: (fx) => `/api/v1/entries/${fx.janeId}/bonus-actions`, access: 'public', ok: 200 },
  { method: 'GET', path: (fx) => `/api/v1/entries/lookup/bonus-actions?email=jane@example.com&contestId=${fx.contestId}`, access: 'public', ok: 200 },
  { method: 'POST', path: (fx) => `/api/v1/entries/${fx.janeId}/bonus-actions/${fx.bonusActionId}/complete`, access: 'public', ok: 200 },
];

forEachEngine((engine) => describe('REST API v1: auth matrix (every route × no key, bad key, public key, private key)', () => {
  const t = useTestApp({ engine });

  for (const route of routes) {
    const label = `${route.method} ${route.path({ contestId: ':contestId', janeId: ':entryId', johnId: '', publicKey: '', privateKey: '', bonusActionId: ':bonusActionId', webhookSecret: '' })}`;
    it(label, async () => {
      const fx = await seedV1(t());
      const url = route.path(fx);
      const noKey = await call(t(), route.method, url, undefined, route.body);
      expect(noKey).toEqual({ status: 401, body: { success: false, error: 'Missing or invalid API key' } });
      const badKey = await call(t(), route.method, url, 'rr_sk_not-a-real-key', route.body);
      expect(badKey).toEqual({ status: 401, body: { success: false, error: 'Missing or invalid API key' } });
      const before = await t().counts();
      const publicKey = await call(t(), route.method, url, fx.publicKey, route.body);
      if (route.access === 'public') {
        expect(publicKey.status).toBe(route.ok);
        expect(publicKey.body.success).toBe(true);
      } else {
        expect(publicKey).toEqual({ status: 403, body: { success: false, error: 'This endpoint requires a private API key' } });
        expect(await t().counts()).toEqual(before);
        const privateKey = await call(t(), route.method, url, fx.privateKey, route.body);
        expect(privateKey.status).toBe(route.ok);
        expect(privateKey.body.success).toBe(true);
      }
    });
  }

  it('CORS preflight on /api/v1 answers 204 without a key', async () => {
    await seedV1(t());
    const res = await t().app.inject({
      method: 'OPTIONS',
      url: '/api/v1/contests',
      headers: { origin: 'https://widget.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type, x-api-key, Idempotency-Key');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, PUT, DELETE, OPTIONS');
  });

  it('every /api response carries Access-Control-Allow-Origin: *', async () => {
    const fx = await seedV1(t());
    for (const url of ['/api/v1/contests', `/api/referral/validate-code?code=x&contestId=${fx.contestId}`]) {
      const res = await t().app.inject({ method: 'GET', url, headers: { origin: 'https://a.example', 'x-api-key': fx.publicKey } });
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
  });
}));
