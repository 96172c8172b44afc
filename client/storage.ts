import Cookies from 'js-cookie';
import { REFERRAL_COOKIE } from '../server/wire.js';
import { cleanCode, cookieDomains } from './attribution.js';

/**
 * Where the referral code lives: the first-party cookie `rocket_ref` (value = the code, e.g.
 * `REF-XYZ789`), read and written with js-cookie, or, only when the browser refuses that cookie,
 * localStorage `rocket_ref` = `{"code":"REF-XYZ789","expires":<ms since epoch>}`.
 */
export interface CookieOptions {
  /** Lifetime in days. */
  days: number;
  /** Explicit cookie domain; '' = the highest domain the browser accepts. */
  domain: string;
}

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

/** Deletes every copy: host-only and parent-domain cookies, and the localStorage fallback. */
export function clearCode(options: CookieOptions, loc: Location): void {
  cookieDomains(loc.hostname, options.domain).forEach((domain) => Cookies.remove(REFERRAL_COOKIE, { domain }));
  try {
    localStorage.removeItem(REFERRAL_COOKIE);
  } catch {}
}

/**
 * Stores `code` in a cookie (`SameSite=Lax`, `Secure` on https, path `/`, expiring `days` from now
 * by the page's clock) on the first domain of `cookieDomains` the browser accepts (written, then
 * read back); when none is accepted, in localStorage with the same lifetime. Throws when storage
 * itself throws; callers guard.
 */
export function writeCode(code: string, options: CookieOptions, loc: Location): void {
  clearCode(options, loc);
  if (
    !cookieDomains(loc.hostname, options.domain).some(
      (domain) => (
        Cookies.set(REFERRAL_COOKIE, code, { expires: options.days, domain, sameSite: 'Lax', secure: loc.protocol == 'https:' }),
        Cookies.get(REFERRAL_COOKIE) == code
      ),
    )
  ) {
    localStorage[REFERRAL_COOKIE] = JSON.stringify({ code, expires: Date.now() + options.days * 864e5 });
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
