import { describe, expect, it } from 'vitest';
import { captureLogs } from '../helpers/capture-logs.js';
import { buildApp, type AppOptions } from '../../server/app.js';
import { createApiKey } from '../../server/collector/api-keys.js';
import { createContest } from '../../server/collector/contests.js';
import { loggerOptions, redactUrl } from '../../server/logging.js';
import { forEachEngine, openTestStore, type Engine } from '../helpers/test-app.js';


/** An app as buildApp makes it, on a fresh store of the engine (closed with the app). */
async function appOn(engine: Engine, options: AppOptions = {}) {
  return buildApp({ ...options, store: await openTestStore(engine), closeStore: true });
}

describe('one error handler, structured logs, no secrets in logs', () => forEachEngine((engine) => {
  it('an unexpected error answers 500 {success:false, error, requestId} without internals, and is logged with the id', async () => {
    const { lines, stream } = captureLogs();
    const app = await appOn(engine, { logger: loggerOptions('info', stream) });
    app.get('/api/test-boom', async () => {
      throw new Error('db password is hunter2 at /srv/secret/path.ts:12');
    });
    const res = await app.inject({ method: 'GET', url: '/api/test-boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toEqual({ success: false, error: 'Internal server error', requestId: expect.any(String) });
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('.ts');
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.err);
    expect(logged).toMatchObject({ level: 50, reqId: body.requestId, err: { message: expect.stringContaining('hunter2') } });
    await app.close();
  });

  it('unknown routes answer a JSON 404, never an HTML page', async () => {
    const app = await appOn(engine);
    const res = await app.inject({ method: 'GET', url: '/api/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ success: false, error: 'Route GET /api/nope not found' });
    await app.close();
  });

  it('a body over the limit → 413 JSON error', async () => {
    const app = await appOn(engine, { bodyLimit: 1024 });
    const res = await app.inject({
      method: 'POST',
      url: '/api/referral/track-visit',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ contestId: 'c', referralCode: 'R', url: 'x'.repeat(2000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ success: false, error: 'body is too large' });
    await app.close();
  });

  it('API keys, webhook secrets, cookies and client IPs never reach the log', async () => {
    const { lines, stream } = captureLogs();
    const store = await openTestStore(engine);
    const app = buildApp({ logger: loggerOptions('info', stream), store, closeStore: true });
    await app.ready();
    const now = app.collector.now;
    const { key } = await store.transaction((tx) => createApiKey({ store: tx, now }, 'private'));
    const { webhookSecret } = await store.transaction((tx) => createContest({ store: tx, now }, { id: 'c1', title: 'T' }));
    await app.inject({ method: 'GET', url: '/api/v1/contests', headers: { 'x-api-key': key }, remoteAddress: '203.0.113.77' });
    await app.inject({ method: 'GET', url: `/api/v1/contests?apiKey=${key}`, remoteAddress: '203.0.113.77' });
    await app.inject({
      method: 'POST',
      url: `/api/webhooks/signup/c1?secret=${webhookSecret}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookSecret}`, cookie: 'rocket_ref=REF-SECRET' },
      payload: JSON.stringify({ email: 'a@example.com', secret: webhookSecret }),
      remoteAddress: '203.0.113.77',
    });
    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const secret of [key, webhookSecret, 'REF-SECRET', '203.0.113.77']) expect(log).not.toContain(secret);
    for (const line of lines.map((l) => JSON.parse(l))) expect(line.reqId).toEqual(expect.any(String));
    expect(log).toContain('apiKey=[redacted]');
    await app.close();
  });

  it('redactUrl hides secret and email query values only, however the name is encoded', () => {
    expect(redactUrl('/api/v1/contests?page=2&apiKey=rr_sk_abc&limit=5')).toBe('/api/v1/contests?page=2&apiKey=[redacted]&limit=5');
    expect(redactUrl('/x?secret=whsec_1#frag')).toBe('/x?secret=[redacted]#frag');
    expect(redactUrl('/x?%61piKey=rr_sk_abc&APIKEY=rr_sk_def')).toBe('/x?%61piKey=[redacted]&APIKEY=[redacted]');
    expect(redactUrl('/api/v1/entries/lookup/bonus-actions?email=jane%40example.com&contestId=c1'))
      .toBe('/api/v1/entries/lookup/bonus-actions?email=[redacted]&contestId=c1');
    expect(redactUrl('/api/referral/validate-code?code=REF-1')).toBe('/api/referral/validate-code?code=REF-1');
    expect(redactUrl('/healthz')).toBe('/healthz');
  });
}));
