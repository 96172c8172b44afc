/**
 * Issue 17, server side: the first-party `rocket_ref` cookie set by track-visit, the signup and
 * purchase fallback to it, how a code arrived (recorded per referred signup and credited purchase)
 * and the explain endpoints. Both engines.
 */
import { describe, expect, it } from 'vitest';
import { arrivedCode } from '../../server/collector/attribution.js';
import { registrableDomain } from '../../server/http/first-party-cookie.js';
import { forEachEngine, useTestApp, type TestApp } from '../helpers/test-app.js';
import { call, seedV1, type V1Fixture } from '../api/v1-helpers.js';

const UA = 'Mozilla/5.0 (attribution test)';
/** What a browser sends from a page of shop.example to shop.example/_rr/ (the reverse proxy). */
const FIRST_PARTY = { host: 'www.shop.example', 'sec-fetch-site': 'same-origin', origin: 'https://www.shop.example', 'user-agent': UA };
/** The same page calling a collector on another site. */
const THIRD_PARTY = { host: 'refs.collector.example', 'sec-fetch-site': 'cross-site', origin: 'https://www.shop.example', 'user-agent': UA };

async function post(t: TestApp, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/referral/${path}`,
    headers: { 'content-type': 'text/plain', 'user-agent': UA, ...headers },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), headers: res.headers, setCookie: res.headers['set-cookie'] as string | undefined };
}

describe('arrivedCode: the order the collector applies', () => {
  it('body code, then the server cookie; a typed code comes after the cookie; a cookie that is no code is ignored', () => {
    expect(arrivedCode({ referralCode: 'REF-A' }, 'REF-B')).toEqual({ code: 'REF-A', source: 'body' });
    expect(arrivedCode({ referralCode: 'REF-A', codeSource: 'script' }, null)).toEqual({ code: 'REF-A', source: 'script' });
    expect(arrivedCode({}, 'REF-B')).toEqual({ code: 'REF-B', source: 'server_cookie' });
    expect(arrivedCode({ referralCode: 'REF-T', codeSource: 'typed' }, 'REF-B')).toEqual({ code: 'REF-B', source: 'server_cookie' });
    expect(arrivedCode({ referralCode: 'REF-T', codeSource: 'typed' }, null)).toEqual({ code: 'REF-T', source: 'typed' });
    expect(arrivedCode({}, '"><svg/onload=alert(1)>')).toBeUndefined();
    expect(arrivedCode({}, null)).toBeUndefined();
  });

  it('registrable domains come from the public suffix list', () => {
    expect(registrableDomain('www.shop.co.uk')).toBe('shop.co.uk');
    expect(registrableDomain('app.shop.example')).toBe('shop.example');
    expect(registrableDomain('someone.github.io')).toBe('someone.github.io');
    expect(registrableDomain('github.io')).toBeNull();
    expect(registrableDomain('127.0.0.1')).toBeNull();
    expect(registrableDomain('localhost')).toBeNull();
  });
});

forEachEngine((engine) => describe('first-party cookie and attribution explain', () => {
  const t = useTestApp({ engine });
  let fx: V1Fixture;
  const visit = (headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    post(t(), 'track-visit', { referralCode: 'REF-XYZ789', contestId: fx.contestId, url: 'https://www.shop.example/?ref=REF-XYZ789', ...extra }, headers);

  async function seed(cookieDays?: number) {
    fx = await seedV1(t());
    if (cookieDays) {
      const res = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { cookieDays } });
      expect(res.status).toBe(200);
    }
  }

  it("track-visit through the customer's site sets rocket_ref for the registrable domain with the contest's lifetime", async () => {
    await seed(14);
    const res = await visit(FIRST_PARTY);
    expect(res.status).toBe(200);
    // The documented answer is unchanged; the lifetime travels in a header the script can read.
    expect(res.body).toEqual({ success: true });
    expect(res.headers['rocket-cookie-days']).toBe('14');
    expect(res.setCookie).toBe(`rocket_ref=REF-XYZ789; Max-Age=${14 * 86400}; Path=/; Domain=shop.example; HttpOnly; SameSite=Lax`);
  });

  it('no Domain on an IP host (host-only cookie)', async () => {
    await seed();
    const ip = await visit({ ...FIRST_PARTY, host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' });
    expect(ip.setCookie).toBe(`rocket_ref=REF-XYZ789; Max-Age=${30 * 86400}; Path=/; HttpOnly; SameSite=Lax`);
  });

  it('never sets it for a third-party collector host, nor for a request without Origin or Sec-Fetch-Site', async () => {
    await seed();
    expect((await visit(THIRD_PARTY)).setCookie).toBeUndefined();
    expect((await visit({ host: 'www.shop.example' })).setCookie).toBeUndefined();
    // Older browsers send no Sec-Fetch-Site: the Origin's site must equal the host's.
    const { 'sec-fetch-site': _, ...noFetchSite } = FIRST_PARTY;
    expect((await visit(noFetchSite)).setCookie).toMatch(/^rocket_ref=REF-XYZ789;/);
    expect((await visit({ ...noFetchSite, origin: 'https://evil.example' })).setCookie).toBeUndefined();
  });

  it('first-click keeps a code the cookie already holds; last click replaces it', async () => {
    await seed();
    const withCookie = { ...FIRST_PARTY, cookie: 'rocket_ref=REF-ABC456' };
    expect((await visit(withCookie, { attribution: 'first' })).setCookie).toBeUndefined();
    expect((await visit(withCookie, { attribution: 'last' })).setCookie).toMatch(/^rocket_ref=REF-XYZ789;/);
    expect((await visit(withCookie)).setCookie).toMatch(/^rocket_ref=REF-XYZ789;/);
    expect((await visit(FIRST_PARTY, { attribution: 'first' })).setCookie).toMatch(/^rocket_ref=REF-XYZ789;/);
  });

  it('track-signup without a body code credits the cookie and records server_cookie; no code at all is still a 400', async () => {
    await seed();
    await visit(FIRST_PARTY);
    t().advance(60_000);
    const signup = await post(t(), 'track-signup', { email: 'friend@example.com', contestId: fx.contestId }, { ...FIRST_PARTY, cookie: 'rocket_ref=REF-XYZ789' });
    expect(signup.status).toBe(200);
    expect(signup.body.data).toMatchObject({ isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } });

    const before = await t().counts();
    const none = await post(t(), 'track-signup', { email: 'nobody@example.com', contestId: fx.contestId }, FIRST_PARTY);
    expect(none).toMatchObject({ status: 400, body: { success: false, error: 'referralCode is required' } });
    // A cookie that is not a code is no code.
    const planted = await post(t(), 'track-signup', { email: 'nobody@example.com', contestId: fx.contestId }, { cookie: 'rocket_ref=%22%3E%3Csvg%2Fonload%3Dalert(1)%3E' });
    expect(planted.status).toBe(400);
    expect(await t().counts()).toEqual(before);

    const explained = await call(t(), 'GET', `/api/v1/entries/${signup.body.data.entryId}/attribution`, fx.privateKey);
    expect(explained.status).toBe(200);
    expect(explained.body.data).toEqual({
      entryId: signup.body.data.entryId,
      referred: true,
      advocate: { id: fx.janeId, referralCode: 'REF-XYZ789', name: 'Jane Doe', email: 'jane@example.com' },
      codeSource: 'server_cookie',
      visits: { first: new Date(t().ctx.now() - 60_000).toISOString(), last: new Date(t().ctx.now() - 60_000).toISOString(), count: 1 },
      signedUpAt: new Date(t().ctx.now()).toISOString(),
      firstVisitToSignupMs: 60_000,
    });
  });

  it('records how each code arrived: script, body, webhook, api; only same-visitor visits count', async () => {
    await seed();
    await visit(FIRST_PARTY); // this visitor
    await visit({ ...FIRST_PARTY, 'user-agent': 'another browser' }); // someone else
    t().advance(5_000);
    await visit(FIRST_PARTY);
    t().advance(5_000);
    const viaScript = await post(t(), 'track-signup', { email: 's@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789', codeSource: 'script' });
    const viaBody = await post(t(), 'track-signup', { email: 'b@example.com', contestId: fx.contestId, referralCode: 'REF-ABC456' }, { 'user-agent': 'a backend' });
    const viaWebhook = await t().app.inject({
      method: 'POST',
      url: `/api/webhooks/signup/${fx.contestId}`,
      headers: { 'content-type': 'application/json', 'x-webhook-secret': fx.webhookSecret },
      payload: JSON.stringify({ email: 'w@example.com', referralCode: 'REF-XYZ789' }),
    });
    const viaApi = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { email: 'a@example.com', referralCode: 'REF-XYZ789' });
    const notReferred = await call(t(), 'POST', `/api/v1/contests/${fx.contestId}/entries`, fx.privateKey, { email: 'n@example.com' });

    const explain = async (id: string) => (await call(t(), 'GET', `/api/v1/entries/${id}/attribution`, fx.privateKey)).body.data;
    const script = await explain(viaScript.body.data.entryId);
    expect(script).toMatchObject({ codeSource: 'script', visits: { count: 2 }, firstVisitToSignupMs: 10_000 });
    expect(await explain(viaBody.body.data.entryId)).toMatchObject({ codeSource: 'body', advocate: { id: fx.johnId }, visits: { count: 0, first: null }, firstVisitToSignupMs: null });
    expect(await explain(viaWebhook.json().data.entryId)).toMatchObject({ codeSource: 'webhook', referred: true });
    expect(await explain(viaApi.body.data.id)).toMatchObject({ codeSource: 'api', referred: true });
    expect(await explain(notReferred.body.data.id)).toMatchObject({ referred: false, advocate: null, codeSource: null });
    const rows = await t().rows('attributions');
    expect(rows.map((r) => r.code_source).sort()).toEqual(['api', 'body', 'script', 'webhook']);
    // Visitor keys only: no IP or user agent is stored.
    expect(JSON.stringify(rows)).not.toMatch(/127\.0\.0\.1|Mozilla/);
  });

  it('purchases: the rule that chose the advocate (code, cookie, referrer) and how the code arrived', async () => {
    await seed();
    await visit(FIRST_PARTY);
    t().advance(90_000);
    const byCode = await post(t(), 'track-purchase', { email: 'p1@example.com', contestId: fx.contestId, orderId: 'O-1', amount: 10, referralCode: 'REF-XYZ789', codeSource: 'script' }, FIRST_PARTY);
    const byCookie = await post(t(), 'track-purchase', { email: 'p2@example.com', contestId: fx.contestId, orderId: 'O-2', amount: 10 }, { ...FIRST_PARTY, cookie: 'rocket_ref=REF-ABC456' });
    // A typed code comes after the cookie.
    const typed = await post(t(), 'track-purchase', { email: 'p3@example.com', contestId: fx.contestId, orderId: 'O-3', amount: 10, referralCode: 'REF-XYZ789', codeSource: 'typed' }, { ...FIRST_PARTY, cookie: 'rocket_ref=REF-ABC456' });
    const friend = await post(t(), 'track-signup', { email: 'f@example.com', contestId: fx.contestId, referralCode: 'REF-XYZ789' });
    const byReferrer = await post(t(), 'track-purchase', { email: 'f@example.com', contestId: fx.contestId, orderId: 'O-4', amount: 10 });
    expect(friend.status).toBe(200);

    const explain = async (res: { body: { data: { purchaseId: string } } }) =>
      (await call(t(), 'GET', `/api/v1/purchases/${res.body.data.purchaseId}/attribution`, fx.privateKey)).body.data;
    expect(await explain(byCode)).toMatchObject({
      orderId: 'O-1', referred: true, advocate: { id: fx.janeId }, codeSource: 'script', creditRule: 'code',
      visits: { count: 1 }, firstVisitToPurchaseMs: 90_000,
    });
    expect(await explain(byCookie)).toMatchObject({ advocate: { id: fx.johnId }, codeSource: 'server_cookie', creditRule: 'cookie' });
    expect(await explain(typed)).toMatchObject({ advocate: { id: fx.johnId }, codeSource: 'server_cookie', creditRule: 'cookie' });
    expect(await explain(byReferrer)).toMatchObject({ advocate: { id: fx.janeId }, codeSource: null, creditRule: 'referrer' });
  });

  it('explain needs a private key and a known id', async () => {
    await seed();
    expect((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/attribution`, fx.publicKey)).status).toBe(403);
    expect((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/attribution`)).status).toBe(401);
    expect(await call(t(), 'GET', '/api/v1/entries/nope/attribution', fx.privateKey)).toEqual({ status: 404, body: { success: false, error: 'Entry not found' } });
    expect(await call(t(), 'GET', '/api/v1/purchases/nope/attribution', fx.privateKey)).toEqual({ status: 404, body: { success: false, error: 'Purchase not found' } });
    expect((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/attribution`, fx.privateKey)).body.data).toMatchObject({ referred: false, codeSource: null });
  });
}));

forEachEngine((engine) => describe('first-party cookie behind a trusted proxy', () => {
  const t = useTestApp({ engine, trustProxy: 1 });

  it('is Secure when the proxy says the page was https, and takes the host the proxy forwarded', async () => {
    const fx = await seedV1(t());
    const res = await post(t(), 'track-visit', { referralCode: 'REF-XYZ789', contestId: fx.contestId }, {
      ...FIRST_PARTY,
      host: '127.0.0.1:3000',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.shop.co.uk',
      'x-forwarded-for': '203.0.113.7',
    });
    expect(res.setCookie).toBe(`rocket_ref=REF-XYZ789; Max-Age=${30 * 86400}; Path=/; Domain=shop.co.uk; HttpOnly; SameSite=Lax; Secure`);
  });
}));
