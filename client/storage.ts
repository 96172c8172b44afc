import { REFERRAL_COOKIE } from '../server/wire.js';
import { cookieDomains } from './attribution.js';
import { getCookie, setCookie } from './cookie.js';

/**
 * Where the referral code lives: the first-party cookie `rocket_ref` (value = the code, e.g.
 * `REF-XYZ789`), or, only when the browser refuses that cookie, localStorage `rocket_ref` =
 * `{"code":"REF-XYZ789","expires":<ms since epoch>}`.
 */
export interface CookieOptions {
  /** Lifetime in days. */
  days: number;
  /** Explicit cookie domain; '' = the highest domain the browser accepts. */
  domain: string;
}

/**
 * The stored code: the cookie, else an unexpired localStorage copy, else null. Never throws (in a
 * sandboxed iframe, merely reading `document.cookie` or `localStorage` does).
 */
export function readCode(): string | null {
  try {
    const cookie = getCookie(REFERRAL_COOKIE);
    if (cookie) return cookie;
    const saved = JSON.parse(localStorage[REFERRAL_COOKIE]);
    if (saved.expires > Date.now()) return saved.code;
  } catch {}
  return null;
}

/** Deletes every copy: host-only and parent-domain cookies, and the localStorage fallback. */
export function clearCode(options: CookieOptions, loc: Location): void {
  cookieDomains(loc.hostname, options.domain).forEach((domain) => setCookie(REFERRAL_COOKIE, '', -1, domain));
  try {
    localStorage.removeItem(REFERRAL_COOKIE);
  } catch {}
}

/**
 * Stores `code` in a cookie (`SameSite=Lax`, `Secure` on https, path `/`) on the first domain of
 * `cookieDomains` the browser accepts (written, then read back); when none is accepted, in
 * localStorage with the same lifetime. Throws when storage itself throws; callers guard.
 */
export function writeCode(code: string, options: CookieOptions, loc: Location): void {
  clearCode(options, loc);
  if (
    !cookieDomains(loc.hostname, options.domain).some(
      (domain) => (setCookie(REFERRAL_COOKIE, code, options.days, domain, loc.protocol == 'https:'), getCookie(REFERRAL_COOKIE) == code),
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
