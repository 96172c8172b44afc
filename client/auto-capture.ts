/**
 * Tracking without code: `<form data-rocket-signup>` submissions and `[data-rocket-purchase]`
 * elements (typically on a thank-you page).
 */

import { once } from './storage.js';

type TrackSignup = (email: string, name?: string) => unknown;
type TrackPurchase = (orderId: string, amount?: string, currency?: string, email?: string) => unknown;

/** The trimmed value of the first `selector` field inside `root`, else ''. */
export function field(root: ParentNode, selector: string): string {
  return (((root.querySelector(selector) || {}) as HTMLInputElement).value || '').trim();
}

/**
 * For a `form[data-rocket-signup]` being submitted, tracks a signup with the value of its first
 * `[type=email]` or `[name=email]` field and, when present, its `[name=name]` field. Called from a
 * document `submit` listener, in the bubbling phase, after the site's own handlers; it never cancels
 * the submission. Throws on a target that is not an element; the caller guards.
 */
export function captureSignup(form: Element, trackSignup: TrackSignup): void {
  const email = form.matches('form[data-rocket-signup]') && field(form, '[type=email],[name=email]');
  if (email) trackSignup(email, field(form, '[name=name]') || undefined);
}

/**
 * Tracks each `[data-rocket-purchase]` element's order (`data-order-id`, `data-amount`,
 * `data-currency`, `data-email`) once per tab session.
 */
export function capturePurchases(trackPurchase: TrackPurchase) {
  document.querySelectorAll<HTMLElement>('[data-rocket-purchase]').forEach((element) => {
    const { orderId, amount, currency, email } = element.dataset;
    if (orderId && once('p:' + orderId)) trackPurchase(orderId, amount, currency, email);
  });
}
