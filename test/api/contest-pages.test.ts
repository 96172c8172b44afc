import { describe, expect, it } from 'vitest';
import { forEachEngine, useTestApp, type TestApp } from '../helpers/test-app.js';
import { call, seedV1 } from './v1-helpers.js';

/** A GET of a page, as a browser would ask for it. */
async function page(t: TestApp, url: string) {
  const res = await t.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
  return { status: res.statusCode, html: res.body, headers: res.headers };
}

const join = (t: TestApp, body: Record<string, unknown>) => call(t, 'POST', '/api/contest-pages/join', undefined, body);
const privatePath = (url: string) => new URL(url).pathname;
const ledger = async (t: TestApp) => (await t.rows('points_ledger')).map((r) => ({ entry: r.entry_id, delta: Number(r.delta), reason: r.reason }));

forEachEngine((engine) => describe('participant pages: /c/:contestId, /me/:token, /leaderboard', () => {
  const t = useTestApp({ engine });

  it('the contest page shows the contest, how points are earned, its bonus actions and a labelled join form, under a strict CSP', async () => {
    const fx = await seedV1(t());
    await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { description: 'Win a <b>bike</b> & more' });
    const res = await page(t(), `/c/${fx.contestId}?ref=REF-XYZ789`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.html).toContain('<h1>Summer Giveaway 2025</h1>');
    expect(res.html).toContain('Win a &lt;b&gt;bike&lt;/b&gt; &amp; more');
    expect(res.html).toContain('earns you 10 points, and earns them 5 points');
    expect(res.html).toContain('<strong>Follow us on Twitter</strong>: 15 points');
    expect(res.html).toMatch(/<label for="join-email">Email<\/label>\s*<input id="join-email" name="email" type="email"/);
    expect(res.html).toContain('<label for="join-name">Name');
    expect(res.html).toContain('data-ref="REF-XYZ789"');
    expect(res.html).not.toMatch(/<script>|<style>|style=|onclick=/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // No one's email, name or code is on the public page.
    for (const secret of ['jane@example.com', 'john@example.com', 'Jane Doe', 'REF-ABC456']) expect(res.html).not.toContain(secret);
    // A malformed ?ref= is not reflected.
    const odd = await page(t(), `/c/${fx.contestId}?ref=${encodeURIComponent('"><img src=x>')}`);
    expect(odd.html).not.toContain('data-ref');
    expect(odd.html).not.toContain('<img src=x>');
  });

  it('joining through ?ref= follows the track-signup rules, then the private page shows the link, points, rank and referrals', async () => {
    const fx = await seedV1(t());
    const res = await join(t(), { contestId: fx.contestId, email: 'Amy@Example.com', name: 'Amy Pond', referralCode: 'REF-XYZ789' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: { status: 'joined', privateUrl: expect.stringMatching(new RegExp(`^http://localhost(:\\d+)?/c/${fx.contestId}/me/[A-Za-z0-9_-]{32}$`)) } });
    const amy = (await t().rows('entries')).find((r) => r.email === 'Amy@Example.com')!;
    expect(amy.referred_by).toBe(fx.janeId);
    expect(await ledger(t())).toEqual([
      { entry: amy.id, delta: 5, reason: 'referral_friend' },
      { entry: fx.janeId, delta: 10, reason: 'referral_advocate' },
    ]);
    expect((await t().rows('hub_tokens')).map((r) => r.entry_id)).toEqual([amy.id]);

    const me = await page(t(), privatePath(res.body.data.privateUrl));
    expect(me.status).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    expect(me.headers['referrer-policy']).toBe('no-referrer');
    const link = `http://localhost/c/${fx.contestId}?ref=${amy.referral_code}`;
    expect(me.html).toContain(`<input id="referral-link" type="text" readonly value="${link}">`);
    expect(me.html).toMatch(/<dt>Points<\/dt><dd id="my-points">5<\/dd>/);
    // Jane 10, Amy 5, John 0 (ties broken by who joined first).
    expect(me.html).toMatch(/<dt>Rank<\/dt><dd id="my-rank">#2<\/dd>/);
    expect(me.html).toMatch(/<dt>Referrals<\/dt><dd id="my-referrals">0<\/dd>/);
    for (const service of ['mailto:?subject=', 'https://twitter.com/intent/tweet?', 'https://wa.me/?text=', 'https://www.linkedin.com/sharing/share-offsite/?url=']) {
      expect(me.html).toContain(service);
    }
    expect(me.html).toContain(`url=${encodeURIComponent(link)}`.replace(/&/g, '&amp;'));
    expect(me.html).toContain('<strong>Share on Facebook</strong>: 10 points');
    // Never another participant's contacts or code.
    for (const secret of ['jane@example.com', 'john@example.com', 'REF-XYZ789', 'REF-ABC456']) expect(me.html).not.toContain(secret);

    // Jane's own page now counts the referral.
    const janeLink = await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey);
    const jane = await page(t(), privatePath(janeLink.body.data.url));
    expect(jane.html).toMatch(/id="my-points">10<\/dd>/);
    expect(jane.html).toMatch(/id="my-rank">#1<\/dd>/);
    expect(jane.html).toMatch(/id="my-referrals">1<\/dd>/);
    expect(jane.html).not.toContain('Amy@Example.com');
  });

  it('an email that already joined learns nothing: no code, no points, no link, nothing stored', async () => {
    const fx = await seedV1(t());
    const before = { counts: await t().counts(), ledger: await ledger(t()) };
    for (const body of [
      { contestId: fx.contestId, email: 'jane@example.com', name: 'Someone' },
      { contestId: fx.contestId, email: 'JANE@example.com', referralCode: 'REF-ABC456' },
      // Referring oneself is the same answer.
      { contestId: fx.contestId, email: 'jane@example.com', referralCode: 'REF-XYZ789' },
    ]) {
      const res = await join(t(), body);
      expect(res.status).toBe(200);
      expect(res.body.data.status).toBe('already_joined');
      expect(res.body.data.privateUrl).toBeUndefined();
      expect(res.body.data.message).toMatch(/private link/);
      const text = JSON.stringify(res.body);
      for (const secret of ['REF-XYZ789', fx.janeId, '/me/', 'points']) expect(text).not.toContain(secret);
    }
    expect({ counts: await t().counts(), ledger: await ledger(t()) }).toEqual(before);
  });

  it('the same email joining several times at once makes one entry, one token and one award', async () => {
    const fx = await seedV1(t());
    const answers = await Promise.all(Array.from({ length: 6 }, () =>
      join(t(), { contestId: fx.contestId, email: 'race@example.com', referralCode: 'REF-XYZ789' })));
    expect(answers.map((a) => a.body.data.status).sort()).toEqual(['already_joined', 'already_joined', 'already_joined', 'already_joined', 'already_joined', 'joined']);
    const race = (await t().rows('entries')).filter((r) => r.email === 'race@example.com');
    expect(race).toHaveLength(1);
    expect((await t().rows('hub_tokens')).map((r) => r.entry_id)).toEqual([race[0].id]);
    expect(await ledger(t())).toEqual([
      { entry: race[0].id, delta: 5, reason: 'referral_friend' },
      { entry: fx.janeId, delta: 10, reason: 'referral_advocate' },
    ]);
  });

  it('a bad join is refused naming the field, a contest not running refuses joins, and nothing is stored', async () => {
    const fx = await seedV1(t());
    const before = await t().counts();
    expect(await join(t(), { contestId: fx.contestId, email: 'not-an-email' })).toMatchObject({ status: 400, body: { success: false, error: expect.stringMatching(/^email /) } });
    expect(await join(t(), { contestId: fx.contestId })).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^email /) } });
    expect(await join(t(), { contestId: 'nope', email: 'a@example.com' })).toMatchObject({ status: 404 });
    await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { status: 'paused' });
    expect(await join(t(), { contestId: fx.contestId, email: 'a@example.com' })).toEqual({ status: 400, body: { success: false, error: 'Contest is not active' } });
    const paused = await page(t(), `/c/${fx.contestId}`);
    expect(paused.status).toBe(200);
    expect(paused.html).toContain('not accepting entries');
    expect(paused.html).not.toContain('join-form');
    expect(await t().counts()).toEqual(before);
  });

  it('settings.referralUrl points the link at the marketing page; a bad URL is refused naming the field', async () => {
    const fx = await seedV1(t());
    const set = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { referralUrl: 'https://shop.example.com/landing?utm_source=contest' } });
    expect(set.status).toBe(200);
    expect(set.body.data.settings).toMatchObject({ referralUrl: 'https://shop.example.com/landing?utm_source=contest', publicPages: true, leaderboardFrameAncestors: [] });
    const { body } = await join(t(), { contestId: fx.contestId, email: 'amy@example.com' });
    const amy = (await t().rows('entries')).find((r) => r.email === 'amy@example.com')!;
    const me = await page(t(), privatePath(body.data.privateUrl));
    expect(me.html).toContain(`value="https://shop.example.com/landing?utm_source=contest&amp;ref=${amy.referral_code}"`);

    for (const referralUrl of ['javascript:alert(1)', 'not a url', `https://example.com/${'a'.repeat(2100)}`]) {
      const bad = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { referralUrl } });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/^settings\.referralUrl /);
    }
    const unset = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { referralUrl: null } });
    expect(unset.body.data.settings.referralUrl).toBeNull();
    expect((await page(t(), privatePath(body.data.privateUrl))).html).toContain(`value="http://localhost/c/${fx.contestId}?ref=${amy.referral_code}"`);
  });

  it('public pages off: every participant page and page API answers 404 and nothing is stored; a draft contest has no pages', async () => {
    const fx = await seedV1(t());
    const { body } = await join(t(), { contestId: fx.contestId, email: 'amy@example.com' });
    const off = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { publicPages: false } });
    expect(off.body.data.settings.publicPages).toBe(false);
    const before = await t().counts();
    for (const url of [`/c/${fx.contestId}`, `/c/${fx.contestId}?ref=REF-XYZ789`, privatePath(body.data.privateUrl), `/c/${fx.contestId}/leaderboard`]) {
      const res = await page(t(), url);
      expect(res.status, url).toBe(404);
      expect(res.html).toContain('Page not found');
      expect(res.html).not.toContain('Summer Giveaway');
    }
    expect((await call(t(), 'GET', `/api/contest-pages/${fx.contestId}/leaderboard`)).status).toBe(404);
    expect((await join(t(), { contestId: fx.contestId, email: 'bob@example.com' })).status).toBe(404);
    expect(await t().counts()).toEqual(before);
    expect((await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { publicPages: 'no' } })).body.error).toMatch(/^settings\.publicPages /);

    const draft = await t().contest({ id: 'draft-contest', title: 'Secret draft', status: 'draft' });
    expect((await page(t(), `/c/${draft.id}`)).status).toBe(404);
    expect((await page(t(), '/c/no-such-contest/leaderboard')).status).toBe(404);
  });

  it('a private page opens only with its own live token in its own contest', async () => {
    const fx = await seedV1(t());
    const other = await t().contest({ id: 'other-contest', title: 'Other' });
    const { body } = await join(t(), { contestId: fx.contestId, email: 'amy@example.com' });
    const token = body.data.privateUrl.split('/').at(-1);
    expect((await page(t(), `/c/${other.id}/me/${token}`)).status).toBe(404);
    expect((await page(t(), `/c/${fx.contestId}/me/${'A'.repeat(32)}`)).status).toBe(404);
    expect((await page(t(), `/c/${fx.contestId}/me/short`)).status).toBe(404);
    const amy = (await t().rows('entries')).find((r) => r.email === 'amy@example.com')!;
    await call(t(), 'DELETE', `/api/v1/entries/${amy.id}/hub-link`, fx.privateKey);
    expect((await page(t(), `/c/${fx.contestId}/me/${token}`)).status).toBe(404);
  });

  it('the leaderboard shows top N by points then earlier join, names or masked emails, never a full email; frameable only where the contest allows', async () => {
    const fx = await seedV1(t());
    t().advance(1000);
    await join(t(), { contestId: fx.contestId, email: 'nameless@example.com', referralCode: 'REF-ABC456' });
    t().advance(1000);
    await join(t(), { contestId: fx.contestId, email: 'zoe@example.com', name: 'Zoe', referralCode: 'REF-ABC456' });
    // John 20 (two referrals); the two friends 5 each, nameless first (joined earlier); Jane 0.
    const expected = [
      { rank: 1, displayName: 'John Smith', points: 20, referrals: 2 },
      { rank: 2, displayName: 'n•••@example.com', points: 5, referrals: 0 },
      { rank: 3, displayName: 'Zoe', points: 5, referrals: 0 },
      { rank: 4, displayName: 'Jane Doe', points: 0, referrals: 0 },
    ];
    expect(await call(t(), 'GET', `/api/contest-pages/${fx.contestId}/leaderboard`)).toEqual({ status: 200, body: { success: true, data: { ranks: expected } } });
    expect((await call(t(), 'GET', `/api/contest-pages/${fx.contestId}/leaderboard?limit=2`)).body.data.ranks).toEqual(expected.slice(0, 2));
    expect((await call(t(), 'GET', `/api/contest-pages/${fx.contestId}/leaderboard?limit=500`)).body.error).toMatch(/^limit /);

    const res = await page(t(), `/c/${fx.contestId}/leaderboard?limit=3&refresh=5`);
    expect(res.status).toBe(200);
    expect(res.html).toContain('<tr><td>1</td><td>John Smith</td><td>20</td><td>2</td></tr>');
    expect(res.html).toContain('<tr><td>2</td><td>n•••@example.com</td><td>5</td><td>0</td></tr>');
    expect(res.html).not.toContain('Jane Doe');
    expect(res.html).toContain(`data-refresh-url="/api/contest-pages/${fx.contestId}/leaderboard?limit=3" data-refresh-seconds="5"`);
    for (const email of ['jane@example.com', 'john@example.com', 'nameless@example.com', 'zoe@example.com']) expect(res.html).not.toContain(email);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');

    const allow = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { leaderboardFrameAncestors: ['https://www.example.com', 'https://*.example.org:8443'] } });
    expect(allow.body.data.settings.leaderboardFrameAncestors).toEqual(['https://www.example.com', 'https://*.example.org:8443']);
    const framed = await page(t(), `/c/${fx.contestId}/leaderboard`);
    expect(framed.headers['content-security-policy']).toContain('frame-ancestors https://www.example.com https://*.example.org:8443');
    expect(framed.headers['x-frame-options']).toBeUndefined();
    // The contest page itself is never framed.
    expect((await page(t(), `/c/${fx.contestId}`)).headers['content-security-policy']).toContain("frame-ancestors 'none'");
    for (const bad of [["https://x.com; script-src 'unsafe-inline'"], ['*'], ['javascript:x']]) {
      const refused = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { leaderboardFrameAncestors: bad } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatch(/^settings\.leaderboardFrameAncestors/);
    }
    expect((await call(t(), 'GET', `/api/v1/contests/${fx.contestId}`, fx.privateKey)).body.data.settings.leaderboardFrameAncestors).toEqual(['https://www.example.com', 'https://*.example.org:8443']);
  });

  it('the pages script and stylesheet are served content-hashed, compressed and cached for a year', async () => {
    const fx = await seedV1(t());
    const html = (await page(t(), `/c/${fx.contestId}`)).html;
    const script = html.match(/src="(\/c\/assets\/contest\.[\w-]+\.js)"/)![1];
    const stylesheet = html.match(/href="(\/c\/assets\/contest\.[\w-]+\.css)"/)![1];
    for (const url of [script, stylesheet]) {
      const res = await t().app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br, gzip' } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    expect((await t().app.inject({ method: 'GET', url: '/c/assets/contest.nope.js' })).statusCode).toBe(404);
  });
}));
