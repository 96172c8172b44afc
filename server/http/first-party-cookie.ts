import type { FastifyRequest } from 'fastify';
import { getDomain } from 'tldts';
import { REFERRAL_COOKIE } from '../wire.js';
import { readCookie } from './cookies.js';

/** Only values the script itself would store go into a header: no `;`, `,`, spaces or quotes. */
const COOKIE_SAFE_CODE = /^[\w.-]{1,64}$/;

/** The registrable domain ("site") of a host: `www.shop.co.uk` → `shop.co.uk`; none for IPs and `localhost`. */
export function registrableDomain(hostname: string): string | null {
  return getDomain(hostname, { allowPrivateDomains: true });
}

function hostOf(url: string | undefined): string | null {
  try {
    return url ? new URL(url).hostname : null;
  } catch {
    return null;
  }
}

/**
 * True when the browser sent this request from a page of the same site as the host it addressed:
 * the collector is reached through the customer's own site (a reverse-proxied path such as
 * `https://shop.example/_rr/`). Browsers say so in `Sec-Fetch-Site`; older ones send only
 * `Origin` (or `Referer`), whose site must then equal the host's. A third-party collector host
 * (cross-site) never qualifies.
 */
export function sameSiteRequest(request: FastifyRequest): boolean {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite) return fetchSite === 'same-origin' || fetchSite === 'same-site';
  const from = hostOf(request.headers.origin) ?? hostOf(request.headers.referer);
  if (!from) return false;
  const host = request.hostname;
  return from === host || (registrableDomain(from) ?? from) === (registrableDomain(host) ?? host);
}

/**
 * The `Set-Cookie` value for first-party mode, or undefined when it does not apply: `rocket_ref=CODE;
 * HttpOnly; SameSite=Lax; Path=/; Max-Age` = the contest's cookie lifetime, `Secure` on https,
 * `Domain` = the host's registrable domain (so `www.` and `app.` share it; host-only on IPs and
 * `localhost`). Only for a same-site request (see sameSiteRequest); with first-click attribution a
 * code the request's cookie already holds is kept. Safari caps cookies written by JavaScript at 7
 * days, but not first-party cookies a server sets over HTTP: this one outlives the script's.
 */
export function firstPartyCookie(request: FastifyRequest, code: string, days: number, firstClick: boolean): string | undefined {
  if (!COOKIE_SAFE_CODE.test(code) || !sameSiteRequest(request)) return undefined;
  const held = readCookie(request.headers.cookie, REFERRAL_COOKIE);
  if (firstClick && held && COOKIE_SAFE_CODE.test(held)) return undefined;
  const domain = registrableDomain(request.hostname);
  return [
    `${REFERRAL_COOKIE}=${code}`,
    `Max-Age=${Math.round(days * 86_400)}`,
    'Path=/',
    ...(domain ? [`Domain=${domain}`] : []),
    'HttpOnly',
    'SameSite=Lax',
    ...(request.protocol === 'https' ? ['Secure'] : []),
  ].join('; ');
}
