import { describe, expect, it } from 'vitest';
import { forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';

/** Bad input → 400 with a message naming the field, and nothing stored or changed. */
forEachEngine((engine) => describe('bad input on the referral endpoints', () => {
  const t = useTestApp({ engine });
  const valid = {
    'track-visit': { referralCode: 'REF-XYZ789', contestId: 'clx1abc123', url: 'https://s.example/' },
    'track-signup': { email: 'friend@example.com', contestId: 'clx1abc123', referralCode: 'REF-XYZ789' },
    'track-purchase': { email: 'b@example.com', contestId: 'clx1abc123', orderId: 'o-1', amount: 99.99, currency: 'USD' },
  } as const;
  type Path = keyof typeof valid;

  async function seed() {
    await t().contest({ id: 'clx1abc123' });
    await t().entry('clx1abc123', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
  }

  const cases: Array<[Path, string, unknown, string]> = [
    ['track-visit', 'missing referralCode', { contestId: 'clx1abc123' }, 'referralCode is required'],
    ['track-visit', 'empty contestId', { referralCode: 'REF-XYZ789', contestId: '' }, 'contestId must not be empty'],
    ['track-visit', 'number as referralCode', { referralCode: 123, contestId: 'clx1abc123' }, 'referralCode must be a string'],
    ['track-visit', 'huge url', { ...valid['track-visit'], url: 'https://x/'.padEnd(5000, 'a') }, 'url must be at most 2048 characters'],
    ['track-signup', 'missing email', { contestId: 'clx1abc123', referralCode: 'REF-XYZ789' }, 'email is required'],
    ['track-signup', 'malformed email', { ...valid['track-signup'], email: 'not-an-email' }, 'email must be a valid email address'],
    ['track-signup', 'email as array', { ...valid['track-signup'], email: ['a@b.co'] }, 'email must be a string'],
    ['track-signup', 'missing referralCode', { email: 'f@example.com', contestId: 'clx1abc123' }, 'referralCode is required'],
    ['track-signup', 'name as object', { ...valid['track-signup'], name: { first: 'x' } }, 'name must be a string'],
    ['track-signup', 'huge name', { ...valid['track-signup'], name: 'n'.repeat(10_000) }, 'name must be at most 200 characters'],
    ['track-purchase', 'missing orderId', { ...valid['track-purchase'], orderId: undefined }, 'orderId is required'],
    ['track-purchase', 'negative amount', { ...valid['track-purchase'], amount: -5 }, 'amount must be greater than 0'],
    ['track-purchase', 'zero amount', { ...valid['track-purchase'], amount: 0 }, 'amount must be greater than 0'],
    ['track-purchase', 'NaN amount (null in JSON)', { ...valid['track-purchase'], amount: null }, 'amount must be a number'],
    ['track-purchase', 'amount as string', { ...valid['track-purchase'], amount: '99.99' }, 'amount must be a number'],
    ['track-purchase', 'unknown currency', { ...valid['track-purchase'], currency: 'XYZ' }, 'currency must be an ISO 4217 currency code such as USD'],
    ['track-purchase', 'huge orderId', { ...valid['track-purchase'], orderId: 'o'.repeat(1000) }, 'orderId must be at most 128 characters'],
    ['track-purchase', 'absurd amount', { ...valid['track-purchase'], amount: 1e15 }, 'amount must be at most 1000000000'],
    ['track-signup', 'body is an array', [valid['track-signup']], 'body must be a JSON object'],
  ];

  for (const [path, label, body, message] of cases) {
    it(`${path}: ${label} → 400 "${message}"`, async () => {
      await seed();
      const before = await t().counts();
      const res = await postJson(t().app, `/api/referral/${path}`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: message });
      expect(await t().counts()).toEqual(before);
    });
  }

  it('Infinity (1e999 in JSON) → 400 amount must be a finite number', async () => {
    await seed();
    const res = await postJson(
      t().app,
      '/api/referral/track-purchase',
      '{"email":"b@example.com","contestId":"clx1abc123","orderId":"o","amount":1e999}',
    );
    expect(res).toMatchObject({ status: 400, body: { success: false, error: 'amount must be a finite number' } });
  });

  for (const contentType of ['application/json', 'text/plain']) {
    it(`malformed JSON as ${contentType} → 400 and nothing stored`, async () => {
      await seed();
      const before = await t().counts();
      const res = await t().app.inject({
        method: 'POST',
        url: '/api/referral/track-signup',
        headers: { 'content-type': contentType },
        payload: '{"email": "a@b.co", ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ success: false, error: 'body must be valid JSON' });
      expect(await t().counts()).toEqual(before);
    });
  }

  it('JSON sent as text/plain (what the browser script sends) is accepted', async () => {
    await seed();
    const res = await t().app.inject({
      method: 'POST',
      url: '/api/referral/track-signup',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      payload: JSON.stringify(valid['track-signup']),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.isReferred).toBe(true);
  });

  it('an unsupported content type → 415 JSON error', async () => {
    await seed();
    const res = await t().app.inject({
      method: 'POST',
      url: '/api/referral/track-signup',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toEqual({ success: false, error: 'Content-Type must be application/json or text/plain' });
  });

  it('a bad signup leaves earlier data untouched', async () => {
    await seed();
    await postJson(t().app, '/api/referral/track-signup', valid['track-signup']);
    const snapshot = await t().rows('entries');
    await postJson(t().app, '/api/referral/track-signup', { ...valid['track-signup'], name: 7 });
    expect(await t().rows('entries')).toEqual(snapshot);
  });

  it('unknown fields are ignored, not stored and not rejected', async () => {
    await seed();
    const res = await postJson(t().app, '/api/referral/track-signup', { ...valid['track-signup'], isAdmin: true, points: 1e6 });
    expect(res.status).toBe(200);
    expect((await t().store.entries.get(res.body.data.entryId))!.points).toBe(5);
  });
}));
