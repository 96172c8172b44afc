// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cookieDomains } from '../../client/attribution.js';
import { clearCode, once, readCode, writeCode } from '../../client/storage.js';

/**
 * A cookie jar standing in for `document.cookie` that behaves like a browser where it matters:
 * refuses public suffixes and domains the host is not inside, deletes on Max-Age ≤ 0, and can
 * refuse everything (cookies blocked).
 */
function fakeJar(hostname: string, publicSuffixes = ['test', 'co.uk']) {
  const jar = new Map<string, { value: string; attributes: Record<string, string> }>();
  const writes: string[] = [];
  const state = { blocked: false };
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => [...jar.values()].map((c) => c.attributes.$name + '=' + c.value).join('; '),
    set(line: string) {
      writes.push(line);
      if (state.blocked) return;
      const [pair, ...parts] = line.split(';');
      const [name, value] = pair.split('=');
      const attributes: Record<string, string> = { $name: name };
      for (const part of parts) {
        const [key, val = ''] = part.split('=');
        attributes[key.trim().toLowerCase()] = val;
      }
      const domain = attributes.domain ?? '';
      if (domain && (publicSuffixes.includes(domain) || !(hostname === domain || hostname.endsWith('.' + domain)))) return;
      const key = name + '|' + domain;
      // js-cookie writes `expires=<UTC date>` (by the page's clock); a date in the past deletes.
      if (Date.parse(attributes.expires) <= Date.now()) jar.delete(key);
      else jar.set(key, { value, attributes });
    },
  });
  return { jar, writes, state };
}

/** The page's cookie domains, as the tracker computes them. */
const domainsOf = (href: string, explicit = '') => cookieDomains(new URL(href).hostname, explicit);

/** writeCode as the tracker calls it on a page at `href` (whose protocol decides `Secure`). */
function write(code: string, href: string, days = 30, explicit = '') {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(href);
  writeCode(code, days, domainsOf(href, explicit));
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});
afterEach(() => {
  delete (document as { cookie?: string }).cookie;
});

describe('cookie domain choice', () => {
  it('stores the code on the highest domain the browser accepts, so subdomains share it', () => {
    const { jar } = fakeJar('www.shop.test');
    write('REF-XYZ789', 'http://www.shop.test/landing');
    expect([...jar.keys()]).toEqual(['rocket_ref|shop.test']);
    const { attributes } = jar.get('rocket_ref|shop.test')!;
    expect(attributes).toMatchObject({ path: '/', samesite: 'Lax' });
    expect(Date.parse(attributes.expires) - Date.now()).toBeGreaterThan(30 * 864e5 - 60_000);
    expect(Date.parse(attributes.expires) - Date.now()).toBeLessThanOrEqual(30 * 864e5);
    expect(attributes.secure).toBeUndefined();
    expect(readCode()).toBe('REF-XYZ789');
    expect(localStorage.getItem('rocket_ref')).toBeNull();
  });

  it('skips public suffixes (co.uk) and marks the cookie Secure on https', () => {
    const { jar } = fakeJar('www.shop.co.uk');
    write('REF-XYZ789', 'https://www.shop.co.uk/', 7);
    expect([...jar.keys()]).toEqual(['rocket_ref|shop.co.uk']);
    const { attributes } = jar.get('rocket_ref|shop.co.uk')!;
    expect(attributes.secure).toBe('');
    expect(Date.parse(attributes.expires) - Date.now()).toBeGreaterThan(7 * 864e5 - 60_000);
  });

  it('uses data-cookie-domain when given', () => {
    const { jar } = fakeJar('www.shop.test');
    write('REF-XYZ789', 'http://www.shop.test/', 30, 'www.shop.test');
    expect([...jar.keys()]).toEqual(['rocket_ref|www.shop.test']);
  });

  it('gives localhost a host-only cookie', () => {
    const { jar } = fakeJar('localhost');
    write('REF-XYZ789', 'http://localhost:3000/');
    expect([...jar.keys()]).toEqual(['rocket_ref|']);
  });

  it('last click replaces the stored cookie instead of adding a second one', () => {
    const { jar } = fakeJar('www.shop.test');
    write('REF-AAAAAA', 'http://www.shop.test/');
    write('REF-BBBBBB', 'http://www.shop.test/');
    expect(jar.size).toBe(1);
    expect(readCode()).toBe('REF-BBBBBB');
  });
});

describe('localStorage fallback', () => {
  it('is used only when the cookie does not stick, with the same lifetime', () => {
    const { state } = fakeJar('www.shop.test');
    state.blocked = true;
    const before = Date.now();
    write('REF-XYZ789', 'http://www.shop.test/');
    const saved = JSON.parse(localStorage.getItem('rocket_ref')!);
    expect(saved.code).toBe('REF-XYZ789');
    expect(saved.expires).toBeGreaterThanOrEqual(before + 30 * 864e5);
    expect(readCode()).toBe('REF-XYZ789');
  });

  it('ignores an expired copy', () => {
    fakeJar('www.shop.test');
    localStorage.setItem('rocket_ref', JSON.stringify({ code: 'REF-OLD', expires: Date.now() - 1 }));
    expect(readCode()).toBeNull();
  });

  it('clearCode removes the cookie and the fallback', () => {
    const { jar } = fakeJar('www.shop.test');
    write('REF-XYZ789', 'http://www.shop.test/');
    localStorage.setItem('rocket_ref', JSON.stringify({ code: 'REF-X', expires: Date.now() + 1e6 }));
    clearCode(domainsOf('http://www.shop.test/'));
    expect(jar.size).toBe(0);
    expect(readCode()).toBeNull();
  });
});

describe('codes read back are checked again (issue 20: a sibling subdomain can plant anything)', () => {
  for (const planted of ['"><svg/onload=alert(1)>', '%22%3E%3Csvg%2Fonload%3Dalert(1)%3E', 'a b', 'x'.repeat(65)]) {
    it(`ignores a planted cookie ${JSON.stringify(planted.slice(0, 24))} and falls back to a valid localStorage copy`, () => {
      const { jar } = fakeJar('app.shop.test');
      jar.set('rocket_ref|shop.test', { value: planted, attributes: { $name: 'rocket_ref' } });
      expect(readCode()).toBeNull();
      localStorage.setItem('rocket_ref', JSON.stringify({ code: 'REF-GOOD', expires: Date.now() + 1e6 }));
      expect(readCode()).toBe('REF-GOOD');
    });
  }

  it('ignores a planted localStorage copy', () => {
    fakeJar('app.shop.test');
    localStorage.setItem('rocket_ref', JSON.stringify({ code: '"><svg/onload=alert(1)>', expires: Date.now() + 1e6 }));
    expect(readCode()).toBeNull();
    localStorage.setItem('rocket_ref', JSON.stringify({ code: { toString: 'x' }, expires: Date.now() + 1e6 }));
    expect(readCode()).toBeNull();
  });
});

describe('once', () => {
  it('is true once per key per tab session, and remembers it in sessionStorage', () => {
    expect(once('v:REF-ONE')).toBe(true);
    expect(once('v:REF-ONE')).toBe(false);
    expect(sessionStorage.getItem('rocket_ref:v:REF-ONE')).toBe('1');
    expect(once('v:REF-TWO')).toBe(true);
  });

  it('honours a key set by an earlier page load of the same tab', () => {
    sessionStorage.setItem('rocket_ref:v:REF-RELOAD', '1');
    expect(once('v:REF-RELOAD')).toBe(false);
  });
});
