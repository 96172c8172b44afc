import { afterEach, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../server/app.js';
import { DEFAULT_RATE_LIMIT, parseServerConfig } from '../../server/config.js';
import { BROWSER_UA, createTestApp, forEachEngine, type TestApp } from '../helpers/test-app.js';

describe('rate limits (per client IP on /api routes)', () => forEachEngine((engine) => {
  let t: TestApp;
  afterEach(async () => t?.app.close());

  const visit = (ip: string, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/referral/track-visit',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA, ...headers },
      payload: JSON.stringify({ contestId: 'c1', referralCode: 'REF-XYZ789' }),
    });
  const signup = (ip: string, contestId: string, n: number, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/api/referral/track-signup',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ contestId, referralCode: 'REF-XYZ789', email: `u${n}@example.com` }),
    });

  async function seed(options: AppOptions = {}) {
    t = await createTestApp({ engine, ...options });
    for (const id of ['c1', 'c2']) {
      await t.contest({ id });
      await t.entry(id, { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    }
  }

  it('past the general limit: 429 with the documented message and Retry-After', async () => {
    await seed({ rateLimit: 3 });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await visit('198.51.100.1')).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await visit('198.51.100.1');
    expect(limited.json()).toEqual({ success: false, error: 'Rate limit exceeded. Please try again later.' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await visit('198.51.100.2')).statusCode).toBe(200);
    expect((await t.counts()).visits).toBe(4);
  });

  it('track-signup has no 5-per-15-min limit: a keyless backend on one IP gets only the general one', async () => {
    // The hosted docs' Express/Flask examples send every user's signup from one server IP with no
    // key; the anonymous 5 per 15 min per IP + contest used to answer 429 from the 6th on.
    await seed({ rateLimit: 30 });
    const codes = [];
    for (let i = 0; i < 31; i++) codes.push((await signup('198.51.100.7', 'c1', i)).statusCode);
    expect(codes.slice(0, 30)).toEqual(Array(30).fill(200));
    expect((await t.counts()).entries).toBe(2 + 30);
    // The 31st meets the general limit, and its headers describe that limit.
    expect(codes[30]).toBe(429);
    const limited = await signup('198.51.100.7', 'c1', 99);
    expect(limited.json()).toEqual({ success: false, error: 'Rate limit exceeded. Please try again later.' });
    expect(limited.headers['x-ratelimit-limit']).toBe('30');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await t.counts()).entries).toBe(2 + 30);
  });

  it('the default general limit lets a keyless backend through at 20 signups a second sustained', async () => {
    // A fixed one-minute window: 20/s for a minute is 1,200 requests, under the default of 1,500.
    expect(DEFAULT_RATE_LIMIT).toBeGreaterThanOrEqual(20 * 60);
    expect(parseServerConfig({}, {}).rateLimit).toBe(DEFAULT_RATE_LIMIT);
  });

  it('a backend with a valid private key is exempt; a public or bogus key is not', async () => {
    await seed({ rateLimit: 2 });
    const privateKey = await t.apiKey('private');
    for (let i = 0; i < 10; i++) {
      expect((await signup('10.0.0.5', 'c1', i, { 'x-api-key': privateKey })).statusCode).toBe(200);
    }
    const publicKey = await t.apiKey('public');
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await visit('10.0.0.6', { 'x-api-key': publicKey })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
  });

  it('webhook calls with the right secret are exempt; wrong secrets are counted', async () => {
    await seed({ rateLimit: 2 });
    const { webhookSecret } = await t.contest({ id: 'hooked' });
    const hook = (secret: string, n: number) =>
      t.app.inject({
        method: 'POST',
        url: '/api/webhooks/signup/hooked',
        remoteAddress: '10.0.0.9',
        headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
        payload: JSON.stringify({ email: `w${n}@example.com` }),
      });
    for (let i = 0; i < 5; i++) expect((await hook(webhookSecret, i)).statusCode).toBe(200);
    const wrong = [];
    for (let i = 0; i < 3; i++) wrong.push((await hook('whsec_guess', i)).statusCode);
    expect(wrong).toEqual([401, 401, 429]);
  });

  it('a referral-endpoint call carrying the contest webhook secret is exempt (header or body)', async () => {
    await seed({ rateLimit: 100 });
    const { webhookSecret } = await t.contest({ id: 'c3' });
    await t.entry('c3', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    for (let i = 0; i < 8; i++) {
      expect((await signup('10.0.0.7', 'c3', i, { 'x-webhook-secret': webhookSecret })).statusCode).toBe(200);
    }
    const withBodySecret = await t.app.inject({
      method: 'POST',
      url: '/api/referral/track-signup',
      remoteAddress: '10.0.0.7',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ contestId: 'c3', referralCode: 'REF-XYZ789', email: 'body@example.com', secret: webhookSecret }),
    });
    expect(withBodySecret.statusCode).toBe(200);
  });

  it('issue 20: a webhook secret in the BODY of track-signup is recognised before the limiter counts it', async () => {
    await seed({ rateLimit: 2 });
    const { webhookSecret } = await t.contest({ id: 'c3' });
    await t.entry('c3', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
    const withBody = (n: number, secret: string, contentType = 'application/json') =>
      t.app.inject({
        method: 'POST',
        url: '/api/referral/track-signup',
        remoteAddress: '10.0.0.7',
        headers: { 'content-type': contentType },
        payload: JSON.stringify({ contestId: 'c3', referralCode: 'REF-XYZ789', email: `body${n}@example.com`, secret }),
      });
    // Well past the limit of 2, as JSON and as the text/plain a browser would send.
    for (let i = 0; i < 6; i++) expect((await withBody(i, webhookSecret, i % 2 ? 'text/plain' : 'application/json')).statusCode).toBe(200);
    // Stripped by validation: the secret is stored nowhere.
    const stored = JSON.stringify([await t.rows('entries'), await t.rows('entry_signals')]);
    expect(stored).not.toContain(webhookSecret);
    // A wrong body secret, or another contest's, is an anonymous caller and is counted.
    const wrong = [];
    for (let i = 0; i < 3; i++) wrong.push((await withBody(10 + i, 'whsec_guess')).statusCode);
    expect(wrong).toEqual([200, 200, 429]);
    const otherContest = await t.app.inject({
      method: 'POST',
      url: '/api/referral/track-signup',
      remoteAddress: '10.0.0.8',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ contestId: 'c1', referralCode: 'REF-XYZ789', email: 'x@example.com', secret: webhookSecret }),
    });
    expect(otherContest.statusCode).toBe(200);
    expect(otherContest.headers['x-ratelimit-remaining']).toBe('1');
  });

  it('X-Forwarded-For is ignored unless trustProxy is set', async () => {
    await seed({ rateLimit: 1 });
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(200);
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(429);
    await t.app.close();

    await seed({ rateLimit: 1, trustProxy: 1 });
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(200);
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(200);
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
  });

  it('with one trusted hop, a client-forged X-Forwarded-For prefix does not change its IP', async () => {
    await seed({ rateLimit: 1, trustProxy: 1 });
    // The proxy appends the real client address; what the client sent stays in front.
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9' })).statusCode).toBe(200);
    expect((await visit('127.0.0.1', { 'x-forwarded-for': '2.2.2.2, 203.0.113.9' })).statusCode).toBe(429);
  });

  it('rateLimit: false disables every per-IP limit', async () => {
    await seed({ rateLimit: false });
    for (let i = 0; i < 12; i++) expect((await visit('10.1.1.1')).statusCode).toBe(200);
    for (let i = 0; i < 12; i++) expect((await signup('10.1.1.1', 'c1', i)).statusCode).toBe(200);
  });
}));
