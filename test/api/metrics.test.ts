import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { BROWSER_UA, forEachEngine, useTestApp, type TestApp } from '../helpers/test-app.js';
import { freePort, useWorkspace } from '../reliability/harness.js';
import { seedV1 } from './v1-helpers.js';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }>;
}

function parse(text: string): Map<string, Family> {
  return new Map((parsePrometheusTextFormat(text) as Family[]).map((family) => [family.name, family]));
}

async function scrape(t: TestApp, key: string) {
  const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': key } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return Object.assign(parse(res.body), { text: res.body });
}

const sample = (family: Family | undefined, labels: Record<string, string> = {}) =>
  family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));

forEachEngine((engine) => describe('GET /metrics', () => {
  const t = useTestApp({ engine, metrics: true, webhooks: { deliver: false, allowPrivate: true } });

  it('counts requests by route and status, with latency histograms, write batches and the database', async () => {
    const fx = await seedV1(t());
    const before = await scrape(t(), fx.privateKey);
    const visits = sample(before.get('refrocket_http_requests_total'), { route: '/api/referral/track-visit', status: '200' });
    expect(visits).toBeUndefined();
    // A browser's user agent: visits from bots (light-my-request's own agent is one) are answered but not stored.
    for (let i = 0; i < 3; i++) {
      const res = await t().app.inject({ method: 'POST', url: '/api/referral/track-visit', headers: { 'user-agent': BROWSER_UA }, payload: { referralCode: 'REF-XYZ789', contestId: fx.contestId } });
      expect(res.statusCode).toBe(200);
    }
    await t().app.inject({ method: 'GET', url: '/no/such/page' });
    const after = await scrape(t(), fx.privateKey);
    expect(sample(after.get('refrocket_http_requests_total'), { method: 'POST', route: '/api/referral/track-visit', status: '200' })?.value).toBe('3');
    expect(sample(after.get('refrocket_http_requests_total'), { route: 'unmatched', status: '404' })?.value).toBe('1');
    expect(after.get('refrocket_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // The parser folds a labelled histogram's series together, so its count is read from the text.
    expect(after.text).toContain('refrocket_http_request_duration_seconds_count{method="POST",route="/api/referral/track-visit",status="200"} 3\n');
    const batches = after.get('refrocket_write_batch_size')!;
    expect(Number(batches.metrics[0].count)).toBeGreaterThanOrEqual(3);
    expect(Number(after.get('refrocket_write_batch_commit_seconds')!.metrics[0].count)).toBe(Number(batches.metrics[0].count));
    expect(sample(after.get('refrocket_write_queue_depth'))?.value).toBe('0');
    expect(sample(after.get('refrocket_database_up'), { engine })?.value).toBe('1');
    expect(Number(sample(after.get('refrocket_database_size_bytes'))?.value)).toBeGreaterThan(0);
    const pool = after.get('refrocket_database_pool_connections');
    if (engine === 'postgres') expect(Number(sample(pool, { state: 'max' })?.value)).toBeGreaterThan(0);
    else expect(pool?.metrics ?? []).toEqual([]);
    expect(after.has('refrocket_process_resident_memory_bytes')).toBe(true);
  });

  it('reports the outbound-webhook backlog: deliveries pending and how long the most overdue has been due', async () => {
    const fx = await seedV1(t());
    const empty = await scrape(t(), fx.privateKey);
    expect(sample(empty.get('refrocket_webhook_deliveries_pending'))?.value).toBe('0');
    expect(sample(empty.get('refrocket_webhook_delivery_lag_seconds'))?.value).toBe('0');
    // The delivery loop is off in this app, so the deliveries stay pending.
    const endpoint = await t().app.inject({ method: 'POST', url: '/api/v1/webhook-endpoints', headers: { 'x-api-key': fx.privateKey }, payload: { url: 'http://127.0.0.1:9/refrocket' } });
    expect(endpoint.statusCode).toBe(201);
    const signup = await t().app.inject({ method: 'POST', url: '/api/referral/track-signup', headers: { 'user-agent': BROWSER_UA }, payload: { email: 'friend@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789' } });
    expect(signup.statusCode).toBe(200);
    t().advance(90_000);
    const backlog = await scrape(t(), fx.privateKey);
    const pending = Number(sample(backlog.get('refrocket_webhook_deliveries_pending'))?.value);
    expect(pending).toBeGreaterThanOrEqual(2); // entry.created and referral.converted, at least
    expect(sample(backlog.get('refrocket_webhook_delivery_lag_seconds'))?.value).toBe('90');
  });

  it('needs a private key on the main port', async () => {
    const fx = await seedV1(t());
    expect((await t().app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await t().app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': fx.publicKey } })).statusCode).toBe(403);
  });
}));

describe('GET /metrics when off', () => {
  const t = useTestApp();
  it('is not there by default', async () => {
    const fx = await seedV1(t());
    expect((await t().app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': fx.privateKey } })).statusCode).toBe(404);
  });
});

describe('--metrics-port', () => {
  const workspace = useWorkspace('metrics');
  it('serves /metrics without a key on loopback, and the main port still wants one', async () => {
    const metricsPort = await freePort();
    const collector = await workspace.startCollector(workspace.path('m.db'), ['--metrics-port', String(metricsPort)]);
    await fetch(`${collector.base}/healthz`);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const families = parse(await res.text());
    expect(sample(families.get('refrocket_http_requests_total'), { route: '/healthz' })).toBeDefined();
    expect(sample(families.get('refrocket_database_up'), { engine: 'sqlite' })?.value).toBe('1');
    expect((await fetch(`${collector.base}/metrics`)).status).toBe(401);
    expect(await collector.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
