import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addOperator, newOperator } from '../../server/collector/operators.js';
import { BROWSER_UA, createTestApp, type TestApp } from '../helpers/test-app.js';
import { CHROMIUM, describeBrowser } from './harness.js';

/**
 * The operators' dashboard in Debian's Chromium: one browser, one context per role (operator,
 * participant, an intruder with a forged cookie). Every page is checked with axe-core (no serious
 * or critical violation) and photographed at 375 and 1280 px into .tmp/screenshots/.
 */
const LAUNCH_ARGS = ['--host-resolver-rules=MAP *.shop.test 127.0.0.1', '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = '.tmp/screenshots';
const EMAIL = 'ops@example.com';
const PASSWORD = 'a long operator password';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Chromium logs every 4xx fetch as a console error; the signed-out checks (401) are expected. */
const unexpected = (errors: string[]) => errors.filter((e) => !/Failed to load resource: the server responded with a status of 401/.test(e));

describeBrowser('operator dashboard (/admin) in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let base: string;
  let privateKey: string;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestApp({ now: Date.now });
    const operator = await newOperator(EMAIL, PASSWORD, Date.now());
    await t.store.transaction((tx) => addOperator({ store: tx, now: Date.now }, operator));
    privateKey = await t.apiKey('private');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
  });

  async function newContext(): Promise<{ context: BrowserContext; page: Page }> {
    // A desktop browser's user agent: isbot counts HeadlessChrome as a bot, whose visits are not stored.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, userAgent: BROWSER_UA });
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    return { context, page };
  }

  /** axe-core in the page (injected over CDP, so the page's CSP stays as served), then both screenshots. */
  async function checkPage(page: Page, name: string, prefix = 'admin') {
    await page.evaluate(axeSource);
    const results = await page.evaluate(() => (window as any).axe.run(document, { resultTypes: ['violations'] }));
    const serious = results.violations
      .filter((v: { impact: string }) => v.impact === 'serious' || v.impact === 'critical')
      .map((v: { id: string; nodes: Array<{ target: string[] }> }) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, `axe on ${name}`).toEqual([]);
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      // Readable at this width: nothing wider than the viewport but scrollable tables and the chart.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name} at ${width} px overflows`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `${SHOTS}/${prefix}-${name}-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /**
   * The participant's side, in a second browser context: the contest page through a ?ref= link,
   * the join form, the private page (link, share buttons, standing), an email that already joined,
   * and the leaderboard framed by the customer's site, refreshing without a reload.
   */
  async function joinAsParticipant(contestId: string, advocateCode: string) {
    const { context: visitor, page } = await newContext();
    const visited = page.waitForResponse((r) => r.url().endsWith('/api/referral/track-visit'));
    const opened = await page.goto(`${base}/c/${contestId}?ref=${advocateCode}`);
    expect(opened!.headers()['content-security-policy']).not.toContain('unsafe-inline');
    expect((await visited).status()).toBe(200);
    await page.getByRole('heading', { name: 'Spring Launch' }).waitFor();
    expect(await page.getByRole('heading', { name: 'How to earn points' }).isVisible()).toBe(true);
    expect(await page.locator('main').innerText()).toContain('Follow us on X: 3 points');
    await checkPage(page, 'contest', 'participant');

    // Keyboard only: tab into the form, type, press Enter.
    await page.getByLabel('Email').focus();
    await page.keyboard.type('friend@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Friend');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/c/${contestId}/me/[A-Za-z0-9_-]{32}$`));
    const privateUrl = page.url();
    const friend = (await api('GET', `/api/v1/contests/${contestId}/entries?limit=100`)).data.find((e: { email: string }) => e.email === 'friend@example.com');
    expect(friend.points, 'the friend points of a referred signup').toBe(5);
    const link = `${base}/c/${contestId}?ref=${friend.referralCode}`;
    expect(await page.getByLabel('Your personal link').inputValue()).toBe(link);
    expect(await page.locator('#my-points').textContent()).toBe(String(friend.points));
    expect(await page.locator('#my-rank').textContent()).toBe('#2');
    expect(await page.locator('#my-referrals').textContent()).toBe('0');
    for (const service of ['Share by email', 'Share on X', 'Share on WhatsApp', 'Share on LinkedIn']) {
      expect(await page.getByRole('link', { name: service }).getAttribute('href')).toContain(encodeURIComponent(link));
    }
    await visitor.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.getByRole('button', { name: 'Copy link' }).click();
    await page.getByRole('status').filter({ hasText: 'Link copied.' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
    // Never another participant's email or code.
    const text = await page.locator('body').innerText();
    for (const other of ['jane@example.com', 'Jane Doe', advocateCode]) expect(text).not.toContain(other);
    await checkPage(page, 'me', 'participant');

    // Someone typing Jane's email learns nothing about her entry.
    await page.goto(`${base}/c/${contestId}`);
    await page.getByLabel('Email').fill('jane@example.com');
    await page.getByRole('button', { name: 'Join the contest' }).click();
    await page.locator('#join-status').filter({ hasText: 'already joined' }).waitFor();
    expect(page.url()).toBe(`${base}/c/${contestId}`);
    const answer = await page.locator('main').innerText();
    expect(answer).not.toContain(advocateCode);
    expect(answer).not.toMatch(/\/me\//);

    // The customer's site frames the leaderboard (allowed by the contest's setting); a new
    // participant appears without a reload, and no full email is ever shown.
    const shop = await serveShop(`<!doctype html><html lang="en"><title>Shop</title><h1>Our contest</h1><iframe title="Leaderboard" width="360" height="400" src="${base}/c/${contestId}/leaderboard?refresh=2"></iframe>`);
    const set = await api('PUT', `/api/v1/contests/${contestId}`, { settings: { leaderboardFrameAncestors: [shop.origin] } });
    expect(set.data.settings.leaderboardFrameAncestors).toEqual([shop.origin]);
    await page.goto(`${shop.origin}/`);
    const board = page.frameLocator('iframe');
    await board.locator('td', { hasText: 'Jane Doe' }).waitFor();
    expect(await board.locator('tbody tr').count()).toBe(2);
    await api('POST', `/api/v1/contests/${contestId}/entries`, { email: 'late@example.com' });
    await board.locator('td', { hasText: 'l•••@example.com' }).waitFor();
    expect(await board.locator('tbody tr').count()).toBe(3);
    expect(await board.locator('body').innerText()).not.toMatch(/[a-z]+@example\.com/);
    await page.goto(`${base}/c/${contestId}/leaderboard`);
    await checkPage(page, 'leaderboard', 'participant');

    // The private page still opens after all that; a tampered token does not.
    expect((await page.goto(privateUrl))!.status()).toBe(200);
    expect((await visitor.request.get(`${privateUrl.slice(0, -1)}${privateUrl.endsWith('A') ? 'B' : 'A'}`)).status()).toBe(404);
    await visitor.close();
    await shop.close();
  }

  /** The customer's site: another origin (www.shop.test, mapped to loopback) serving one page. */
  async function serveShop(html: string) {
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://www.shop.test:${(server.address() as AddressInfo).port}`;
    return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.app.inject({ method: method as 'GET', url: path, headers: { 'x-api-key': privateKey, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
    return res.json();
  };

  it('an operator signs in, creates a contest, sees a referral on the leaderboard and the chart, adjusts, disqualifies, exports, signs out', async () => {
    const { context: ops, page } = await newContext();
    await page.goto(`${base}/admin`);
    const headers = (await page.request.get(`${base}/admin`)).headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    await page.getByLabel('Email').waitFor();
    await checkPage(page, 'login');

    // A wrong password: one generic message.
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill('not the password!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('Invalid email or password');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).press('Enter');
    await page.getByRole('heading', { name: 'Contests' }).waitFor();

    // Create a contest with the form (keyboard-usable: labels found by name).
    await page.getByLabel('Title').fill('Spring Launch');
    await page.getByLabel('Points per referral (advocate)').fill('20');
    await page.getByRole('button', { name: 'Create contest' }).click();
    await page.getByRole('status').filter({ hasText: 'webhook secret' }).waitFor();
    await page.getByRole('link', { name: 'Spring Launch' }).waitFor();
    await checkPage(page, 'contests');
    const contests = await api('GET', '/api/v1/contests');
    const contest = contests.data.find((c: { title: string }) => c.title === 'Spring Launch');
    expect((await api('GET', `/api/v1/contests/${contest.id}`)).data.settings.advocatePoints).toBe(20);

    // A participant, in a context of their own, opens Jane's link (the contest page, as the
    // contest has no referralUrl) and joins with the form; their private page opens.
    const jane = await api('POST', `/api/v1/contests/${contest.id}/entries`, { email: 'jane@example.com', name: 'Jane Doe' });
    // too_fast off, as in the other browser tests: a scripted participant joins seconds after landing.
    await api('PUT', `/api/v1/contests/${contest.id}`, {
      bonusActions: [{ action: 'follow_x', description: 'Follow us on X', points: 3 }],
      settings: { fraud: { checks: { tooFast: { enabled: false } } } },
    });
    await joinAsParticipant(contest.id, jane.data.referralCode);

    // The operator sees the referral on the leaderboard and in the chart.
    await page.getByRole('link', { name: 'Spring Launch' }).click();
    await page.getByRole('heading', { name: 'Leaderboard' }).waitFor();
    const janeRow = page.locator('table.leaderboard tr', { hasText: 'jane@example.com' });
    await expect.poll(() => janeRow.locator('td').allTextContents()).toEqual(['1', 'Jane Doe', 'jane@example.com', jane.data.referralCode, '20', '1']);
    await page.locator('.chart .uplot canvas').waitFor();
    const painted = await page.locator('.chart canvas').evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3] > 0) coloured++;
      return coloured;
    });
    expect(painted).toBeGreaterThan(100);
    const funnel = await page.locator('.funnel').textContent();
    expect(funnel).toContain('1 referral-link visits');
    expect(funnel).toContain('3 signups, of which 1 referred (33.3%)');
    await checkPage(page, 'contest');

    // Entry page: adjust points, disqualify, each with a reason; the API agrees.
    await page.getByRole('link', { name: 'Jane Doe' }).click();
    await page.getByRole('heading', { name: 'Points ledger' }).waitFor();
    await page.getByLabel('Points (+/-)').fill('5');
    await page.getByLabel('Reason for the adjustment').fill('launch-day bonus');
    await page.getByRole('button', { name: 'Adjust points' }).click();
    await expect.poll(() => page.locator('#entry-points').textContent()).toBe('25');
    await page.getByLabel('Reason to disqualify').fill('duplicate account');
    await page.getByRole('button', { name: 'Disqualify' }).click();
    await expect.poll(() => page.locator('#entry-status').textContent()).toBe('disqualified');
    const stored = (await api('GET', `/api/v1/entries/${jane.data.id}`)).data;
    expect(stored).toMatchObject({ points: 25, disqualified: true });
    await expect.poll(() => page.locator('td', { hasText: 'launch-day bonus' }).count()).toBe(1);
    await checkPage(page, 'entry');

    // CSV export with the operator's session, against the API's numbers.
    const csv = await (await page.request.get(`${base}/admin/api/contests/${contest.id}/export/entries.csv`)).text();
    const lines = csv.trimEnd().split('\r\n');
    const entries = (await api('GET', `/api/v1/contests/${contest.id}/entries?limit=100`)).data;
    expect(lines).toHaveLength(entries.length + 1);
    for (const e of entries) {
      const line = lines.find((l) => l.startsWith(`${e.id},`))!;
      expect(line.split(',')[5], e.email).toBe(String(e.points));
    }

    // The operator turns the contest's public pages off with the edit form: they answer 404.
    await page.goto(`${base}/admin#/contests/${encodeURIComponent(contest.id)}`);
    await page.getByRole('link', { name: 'Contest page' }).waitFor();
    await page.getByLabel('Public contest pages').uncheck();
    await page.getByRole('button', { name: 'Save contest' }).click();
    await expect.poll(async () => (await api('GET', `/api/v1/contests/${contest.id}`)).data.settings.publicPages).toBe(false);
    expect((await page.request.get(`${base}/c/${contest.id}`)).status()).toBe(404);
    expect((await page.request.get(`${base}/c/${contest.id}/leaderboard`)).status()).toBe(404);
    await expect.poll(() => page.getByRole('link', { name: 'Contest page' }).count()).toBe(0);

    // Keys and audit pages.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('status').filter({ hasText: 'New key' }).waitFor();
    await checkPage(page, 'keys');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.locator('td', { hasText: 'POST /api/v1/entries/:entryId/disqualify' }).waitFor();
    await checkPage(page, 'audit');

    // Sign out: the form is back and the old cookie no longer opens anything.
    const [cookie] = await ops.cookies();
    expect(cookie).toMatchObject({ name: 'rr_admin', httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').waitFor();
    const replay = await t.app.inject({ method: 'GET', url: '/admin/api/me', headers: { cookie: `rr_admin=${cookie.value}` } });
    expect(replay.statusCode).toBe(401);
    await ops.close();
    expect(unexpected(errors)).toEqual([]);
  }, 180_000);

  it('a forged session cookie and an expired session get the sign-in form, not data', async () => {
    const { context, page } = await newContext();
    await context.addCookies([{ name: 'rr_admin', value: 'A'.repeat(43), url: base, httpOnly: true, sameSite: 'Strict' }]);
    await page.goto(`${base}/admin#/keys`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.getByRole('heading', { name: 'API keys' }).count()).toBe(0);

    // A real session, then 12 h and a moment without a request.
    const login = await page.request.post(`${base}/admin/api/login`, { data: { email: EMAIL, password: PASSWORD }, headers: { origin: base } });
    expect(login.status()).toBe(200);
    await page.reload();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    const realNow = Date.now;
    const later = Date.now() + 12 * 60 * 60 * 1000 + 60_000;
    (t.app as unknown as { collector: { now: () => number } }).collector.now = () => later;
    try {
      await page.reload();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
    } finally {
      (t.app as unknown as { collector: { now: () => number } }).collector.now = realNow;
    }
    await context.close();
    expect(unexpected(errors)).toEqual([]);
  }, 60_000);
});
