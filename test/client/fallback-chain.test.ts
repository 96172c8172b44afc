// @vitest-environment happy-dom
/**
 * The code a signup or purchase uses (README "Making attribution stick"): explicit argument →
 * landing URL (`ref`, `via`, `referral`) → [server cookie] → script cookie → localStorage → a typed
 * code that validate-code accepted; first-click keeps the stored one. And link decoration for
 * `data-cross-domain` and Stripe.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readConfig } from '../../client/config.js';
import { decorate } from '../../client/decorate.js';
import { createTracker } from '../../client/tracker.js';

interface Sent {
  url: string;
  body: Record<string, unknown> | undefined;
}

let sent: Sent[];
let validCodes: string[];

function mockFetch() {
  sent = [];
  validCodes = [];
  vi.stubGlobal('fetch', vi.fn(async (url: string, init?: { body?: string }) => {
    sent.push({ url, body: init?.body ? JSON.parse(init.body) : undefined });
    const valid = url.includes('validate-code') && validCodes.includes(new URL(url).searchParams.get('code')!);
    return {
      json: async () => (url.includes('validate-code') ? { valid } : { success: true }),
      headers: new Headers({ 'rocket-cookie-days': '30' }),
    };
  }));
}

/** A tracker configured like `<script data-api=… data-*>` on a page at `path` of http://localhost:3000. */
function trackerAt(path: string, data: Record<string, string> = {}) {
  // Not history.replaceState: earlier tests' trackers hooked it and would capture the code.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL('http://localhost:3000' + path);
  const script = document.createElement('script');
  script.src = 'https://collector.example/referral-tracker.js?campaignId=c1';
  Object.assign(script.dataset, data);
  return createTracker(readConfig(script));
}

const posted = (endpoint: string) => sent.filter((s) => s.url.endsWith('/api/referral/' + endpoint)).map((s) => s.body);
const setCookie = (code: string) => void (document.cookie = `rocket_ref=${code};path=/`);

beforeEach(() => {
  mockFetch();
  localStorage.clear();
  sessionStorage.clear();
  document.cookie = 'rocket_ref=;path=/;max-age=0';
  document.body.innerHTML = '';
});
afterEach(() => vi.unstubAllGlobals());

describe('fallback chain', () => {
  it('the explicit argument wins over the landing URL, the cookie and a typed code', async () => {
    const tracker = trackerAt('/?ref=REF-LANDING');
    document.body.innerHTML = '<input data-rocket-code value="REF-TYPED">';
    await tracker.trackSignup('a@example.com', undefined, 'REF-EXPLICIT');
    expect(posted('track-signup')).toEqual([{ email: 'a@example.com', referralCode: 'REF-EXPLICIT', contestId: 'c1' }]);
  });

  it('then the landing URL: ref, via and referral (in that order), marked as from the script', async () => {
    const tracker = trackerAt('/?referral=REF-THIRD&via=REF-SECOND');
    setCookie('REF-COOKIE');
    // The landing code was stored (last click), replacing REF-COOKIE; wipe it to see the URL step.
    document.cookie = 'rocket_ref=;path=/;max-age=0';
    await tracker.trackSignup('b@example.com');
    expect(posted('track-signup')[0]).toMatchObject({ referralCode: 'REF-SECOND', codeSource: 'script' });
  });

  it('data-param names the only parameter read', async () => {
    const tracker = trackerAt('/?ref=REF-IGNORED&aff=REF-AFF', { param: 'aff' });
    expect(tracker.getReferralCode()).toBe('REF-AFF');
  });

  it('then the script cookie, then localStorage, each checked again when read', async () => {
    const tracker = trackerAt('/');
    setCookie('REF-COOKIE');
    localStorage.setItem('rocket_ref', JSON.stringify({ code: 'REF-LOCAL', expires: Date.now() + 1e6 }));
    await tracker.trackSignup('c@example.com');
    setCookie(encodeURIComponent('"><svg/onload=alert(1)>'));
    await tracker.trackSignup('d@example.com');
    localStorage.setItem('rocket_ref', JSON.stringify({ code: '"><svg/onload=alert(1)>', expires: Date.now() + 1e6 }));
    expect(await tracker.trackSignup('e@example.com')).toEqual({ success: false, error: 'no referral code' });
    expect(posted('track-signup').map((b) => b!.referralCode)).toEqual(['REF-COOKIE', 'REF-LOCAL']);
  });

  it('last: a typed code, only once validate-code accepted it', async () => {
    const tracker = trackerAt('/');
    document.body.innerHTML = '<form><input data-rocket-code value=" REF-TYPED "></form>';
    expect(await tracker.trackSignup('f@example.com')).toEqual({ success: false, error: 'no referral code' });
    validCodes.push('REF-TYPED');
    await tracker.trackSignup('g@example.com');
    expect(sent.filter((s) => s.url.includes('validate-code')).map((s) => new URL(s.url).search)).toEqual([
      '?code=REF-TYPED&contestId=c1',
      '?code=REF-TYPED&contestId=c1',
    ]);
    expect(posted('track-signup')).toEqual([{ email: 'g@example.com', referralCode: 'REF-TYPED', codeSource: 'typed', contestId: 'c1' }]);
  });

  it('a typed value that is not a code is never sent anywhere', async () => {
    const tracker = trackerAt('/');
    document.body.innerHTML = '<input data-rocket-code value="&quot;><svg/onload=alert(1)>">';
    expect(await tracker.trackSignup('h@example.com')).toEqual({ success: false, error: 'no referral code' });
    expect(sent).toEqual([]);
  });

  it('first click: the stored code comes before the landing URL', async () => {
    setCookie('REF-FIRST');
    const tracker = trackerAt('/?ref=REF-LATER', { attribution: 'first' });
    expect(tracker.getReferralCode()).toBe('REF-FIRST');
    await tracker.trackPurchase('o-1', 10, 'USD', 'i@example.com');
    expect(posted('track-purchase')[0]).toMatchObject({ referralCode: 'REF-FIRST', codeSource: 'script' });
    // The later click is still a visit.
    expect(posted('track-visit').map((b) => b!.referralCode)).toEqual(['REF-LATER']);
  });

  it('a landing stores its code: last click replaces the stored one, first click keeps it', () => {
    const cookie = () => /rocket_ref=([^;]*)/.exec(document.cookie)?.[1];
    setCookie('REF-OLD');
    trackerAt('/?ref=REF-NEW');
    expect(cookie()).toBe('REF-NEW');
    setCookie('REF-OLD');
    trackerAt('/?ref=REF-NEWER', { attribution: 'first' });
    expect(cookie()).toBe('REF-OLD');
  });

  it('first-party mode (collector on this origin) sends a signup without a code, for the server cookie to supply', async () => {
    const tracker = trackerAt('/', { api: '/_rr' });
    await tracker.trackSignup('j@example.com');
    expect(sent.map((s) => s.url)).toEqual(['/_rr/api/referral/track-signup']);
    expect(posted('track-signup')).toEqual([{ email: 'j@example.com', contestId: 'c1' }]);
    // A third-party collector gets nothing without a code.
    const thirdParty = trackerAt('/');
    expect(await thirdParty.trackSignup('k@example.com')).toEqual({ success: false, error: 'no referral code' });
    expect(sent).toHaveLength(1);
  });
});

describe('decorate: cross-domain links and forms, Stripe', () => {
  const hosts = ['app.other.example', 'checkout.example.net'];

  it('adds ?ref=CODE to links and forms going to the listed hosts and their subdomains, nothing else', () => {
    document.body.innerHTML = `
      <a id="app" href="https://app.other.example/signup?plan=pro#top">app</a>
      <a id="sub" href="https://eu.checkout.example.net/">sub</a>
      <a id="same" href="/pricing">same site</a>
      <a id="other" href="https://elsewhere.example/">other</a>
      <a id="lookalike" href="https://notapp.other.example.evil/">lookalike</a>
      <form id="get" action="https://app.other.example/join"><input name="email"></form>
      <form id="post" method="post" action="https://checkout.example.net/pay"></form>`;
    decorate('REF-XYZ789', hosts, 'ref');
    const href = (id: string) => (document.getElementById(id) as HTMLAnchorElement).href;
    expect(href('app')).toBe('https://app.other.example/signup?plan=pro&ref=REF-XYZ789#top');
    expect(href('sub')).toBe('https://eu.checkout.example.net/?ref=REF-XYZ789');
    expect(href('same')).not.toContain('ref=');
    expect(href('other')).toBe('https://elsewhere.example/');
    expect(href('lookalike')).toBe('https://notapp.other.example.evil/');
    const get = document.getElementById('get') as HTMLFormElement;
    expect(get.action).toBe('https://app.other.example/join?ref=REF-XYZ789');
    // A GET form's query is replaced by its fields on submit: the code is also a hidden field.
    expect([...new FormData(get).entries()]).toEqual([['email', ''], ['ref', 'REF-XYZ789']]);
    const post = document.getElementById('post') as HTMLFormElement;
    expect(post.action).toBe('https://checkout.example.net/pay?ref=REF-XYZ789');
    expect(post.querySelector('input')).toBeNull();
  });

  it("follows the code when it changes, but leaves a value the site set itself", () => {
    document.body.innerHTML = `<a id="ours" href="https://app.other.example/">x</a><a id="site" href="https://app.other.example/?ref=SITE-OWN">y</a>`;
    decorate('REF-A', hosts, 'ref');
    decorate('REF-B', hosts, 'ref');
    expect((document.getElementById('ours') as HTMLAnchorElement).href).toBe('https://app.other.example/?ref=REF-B');
    expect((document.getElementById('site') as HTMLAnchorElement).href).toBe('https://app.other.example/?ref=SITE-OWN');
  });

  it('Stripe: Payment Links get client_reference_id, embeds the client-reference-id attribute', () => {
    document.body.innerHTML = `<a id="pl" href="https://buy.stripe.com/test_123">buy</a><stripe-buy-button id="bb"></stripe-buy-button>
      <stripe-pricing-table id="own" client-reference-id="user-42"></stripe-pricing-table>`;
    decorate('REF-XYZ789', ['buy.stripe.com'], 'client_reference_id', ',stripe-buy-button,stripe-pricing-table');
    expect((document.getElementById('pl') as HTMLAnchorElement).href).toBe('https://buy.stripe.com/test_123?client_reference_id=REF-XYZ789');
    expect(document.getElementById('bb')!.getAttribute('client-reference-id')).toBe('REF-XYZ789');
    expect(document.getElementById('own')!.getAttribute('client-reference-id')).toBe('user-42');
  });
});
