import { cleanCode, codeInUrl, cookieDomains } from './attribution.js';
import { capturePurchases, captureSignup, field } from './auto-capture.js';
import { COOKIE_DAYS_HEADER } from '../server/wire.js';
import type { Config } from './config.js';
import { decorate } from './decorate.js';
import { clearCode, once, readCode, writeCode } from './storage.js';
import { failure, send, type Result } from './transport.js';

export interface RocketTracker {
  /** `code` (optional) wins over every stored code; see `track`. */
  trackSignup(email: string, name?: string, code?: string): Promise<Result>;
  trackPurchase(orderId: string, amount: number | string | undefined, currency: string | undefined, email: string | undefined, code?: string): Promise<Result>;
  getReferralCode(): string | null;
  /** Consent gate: `true` starts tracking (capturing the landing page's code), `false` stops it and deletes the stored code. */
  consent(granted: boolean): void;
}


/**
 * Wires one configured tracker into the page (history hooks, form listener, DOM observer),
 * captures the landing page's code unless consent is pending, and returns the public API.
 *
 * Consent: with `data-consent="required"` the gate starts closed — nothing is written or sent, and
 * track calls resolve `{success: false, error: "no consent"}` — until `consent(true)`. The choice is
 * not persisted: the site's consent manager calls `consent(true)` on each page view.
 *
 * First-party mode: when the collector is on this page's origin (`data-api="/_rr"` behind the
 * site's reverse proxy), track-visit also sets an HttpOnly cookie the script cannot read, so
 * signups and purchases are sent even when the script holds no code: the collector supplies it.
 */
export function createTracker(config: Config): RocketTracker {
  // The URL the page was loaded with: an SPA router may have replaced `?ref=` before this runs.
  const [navigation] = performance.getEntriesByType('navigation');
  const landing = navigation ? navigation.name : location.href;
  const base = config.api + '/api/referral/';
  const firstParty = new URL(base, landing).origin == location.origin;
  const domains = cookieDomains(location.hostname, config.cookieDomain);
  let granted = !config.consentRequired;
  /** The code of the latest landing on this page (the loaded URL, or a later SPA URL with a code). */
  let landed: string | null | undefined;
  /** The contest's cookie lifetime, once a visit answer on this page said it. */
  let contestDays = 0;

  const post = (path: string, body: Record<string, unknown>, read?: (response: Response) => unknown) => {
    body.contestId = config.campaignId;
    return send(base + path, body, read);
  };

  /** Stores `code` for `data-cookie-days`, else the contest's lifetime, else 30 days. */
  const store = (code: string) => writeCode(code, config.lifetime || contestDays || 30, domains);

  /**
   * The code without asking anyone: the landing URL's parameter and the stored code (cookie, then
   * localStorage), the stored one first in first-click mode. The first-party server cookie sits
   * between them in the documented order; the script cannot read it (HttpOnly), and both are
   * written at the same landing, so they agree.
   */
  const current = () => {
    const stored = readCode();
    return (config.firstClick ? stored || landed : landed || stored) || null;
  };

  /**
   * A track call: with consent, finds the code by the documented fallback chain — the explicit
   * argument → the landing URL → (server cookie) → script cookie → localStorage → a code typed into
   * `[data-rocket-code]`, which the collector's validate-code must accept first — and POSTs `body`
   * with it (and where it came from, `codeSource`); without a code only when `always`. Resolves
   * `{success: false, error}` instead of throwing or rejecting.
   */
  const track = async (path: string, body: Record<string, unknown>, explicit: string | undefined, always: unknown): Promise<Result> => {
    try {
      if (!granted) return failure('no consent');
      let code = cleanCode(explicit);
      if (!code && (code = current())) body.codeSource = 'script';
      if (!code) {
        const typed = cleanCode(field(document, '[data-rocket-code]'));
        try {
          // Contest ids are [A-Za-z0-9_-] (the collector refuses others): nothing to encode.
          if (typed && (await (await fetch(base + 'validate-code?code=' + typed + '&contestId=' + config.campaignId)).json()).valid) {
            code = typed;
            body.codeSource = 'typed';
          }
        } catch {}
      }
      body.referralCode = code || undefined;
      return code || always ? await post(path, body) : failure('no referral code');
    } catch (error) {
      return failure(error);
    }
  };

  /**
   * With consent: stores the code of `href` (a URL carrying `?ref=`) and sends one visit per code
   * per tab session, then tracks purchase elements and decorates Stripe embeds and cross-domain
   * links. A reload of a landing already counted this session does not restart the code's
   * lifetime (it is not a new click). Never throws.
   */
  const refresh = (href?: string) => {
    try {
      if (!granted) return;
      const code = href && codeInUrl(href, config.params);
      if (code) {
        landed = code;
        const fresh = once('v:' + code);
        const stored = readCode();
        // Last click (default) replaces the stored code, and a new click restarts its lifetime;
        // first click keeps a stored code until it expires.
        if (!(config.firstClick && stored) && (fresh || code != stored)) store(code);
        if (fresh) {
          // The collector refuses URLs over 2,048 characters; an empty referrer is left out.
          post('track-visit', { referralCode: code, url: href.slice(0, 2048), referrer: document.referrer.slice(0, 2048) || undefined }, (response) => {
            // The contest's lifetime, unless the page set one: the code just stored keeps it.
            if ((contestDays = +response.headers.get(COOKIE_DAYS_HEADER)!) && !config.lifetime && readCode() == code) store(code);
          });
        }
      }
      capturePurchases(api.trackPurchase);
      const now = current();
      if (now) {
        if (config.stripe) decorate(now, ['buy.stripe.com'], 'client_reference_id', ',stripe-buy-button,stripe-pricing-table');
        if (config.cross[0]) decorate(now, config.cross, config.params[0]);
      }
    } catch {}
  };

  /** Looks at the current URL; hands `result` back (the history wrappers return the original's). */
  const onUrl = <T>(result?: T) => (refresh(location.href), result);

  const api: RocketTracker = {
    trackSignup: (email, name, code) => track('track-signup', { email, name }, code, firstParty),
    trackPurchase: (orderId, amount, currency, email, code) =>
      track('track-purchase', { email, orderId, amount: +(amount as number), currency: currency || undefined }, code, 1),
    getReferralCode: current,
    consent: (value) => {
      if ((granted = value !== false)) {
        refresh(landing);
        onUrl();
      } else {
        landed = null;
        clearCode(domains);
      }
    },
  };

  (['pushState', 'replaceState'] as const).forEach((method) => {
    const original = history[method];
    history[method] = function (this: History) {
      // eslint-disable-next-line prefer-rest-params
      return onUrl(original.apply(this, arguments as never));
    };
  });
  addEventListener('popstate', onUrl);
  document.addEventListener('submit', (event) => {
    try {
      captureSignup(event.target as Element, api.trackSignup);
    } catch {}
  });
  // Busy pages mutate the DOM constantly: look for new purchase elements and Stripe embeds at
  // most every 250 ms, not on every mutation.
  let pending: unknown;
  new MutationObserver(() => {
    pending =
      pending ||
      setTimeout(() => {
        pending = 0;
        refresh();
      }, 250);
  }).observe(document, { childList: true, subtree: true });
  refresh(landing);
  return api;
}
