/**
 * Issue 17's scenario matrix: does the advocate get credited when Safari, blockers, SPA routers,
 * domain hops and lost cookies get in the way? One Chromium, one collector (pinned clock, trusted
 * proxy), one "site" server answering every host, and Debian's nginx running
 * deploy/nginx/first-party.conf in front of both for first-party mode. Each scenario gets a fresh
 * contest (so credits never mix) and a fresh browser context, and asserts who the collector
 * credited. The last line printed is `attribution: N of N scenarios credited correctly`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BROWSER_UA, createTestApp, type TestApp } from '../helpers/test-app.js';
import { CHROMIUM, describeBrowser, launchArgs } from './harness.js';

const NGINX = '/usr/sbin/nginx';
if (!existsSync(NGINX) && process.env.CI) throw new Error(`${NGINX} is missing: .ci/run must install nginx`);

const A = 'REF-XYZ789';
const B = 'REF-ABC234';
const DAY = 86_400_000;

interface Call {
  path: string;
  body: Record<string, unknown> | undefined;
  from: string;
}

interface Scenario {
  contestId: string;
  advocates: { [code: string]: string };
  context: BrowserContext;
  page: Page;
  /** Collector calls the browser made (direct or through nginx's /_rr/), in order. */
  calls: Call[];
  /** `http://HOST.shop.test:SITE_PORT` + path (the site, collector on another origin). */
  site(path: string, host?: string): string;
  /** `http://HOST.shop.test:NGINX_PORT` + path (the site behind nginx, collector under /_rr/). */
  proxied(path: string, host?: string): string;
  /** A page with the tracker tag (third-party collector; `firstParty`: through /_rr/). */
  html(options?: { attrs?: string; body?: string; head?: string; firstParty?: boolean }): string;
  serve(path: string, html: string): void;
  /** Opens `url` and waits until the tracker loaded and every collector call it started finished. */
  open(url: string, page?: Page): Promise<void>;
  /** Waits until every collector call the page started has finished. */
  settle(page?: Page): Promise<void>;
  /** `RocketTracker.trackSignup(email)` in the page; resolves the page's answer. */
  signup(email: string, page?: Page): Promise<unknown>;
  /** The advocate id the stored entry with this email was credited to (referred_by), if any. */
  creditedFor(email: string): Promise<string | null | undefined>;
  collectorCalls(endpoint: string): Call[];
}

describeBrowser('attribution matrix (issue 17)', () => {
  let t: TestApp;
  let browser: Browser;
  let site: Server;
  let nginx: ChildProcess | undefined;
  let collectorPort: number;
  let sitePort: number;
  let nginxPort: number;
  let dir: string;
  const pages = new Map<string, string>();
  let current: Scenario;
  const results: Array<{ name: string; ok: boolean }> = [];

  beforeAll(async () => {
    t = await createTestApp({ trustProxy: 1 });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    collectorPort = (t.app.server.address() as AddressInfo).port;
    site = createServer((req, res) => {
      const html = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html ?? 'not found');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    sitePort = (site.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'rr-first-party-'));
    nginxPort = await startNginx(dir, collectorPort, sitePort);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: launchArgs('MAP *.shop.test 127.0.0.1, MAP *.other.test 127.0.0.1'),
    });
  });

  afterAll(async () => {
    await browser?.close();
    nginx?.kill('SIGTERM');
    await new Promise((resolve) => site?.close(resolve));
    await t?.app.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    const passed = results.filter((r) => r.ok).length;
    console.log(
      [...results.map((r) => `  ${r.ok ? 'credited correctly' : 'WRONG'}: ${r.name}`), `attribution: ${passed} of ${results.length} scenarios credited correctly`].join('\n'),
    );
  });

  async function startNginx(workdir: string, collector: number, upstreamSite: number): Promise<number> {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    // deploy/nginx/first-party.conf as shipped, with only its addresses changed.
    const siteConf = readFileSync(join(process.cwd(), 'deploy/nginx/first-party.conf'), 'utf8')
      .replace('listen 80;', `listen 127.0.0.1:${port};`)
      .replace('server_name shop.example www.shop.example app.shop.example;', 'server_name _;')
      .replace('http://127.0.0.1:3000/', `http://127.0.0.1:${collector}/`)
      .replace('http://127.0.0.1:8080', `http://127.0.0.1:${upstreamSite}`);
    writeFileSync(join(workdir, 'first-party.conf'), siteConf);
    for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(workdir, sub), { recursive: true });
    writeFileSync(
      join(workdir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${workdir}/nginx.pid;
error_log ${workdir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${workdir}/body;
  proxy_temp_path ${workdir}/proxy;
  fastcgi_temp_path ${workdir}/fastcgi;
  uwsgi_temp_path ${workdir}/uwsgi;
  scgi_temp_path ${workdir}/scgi;
  include ${workdir}/first-party.conf;
}
`,
    );
    const child = spawn(NGINX, ['-c', join(workdir, 'nginx.conf'), '-p', workdir], { stdio: ['ignore', 'ignore', 'pipe'] });
    nginx = child;
    let stderr = '';
    child.stderr!.on('data', (chunk) => void (stderr += chunk));
    // Ready when the collector's /healthz answers through it.
    for (let tries = 0; ; tries++) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
      if ((await fetch(`http://127.0.0.1:${port}/_rr/healthz`).then((r) => r.status, () => 0)) === 200) return port;
      if (tries > 400) throw new Error(`nginx did not start: ${stderr}`);
      await delay(25);
    }
  }

  /** Runs one scenario in a fresh context with a fresh contest, and records whether it passed. */
  function scenario(name: string, body: (s: Scenario) => Promise<void>, options: { cookieDays?: number } = {}) {
    it(name, async () => {
      let ok = false;
      try {
        current = await setUp(options);
        await body(current);
        ok = true;
      } finally {
        results.push({ name, ok });
        await current?.context.close();
        pages.clear();
      }
    });
  }

  async function setUp(options: { cookieDays?: number }): Promise<Scenario> {
    // A scripted browser signs up milliseconds after its visit, which the fraud checks' too_fast
    // check would hold for review: the scenarios here are attribution's, not the checks'.
    const fraud = { checks: { tooFast: { enabled: false } } };
    const { id: contestId } = await t.contest({ settings: { fraud, ...(options.cookieDays ? { cookieDays: options.cookieDays } : {}) } });
    const advocates = {
      [A]: (await t.entry(contestId, { email: 'jane@example.com', name: 'Jane', referralCode: A })).id,
      [B]: (await t.entry(contestId, { email: 'max@example.com', name: 'Max', referralCode: B })).id,
    };
    // Headless Chromium says "HeadlessChrome", a bot to the isbot list (bots' visits are not stored).
    const context = await browser.newContext({ userAgent: BROWSER_UA });
    context.setDefaultTimeout(5000);
    const calls: Call[] = [];
    // Collector requests started and not yet finished or failed (a navigation can abort one).
    const pending = new Set<Request>();
    const pageErrors: string[] = [];
    context.on('request', (request) => {
      const url = new URL(request.url());
      const direct = url.port === String(collectorPort);
      if (!url.pathname.includes('/api/') || !(direct || url.pathname.startsWith('/_rr/'))) return;
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(request.postData() ?? 'null') ?? undefined;
      } catch {}
      calls.push({ path: url.pathname.replace(/^\/_rr/, ''), body, from: url.host });
      pending.add(request);
    });
    context.on('requestfinished', (request) => void pending.delete(request));
    context.on('requestfailed', (request) => void pending.delete(request));
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const settle = async (target: Page) => {
      await target.waitForFunction(() => typeof (window as { RocketTracker?: { getReferralCode?: unknown } }).RocketTracker?.getReferralCode === 'function');
      // A request the page starts now finishes after any the tracker started before it.
      await target.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
      await expect.poll(() => pending.size, { timeout: 5000 }).toBe(0);
      expect(pageErrors, 'the tracker must never throw into the page').toEqual([]);
    };
    const tag = (firstParty?: boolean) =>
      firstParty
        ? `<script async src="/_rr/referral-tracker.js?campaignId=${contestId}" data-api="/_rr"`
        : `<script async src="http://127.0.0.1:${collectorPort}/referral-tracker.js?campaignId=${contestId}"`;
    return {
      contestId,
      advocates,
      context,
      page,
      calls,
      site: (path, host = 'www') => `http://${host}.shop.test:${sitePort}${path}`,
      proxied: (path, host = 'www') => `http://${host}.shop.test:${nginxPort}${path}`,
      html: (o = {}) =>
        `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${o.head ?? ''}${tag(o.firstParty)} ${o.attrs ?? ''}></script></head><body>${o.body ?? '<h1>Shop</h1>'}</body></html>`,
      serve: (path, html) => void pages.set(path, html),
      settle: (target = page) => settle(target),
      open: async (url, target = page) => {
        await target.goto(url);
        await settle(target);
      },
      signup: async (email, target = page) => {
        const answer = await target.evaluate((e) => (window as unknown as { RocketTracker: { trackSignup(e: string): Promise<unknown> } }).RocketTracker.trackSignup(e), email);
        await settle(target);
        return answer;
      },
      creditedFor: async (email) => {
        const row = (await t.rows('entries')).find((r) => r.contest_id === contestId && r.email === email);
        return row ? (row.referred_by as string | null) : undefined;
      },
      collectorCalls: (endpoint) => calls.filter((c) => c.path === `/api/referral/${endpoint}`),
    };
  }

  scenario('direct landing, then signup on a later page', async (s) => {
    s.serve('/', s.html());
    s.serve('/signup', s.html());
    await s.open(s.site(`/?ref=${A}`));
    await s.open(s.site('/signup'));
    await s.signup('direct@example.com');
    expect(await s.creditedFor('direct@example.com')).toBe(s.advocates[A]);
  });

  scenario("SPA router drops ?ref= before the script's first tick", async (s) => {
    // The router rewrites the URL synchronously, before the async tracker has run at all.
    s.serve('/', s.html({ head: `<script>history.replaceState({}, '', '/app/home')</script>` }));
    await s.open(s.site(`/?via=${A}`));
    expect(s.page.url()).toBe(s.site('/app/home'));
    await s.signup('spa@example.com');
    expect(await s.creditedFor('spa@example.com')).toBe(s.advocates[A]);
    expect(s.collectorCalls('track-visit')).toHaveLength(1);
  });

  scenario('subdomain hop: landing on www., signup on app.', async (s) => {
    s.serve('/', s.html());
    await s.open(s.site(`/?ref=${A}`, 'www'));
    await s.open(s.site('/signup', 'app').replace('/signup', '/'));
    await s.signup('subdomain@example.com');
    expect(await s.creditedFor('subdomain@example.com')).toBe(s.advocates[A]);
  });

  scenario('cross-domain hop (shop.test → app.other.test) through a decorated link', async (s) => {
    const other = `http://app.other.test:${sitePort}/welcome`;
    s.serve('/', s.html({ attrs: 'data-cross-domain="other.test"', body: `<a id="go" href="${other}">Open the app</a>` }));
    s.serve('/welcome', s.html({ attrs: 'data-cross-domain="shop.test"' }));
    await s.open(s.site(`/?ref=${A}`));
    expect(await s.page.getAttribute('#go', 'href')).toBe(`${other}?ref=${A}`);
    await Promise.all([s.page.waitForURL(`${other}?ref=${A}`), s.page.click('#go')]);
    await s.open(s.page.url());
    await s.signup('hop-link@example.com');
    expect(await s.creditedFor('hop-link@example.com')).toBe(s.advocates[A]);
  });

  scenario('cross-domain hop through a decorated GET form', async (s) => {
    s.serve('/', s.html({
      attrs: 'data-cross-domain="app.other.test"',
      body: `<form id="f" action="http://app.other.test:${sitePort}/join"><input name="plan" value="pro"><button>Go</button></form>`,
    }));
    s.serve('/join', s.html());
    await s.open(s.site(`/?ref=${A}`));
    await Promise.all([s.page.waitForURL(/app\.other\.test.*\/join/), s.page.click('button')]);
    expect(new URL(s.page.url()).searchParams.get('ref')).toBe(A);
    expect(new URL(s.page.url()).searchParams.get('plan')).toBe('pro');
    await s.open(s.page.url());
    await s.signup('hop-form@example.com');
    expect(await s.creditedFor('hop-form@example.com')).toBe(s.advocates[A]);
  });

  scenario('purchase on a later page (thank-you element)', async (s) => {
    s.serve('/', s.html());
    s.serve('/thanks', s.html({ body: '<div data-rocket-purchase data-order-id="ORD-1" data-amount="49.99" data-currency="USD" data-email="buyer@example.com"></div>' }));
    await s.open(s.site(`/?ref=${A}`));
    await s.open(s.site('/thanks', 'app'));
    const purchase = (await t.rows('purchases')).find((p) => p.contest_id === s.contestId && p.order_id === 'ORD-1');
    expect(purchase?.credited_entry_id).toBe(s.advocates[A]);
  });

  // The browser's cookie store runs on the machine's clock, which a test cannot move; the page's
  // clock can. So the landing happens in the past (the browser clock moved back 6 or 8 days) and
  // the return happens now: the cookie's expiry, computed from the page's clock with the contest's
  // 7-day lifetime, lies 1 day ahead or 1 day behind.
  for (const [daysAgo, credited] of [[6, true], [8, false]] as const) {
    scenario(`returning visitor ${daysAgo} days after landing, contest cookie lifetime 7 days: ${credited ? 'credited' : 'not credited'}`, async (s) => {
      s.serve('/', s.html());
      await s.context.clock.install({ time: Date.now() - daysAgo * DAY });
      await s.open(s.site(`/?ref=${A}`));
      await s.context.clock.setSystemTime(Date.now());
      const back = await s.context.newPage();
      await s.open(s.site('/'), back);
      const answer = await s.signup(`return${daysAgo}@example.com`, back);
      if (credited) {
        expect(await s.creditedFor(`return${daysAgo}@example.com`)).toBe(s.advocates[A]);
      } else {
        expect(answer).toEqual({ success: false, error: 'no referral code' });
        expect(await s.creditedFor(`return${daysAgo}@example.com`)).toBeUndefined();
      }
    }, { cookieDays: 7 });
  }

  scenario('cookies blocked: the localStorage copy credits the signup', async (s) => {
    s.serve('/', s.html());
    const cdp = await s.context.newCDPSession(s.page);
    await cdp.send('Emulation.setDocumentCookieDisabled', { disabled: true });
    await s.open(s.site(`/?ref=${A}`));
    await s.open(s.site('/signup').replace('/signup', '/'));
    expect(await s.page.evaluate(() => JSON.parse(localStorage.rocket_ref).code)).toBe(A);
    await s.signup('blocked@example.com');
    expect(await s.creditedFor('blocked@example.com')).toBe(s.advocates[A]);
  });

  scenario("first-party mode: script cookie and localStorage wiped (ITP after 7 days) → the server's cookie credits", async (s) => {
    s.serve('/', s.html({ firstParty: true }));
    await s.open(s.proxied(`/?ref=${A}`));
    const cookies = await s.context.cookies();
    const server = cookies.find((c) => c.httpOnly);
    expect(server).toMatchObject({ name: 'rocket_ref', value: A, domain: '.shop.test', httpOnly: true, sameSite: 'Lax' });
    // What ITP does to script-writable storage: every cookie the script could write goes, and
    // localStorage with it; the server's HttpOnly cookie stays.
    await s.context.clearCookies();
    await s.context.addCookies([server!]);
    await s.page.evaluate(() => localStorage.clear());
    const app = await s.context.newPage();
    await s.open(s.proxied('/', 'app'), app);
    expect(await app.evaluate(() => (window as unknown as { RocketTracker: { getReferralCode(): string | null } }).RocketTracker.getReferralCode())).toBeNull();
    await s.signup('itp@example.com', app);
    expect(s.collectorCalls('track-signup').at(-1)!.body).not.toHaveProperty('referralCode');
    const friend = await s.creditedFor('itp@example.com');
    expect(friend).toBe(s.advocates[A]);
    const entryId = (await t.rows('entries')).find((r) => r.email === 'itp@example.com')!.id;
    const explained = await t.app.inject({ url: `/api/v1/entries/${entryId}/attribution`, headers: { 'x-api-key': await t.apiKey('private') } });
    expect(explained.json().data).toMatchObject({ codeSource: 'server_cookie', advocate: { referralCode: A } });
  });

  scenario('typed code (data-rocket-code), checked with validate-code first', async (s) => {
    s.serve('/', s.html({
      body: '<form data-rocket-signup onsubmit="event.preventDefault()"><input type="email" name="email"><input name="code" data-rocket-code><button>Join</button></form>',
    }));
    await s.open(s.site('/'));
    await s.page.fill('[name=email]', 'typed@example.com');
    await s.page.fill('[name=code]', A);
    await s.page.click('button');
    await expect.poll(() => s.collectorCalls('track-signup').length).toBe(1);
    await expect.poll(() => s.creditedFor('typed@example.com')).toBe(s.advocates[A]);
    expect(s.calls.map((c) => c.path)).toEqual(['/api/referral/validate-code', '/api/referral/track-signup']);
  });

  for (const [mode, attrs, winner] of [['last-click', '', B], ['first-click', 'data-attribution="first"', A]] as const) {
    scenario(`${mode} with two different codes credits ${winner === A ? 'the first' : 'the second'}`, async (s) => {
      s.serve('/', s.html({ attrs }));
      await s.open(s.site(`/?ref=${A}`));
      await s.open(s.site(`/?ref=${B}`));
      await s.signup(`${mode}@example.com`);
      expect(await s.creditedFor(`${mode}@example.com`)).toBe(s.advocates[winner]);
      // Both clicks are visits.
      expect(s.collectorCalls('track-visit').map((c) => c.body!.referralCode)).toEqual([A, B]);
    });
  }

  scenario('request log: one visit per landing and session; reloads, later pages and SPA moves send none', async (s) => {
    s.serve('/', s.html());
    s.serve('/pricing', s.html());
    await s.open(s.site(`/?ref=${A}`));
    await s.page.reload();
    await s.open(s.page.url());
    await s.open(s.site('/pricing'));
    await s.page.evaluate(() => history.pushState({}, '', '/pricing?tab=2'));
    await s.open(s.page.url());
    expect(s.collectorCalls('track-visit')).toHaveLength(1);
    // A new tab is a new session: its landing is a visit.
    const tab = await s.context.newPage();
    await s.open(s.site(`/?ref=${A}`), tab);
    expect(s.collectorCalls('track-visit')).toHaveLength(2);
    expect(s.calls.map((c) => c.path)).toEqual(['/api/referral/track-visit', '/api/referral/track-visit']);
  });

  // Issue 20, item 6 (not an attribution scenario, so not counted in the line above): a sibling
  // subdomain plants a rocket_ref cookie on the shared domain; the script must treat it as no code.
  it('a code planted by a sibling subdomain never reaches Stripe, links or the collector', async () => {
    const s = await setUp({});
    try {
      s.serve('/plant', '<!doctype html><script>document.cookie = "rocket_ref=%22%3E%3Csvg%2Fonload%3Dalert(1)%3E; domain=shop.test; path=/"</script>');
      s.serve('/', s.html({
        attrs: 'data-auto-inject="stripe" data-cross-domain="other.test"',
        body: `<a id="pay" href="https://buy.stripe.com/test_123">Pay</a><a id="hop" href="http://app.other.test:${sitePort}/">App</a>`,
      }));
      await s.page.goto(s.site('/plant', 'evil'));
      expect((await s.context.cookies()).map((c) => [c.domain, c.value])).toEqual([['.shop.test', '%22%3E%3Csvg%2Fonload%3Dalert(1)%3E']]);
      await s.open(s.site('/', 'app'));
      expect(await s.page.getAttribute('#pay', 'href')).toBe('https://buy.stripe.com/test_123');
      expect(await s.page.getAttribute('#hop', 'href')).toBe(`http://app.other.test:${sitePort}/`);
      expect(await s.page.evaluate(() => (window as unknown as { RocketTracker: { getReferralCode(): string | null } }).RocketTracker.getReferralCode())).toBeNull();
      expect(await s.signup('planted@example.com')).toEqual({ success: false, error: 'no referral code' });
      await s.page.evaluate(() => (window as unknown as { RocketTracker: { trackPurchase(...a: unknown[]): Promise<unknown> } }).RocketTracker.trackPurchase('ORD-P', 5, 'USD', 'planted@example.com'));
      await s.settle();
      expect(s.calls.map((c) => c.path)).toEqual(['/api/referral/track-purchase']);
      expect(s.calls[0].body).not.toHaveProperty('referralCode');
      expect(JSON.stringify(s.calls)).not.toContain('svg');
    } finally {
      await s.context.close();
      pages.clear();
    }
  });

  scenario('request log: nothing is sent without a code', async (s) => {
    s.serve('/', s.html());
    await s.open(s.site('/'));
    expect(await s.signup('nocode@example.com')).toEqual({ success: false, error: 'no referral code' });
    expect(s.calls).toEqual([]);
    expect(await s.creditedFor('nocode@example.com')).toBeUndefined();
  });

  scenario('request log: nothing is sent or stored before consent; consent sends the one visit', async (s) => {
    s.serve('/', s.html({ attrs: 'data-consent="required"' }));
    await s.open(s.site(`/?ref=${A}`));
    expect(await s.signup('consent@example.com')).toEqual({ success: false, error: 'no consent' });
    expect(s.calls).toEqual([]);
    expect(await s.context.cookies()).toEqual([]);
    await s.page.evaluate(() => (window as unknown as { RocketTracker: { consent(v: boolean): void } }).RocketTracker.consent(true));
    await s.settle();
    expect(s.collectorCalls('track-visit')).toHaveLength(1);
    await s.signup('consent@example.com');
    expect(await s.creditedFor('consent@example.com')).toBe(s.advocates[A]);
  });
});
