/**
 * End-to-end harness: the real collector (in-memory SQLite store, listening on 127.0.0.1), a tiny
 * "marketing site" server answering for any `*.shop.test` host (Chromium maps them to 127.0.0.1),
 * and Debian's Chromium driven by playwright-core, one browser per test file and one fresh
 * context per test.
 *
 * Every request a page makes is recorded; when a test fails, the whole log (requests with their
 * bodies and answers, page errors, console errors, what the collector received) is printed.
 * After every test the harness asserts the page threw nothing (`pageerror`).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page, type Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect } from 'vitest';
import type { Row } from '../../server/store/repositories.js';
import { BROWSER_UA, createTestApp, type TestApp } from '../helpers/test-app.js';

export const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} not found and CI is not set (install it: apt-get install -y chromium)`;

/** A describe() that runs in real Chromium; skipped with a reason only outside CI. */
export function describeBrowser(name: string, body: () => void) {
  const skip = !available && !process.env.CI;
  if (skip) console.warn(`[e2e] skipping "${name}": ${SKIP_REASON}`);
  describe.skipIf(skip)(skip ? `${name} (skipped: ${SKIP_REASON})` : name, body);
}

export const ADVOCATE = { email: 'jane@example.com', name: 'Jane Doe', referralCode: 'REF-XYZ789' };
export const SECOND_ADVOCATE = { email: 'max@example.com', name: 'Max Roe', referralCode: 'REF-ABC234' };

export interface Recorded {
  method: string;
  url: string;
  /** Path of a collector request, e.g. /api/referral/track-visit; '' for other hosts. */
  api: string;
  body: unknown;
  contentType: string | undefined;
  /** fetch, ping (sendBeacon), document, script, … */
  type: string;
  /** The page URL the request came from. */
  from: string;
  status?: number;
  answer?: string;
  failure?: string;
  done: boolean;
}

export interface PageOptions {
  /** Extra attributes on the tracker's script tag, e.g. `data-attribution="first"`. */
  attrs?: string;
  /** Extra query on the script src, e.g. `&autoInject=stripe`. */
  query?: string;
  /** HTML placed in <head> before the tracker tag. */
  head?: string;
  body?: string;
  /** Omit the tracker tag (the page adds it itself). */
  noTag?: boolean;
}

export interface E2E {
  t: TestApp;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** http://127.0.0.1:PORT */
  collector: string;
  /** The site's port; pages live at http://<anything>.shop.test:PORT/… */
  sitePort: number;
  contestId: string;
  advocateId: string;
  secondAdvocateId: string;
  log: Recorded[];
  /** What the collector's HTTP server received ("METHOD /path"), preflights included. */
  serverLog: string[];
  pageErrors: string[];
  consoleErrors: string[];
  /** `http://www.shop.test:PORT` + path. */
  url(path: string, host?: string): string;
  /** Serves `html` at `path` (any host). */
  serve(path: string, html: string): void;
  /** A page with the tracker tag for this test's contest. */
  html(options?: PageOptions): string;
  /** The tracker's <script> tag. */
  tag(attrs?: string, query?: string): string;
  /** Collector requests (to /api/), optionally only those to one endpoint. */
  calls(endpoint?: string): Recorded[];
  /** Waits for the tracker to load in `page`, then for every request it has started to finish. */
  settle(page?: Page): Promise<void>;
  /** Opens `url(path, host)` in the test's page and settles it. */
  open(path: string, host?: string): Promise<void>;
  /** Waits until `count` collector requests to `endpoint` were seen and finished. */
  waitForCalls(endpoint: string, count: number): Promise<Recorded[]>;
  newPage(): Promise<Page>;
  cdp(page?: Page): Promise<CDPSession>;
  /** Stored visits, oldest first. */
  visits(): Promise<Array<{ entry_id: string; url: string | null; referrer: string | null }>>;
  /** The stored entry with this email. */
  entry(email: string): Promise<{ id: string; referred_by: string | null; points: number; name: string | null } | undefined>;
  /** Stored purchases, oldest first. */
  purchases(): Promise<Array<{ order_id: string; credited_entry_id: string | null; amount_minor: number; currency: string }>>;
}

/** Debian Chromium's flags on these machines (see FACTS.md), with hostnames mapped to loopback. */
export const launchArgs = (hostRules = 'MAP *.shop.test 127.0.0.1') => [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  `--host-resolver-rules=${hostRules}`,
];
const LAUNCH_ARGS = launchArgs();

function frameUrl(request: Request): string {
  try {
    return request.frame().url();
  } catch {
    return '?';
  }
}

function describeLog(env: E2E): string {
  const lines = env.log.map((r) => {
    const answer = (r.answer ?? '').length > 300 ? `${r.answer!.slice(0, 300)}…` : (r.answer ?? '');
    const outcome = r.failure ? `FAILED ${r.failure}` : r.done ? `${r.status} ${answer}` : 'pending';
    const body = r.body === undefined ? '' : ` body=${JSON.stringify(r.body)}`;
    return `  ${r.method} ${r.url} [${r.type}, ${r.contentType ?? 'no content-type'}] from ${r.from}${body}\n    → ${outcome}`;
  });
  return [
    `Requests seen by the browser (${env.log.length}):`,
    ...lines,
    `Collector received: ${env.serverLog.join(', ') || 'nothing'}`,
    `Page errors: ${env.pageErrors.join(' | ') || 'none'}`,
    `Console errors: ${env.consoleErrors.join(' | ') || 'none'}`,
  ].join('\n');
}

/** Sets up the per-file browser and site, and a fresh collector, context and page per test. */
export function useE2E(): E2E {
  const env = { log: [], serverLog: [], pageErrors: [], consoleErrors: [] } as unknown as E2E;
  const pages = new Map<string, string>();
  let site: Server;

  beforeAll(async () => {
    env.browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    site = createServer((req, res) => {
      const html = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ?? 'not found');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    env.sitePort = (site.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await env.browser?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  beforeEach(async (ctx) => {
    pages.clear();
    env.log.length = env.serverLog.length = env.pageErrors.length = env.consoleErrors.length = 0;
    env.t = await createTestApp();
    env.t.app.server.on('request', (req) => env.serverLog.push(`${req.method} ${req.url}`));
    await env.t.app.listen({ port: 0, host: '127.0.0.1' });
    env.collector = `http://127.0.0.1:${(env.t.app.server.address() as AddressInfo).port}`;
    // A scripted browser signs up within milliseconds of its visit, which the too_fast check would
    // hold for review: the scenarios here are the script's; the checks have test/collector/fraud.test.ts.
    env.contestId = (await env.t.contest({ settings: { fraud: { checks: { tooFast: { enabled: false } } } } })).id;
    env.advocateId = (await env.t.entry(env.contestId, ADVOCATE)).id;
    env.secondAdvocateId = (await env.t.entry(env.contestId, SECOND_ADVOCATE)).id;

    // Headless Chromium says "HeadlessChrome", a bot to the isbot list (bots' visits are not stored).
    env.context = await env.browser.newContext({ userAgent: BROWSER_UA });
    env.context.setDefaultTimeout(5000);
    env.context.on('request', (request: Request) => {
      const url = request.url();
      if (url.startsWith('data:')) return;
      let body: unknown;
      const raw = request.postData();
      if (raw !== null) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = raw;
        }
      }
      const record: Recorded = {
        method: request.method(),
        url,
        api: url.startsWith(env.collector + '/api/') ? new URL(url).pathname : '',
        body,
        contentType: request.headers()['content-type'],
        type: request.resourceType(),
        from: frameUrl(request),
        done: false,
      };
      env.log.push(record);
      request.response().then(
        async (response) => {
          record.status = response?.status();
          record.answer = await response?.text().catch(() => undefined);
          record.done = true;
        },
        () => undefined,
      );
    });
    env.context.on('requestfailed', (request) => {
      const record = env.log.filter((r) => r.url === request.url() && !r.failure).pop();
      if (record) Object.assign(record, { failure: request.failure()?.errorText ?? 'failed', done: true });
    });
    env.newPage = async () => {
      const page = await env.context.newPage();
      page.on('pageerror', (error) => env.pageErrors.push(`${page.url()}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') env.consoleErrors.push(`${page.url()}: ${message.text()}`);
      });
      return page;
    };
    env.page = await env.newPage();
    ctx.onTestFailed(() => console.error(`[e2e] ${ctx.task.name}\n${describeLog(env)}`));
  });

  afterEach(async () => {
    await env.context?.close();
    await env.t?.app.close();
    expect(env.pageErrors, 'the tracker must never throw into the page').toEqual([]);
  });

  env.url = (path, host = 'www') => `http://${host}.shop.test:${env.sitePort}${path}`;
  env.serve = (path, html) => void pages.set(path, html);
  env.tag = (attrs = '', query = '') =>
    `<script async src="${env.collector}/referral-tracker.js?campaignId=${env.contestId}${query}" ${attrs}></script>`;
  env.html = (options = {}) =>
    `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${options.head ?? ''}${
      options.noTag ? '' : env.tag(options.attrs, options.query)
    }</head><body>${options.body ?? '<h1>Shop</h1>'}</body></html>`;
  env.calls = (endpoint) => env.log.filter((r) => r.api && (!endpoint || r.api === `/api/referral/${endpoint}`));
  env.settle = async (page = env.page) => {
    await page.waitForFunction(() => typeof (window as { RocketTracker?: { getReferralCode?: unknown } }).RocketTracker?.getReferralCode === 'function');
    // A request the page starts now is seen after any the tracker started before it.
    await page.evaluate((url) => fetch(url, { mode: 'no-cors' }).then(() => undefined), `${env.collector}/healthz`);
    await expect.poll(() => env.log.filter((r) => r.api && !r.done).length, { timeout: 5000 }).toBe(0);
  };
  env.open = async (path, host) => {
    await env.page.goto(env.url(path, host));
    await env.settle();
  };
  env.waitForCalls = async (endpoint, count) => {
    await expect
      .poll(() => env.calls(endpoint).filter((r) => r.done).length, { timeout: 5000, message: `${count} × ${endpoint}` })
      .toBeGreaterThanOrEqual(count);
    return env.calls(endpoint);
  };
  env.cdp = (page = env.page) => env.context.newCDPSession(page);
  // What the collector stored, read through the store's raw table access (rows as stored:
  // snake_case columns), in the order the old SQL read them.
  const pick = <K extends string>(row: Row, keys: readonly K[]) =>
    Object.fromEntries(keys.map((key) => [key, row[key]])) as Record<K, Row[string]>;
  env.visits = async () =>
    (await env.t.rows('visits')).map((r) => pick(r, ['entry_id', 'url', 'referrer'] as const)) as Awaited<ReturnType<E2E['visits']>>;
  env.entry = async (email) => {
    const row = (await env.t.rows('entries')).find((r) => r.email === email);
    return row && (pick(row, ['id', 'referred_by', 'points', 'name'] as const) as Awaited<ReturnType<E2E['entry']>>);
  };
  env.purchases = async () =>
    (await env.t.rows('purchases'))
      .sort((a, b) => (a.created_at as number) - (b.created_at as number))
      .map((r) => pick(r, ['order_id', 'credited_entry_id', 'amount_minor', 'currency'] as const)) as Awaited<ReturnType<E2E['purchases']>>;
  return env;
}

/** The window of a page under test. */
export interface TrackerWindow {
  RocketTracker: {
    trackSignup(email: string, name?: string): Promise<unknown>;
    trackPurchase(orderId: string, amount: number, currency: string, email: string): Promise<unknown>;
    getReferralCode(): string | null;
    consent(granted: boolean): void;
  };
}
