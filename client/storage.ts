import Cookies from 'js-cookie';
import { REFERRAL_COOKIE } from '../server/wire.js';
import { cleanCode } from './attribution.js';

/**
 * Where the referral code lives: the first-party cookie `rocket_ref` (value = the code, e.g.
 * `REF-XYZ789`), read and written with js-cookie, or, only when the browser refuses that cookie,
 * localStorage `rocket_ref` = `{"code":"REF-XYZ789","expires":<ms since epoch>}`. `domains` is the
 * page's `cookieDomains` list: every domain a copy may have been written on, in the order to try.
 */

/**
 * The stored code: the cookie, else an unexpired localStorage copy, else null; each checked again
 * with cleanCode (a sibling subdomain may have planted anything). Never throws (in a sandboxed
 * iframe, merely reading `document.cookie` or `localStorage` does).
 */
export function readCode(): string | null {
  try {
    const cookie = cleanCode(Cookies.get(REFERRAL_COOKIE));
    if (cookie) return cookie;
    const saved = JSON.parse(localStorage[REFERRAL_COOKIE]);
    if (saved.expires > Date.now()) return cleanCode(saved.code);
  } catch {}
  return null;
}

/**
 * Deletes every copy: host-only and parent-domain cookies, and the localStorage fallback. Never
 * throws (where `document.cookie` throws, a sandboxed iframe, localStorage does too).
 */
export function clearCode(domains: string[]): void {
  try {
    domains.forEach((domain) => Cookies.set(REFERRAL_COOKIE, '', { domain, expires: -1 }));
    localStorage.removeItem(REFERRAL_COOKIE);
  } catch {}
}

/**
 * Stores `code` for `days` in a cookie (`SameSite=Lax`, `Secure` on https, path `/`, expiring by
 * the page's clock) on the first of `domains` the browser accepts (written, then read back); when
 * none is accepted, in localStorage with the same lifetime. Throws when storage itself throws;
 * callers guard.
 */
export function writeCode(code: string, days: number, domains: string[]): void {
  clearCode(domains);
  if (
    !domains.some(
      (domain) => (
        Cookies.set(REFERRAL_COOKIE, code, { domain, expires: days, sameSite: 'Lax', secure: location.protocol == 'https:' }),
        Cookies.get(REFERRAL_COOKIE) == code
      ),
    )
  ) {
    localStorage[REFERRAL_COOKIE] = JSON.stringify({ code, expires: Date.now() + days * 864e5 });
  }
}

const seen: Record<string, 1> = {};

/**
 * True the first time `key` is seen in this tab's session (sessionStorage survives reloads and
 * same-tab navigation); in memory only when sessionStorage is unavailable.
 */
export function once(key: string): boolean {
  key = REFERRAL_COOKIE + ':' + key;
  if (seen[key]) return false;
  seen[key] = 1;
  try {
    if (sessionStorage[key]) return false;
    sessionStorage[key] = 1;
  } catch {}
  return true;
}
