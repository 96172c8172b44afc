import { cleanCode, codeToStore } from './attribution.js';
import { capturePurchases, signupFormListener } from './auto-capture.js';
import type { Config } from './config.js';
import { clearCode, once, readCode, writeCode } from './storage.js';
import { decorateStripe } from './stripe.js';
import { failure, send, type Result } from './transport.js';

export interface RocketTracker {
  trackSignup(email: string, name?: string): Promise<Result>;
  trackPurchase(orderId: string, amount: number | string | undefined, currency: string | undefined, email: string | undefined): Promise<Result>;
  getReferralCode(): string | null;
  /** Consent gate: `true` starts tracking (capturing the landing page's code), `false` stops it and deletes the stored code. */
  consent(granted: boolean): void;
}

/** The collector refuses longer URLs. */
const clip = (url: string) => url.slice(0, 2048) || undefined;

/**
 * Wires one configured tracker into the page (history hooks, form listener, DOM observer),
 * captures the landing page's code unless consent is pending, and returns the public API.
 *
 * Consent: with `data-consent="required"` the gate starts closed — nothing is written or sent, and
 * track calls resolve `{success: false, error: "no consent"}` — until `consent(true)`. The choice is
 * not persisted: the site's consent manager calls `consent(true)` on each page view.
 */
export function createTracker(config: Config): RocketTracker {
  const landing = location.href;
  let granted = !config.consent;

  const post = (path: string, body: Record<string, unknown>) => {
    body.contestId = config.campaignId;
    return send(config.api + '/api/referral/' + path, body);
  };

  /** Runs a track call only with consent, turning any throw into `{success: false, error}`. */
  const guarded = (call: () => Promise<Result>): Promise<Result> => {
    try {
      return granted ? call() : failure('no consent');
    } catch (error) {
      return failure(error);
    }
  };

  /**
   * With consent: stores the code of `href` (a URL carrying `?ref=`) and sends one visit per code
   * per tab session, then tracks purchase elements and decorates Stripe embeds. Never throws.
   */
  const refresh = (href?: string) => {
    try {
      if (!granted) return;
      const code = href && cleanCode(new URL(href).searchParams.get(config.param));
      if (code) {
        const keep = codeToStore(readCode(), code, config.first);
        if (keep) writeCode(keep, config, location);
        if (once('v:' + code)) {
          post('track-visit', { referralCode: code, url: clip(href), referrer: clip(document.referrer) });
        }
      }
      capturePurchases(document, api.trackPurchase, once);
      const stored = readCode();
      if (config.stripe && stored) decorateStripe(document, stored);
    } catch {}
  };

  const api: RocketTracker = {
    trackSignup: (email, name) =>
      guarded(() => {
        const referralCode = readCode();
        return referralCode ? post('track-signup', { email, name, referralCode }) : failure('no referral code');
      }),
    trackPurchase: (orderId, amount, currency, email) =>
      guarded(() =>
        post('track-purchase', {
          email,
          orderId,
          amount: +(amount as number),
          currency: currency || undefined,
          referralCode: readCode() || undefined,
        }),
      ),
    getReferralCode: readCode,
    consent: (value) => {
      granted = value !== false;
      if (granted) {
        refresh(landing);
        refresh(location.href);
      } else {
        try {
          clearCode(config, location);
        } catch {}
      }
    },
  };

  (['pushState', 'replaceState'] as const).forEach((method) => {
    const original = history[method];
    history[method] = function (this: History) {
      // eslint-disable-next-line prefer-rest-params
      const result = original.apply(this, arguments as never);
      refresh(location.href);
      return result;
    };
  });
  addEventListener('popstate', () => refresh(location.href));
  document.addEventListener('submit', signupFormListener(api.trackSignup));
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
  }).observe(document.documentElement, { childList: true, subtree: true });
  refresh(landing);
  return api;
}
