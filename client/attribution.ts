/**
 * Pure attribution rules: which values are codes, where a URL carries one, which cookie domains
 * to try. No DOM access here.
 */

/**
 * A code from a URL, a cookie, localStorage or a form field, trimmed; anything that is not 1–64 of
 * [A-Za-z0-9_.-] is ignored. Stored values are checked again when read back: a sibling subdomain
 * can plant a `rocket_ref` cookie on the shared domain, and whatever it holds must never reach
 * Stripe's client_reference_id, links or the collector.
 */
export function cleanCode(raw: string | null | undefined): string | null {
  const code = (raw || '').trim();
  return /^[\w.-]{1,64}$/.test(code) ? code : null;
}

/** The first valid code among the URL's parameters `params` (e.g. `ref`, `via`, `referral`), else undefined. */
export function codeInUrl(href: string, params: string[]): string | null | undefined {
  return params.map((param) => cleanCode(new URL(href).searchParams.get(param))).find((code) => code);
}

/**
 * Cookie domains to try, in order: the explicit one, else every parent domain from the highest
 * down — `www.shop.example.co.uk` → `co.uk`, `example.co.uk`, `shop.example.co.uk`,
 * `www.shop.example.co.uk`. The browser refuses public suffixes (`co.uk`, `test`, `github.io`), so
 * the first one that sticks is the registrable domain, shared by `www.` and `app.`. The list always
 * ends with '' (a host-only cookie): that is what single-label hosts (`localhost`) and IP addresses
 * end up with (a browser refuses `0.1` for `127.0.0.1`).
 */
export function cookieDomains(hostname: string, explicit: string): string[] {
  const labels = hostname.split('.');
  return (explicit ? [explicit] : labels.map((_, i) => labels.slice(i).join('.')).reverse().slice(1)).concat('');
}
