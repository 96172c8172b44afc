/**
 * Configuration of one script tag. Every option can come from the script's own `src` query
 * (`?campaignId=…&autoInject=stripe`, the hosted tag's form) or from a `data-*` attribute
 * (`data-campaign-id`, `data-auto-inject`, …); an attribute wins over the query.
 *
 * The build shortens these field names (terser property mangling, scripts/build-client.mjs
 * `CONFIG_FIELDS`), so each is a name no DOM, cookie or JSON property has, and is only ever read
 * from this object. Adding a field: add it to `CONFIG_FIELDS` too.
 */
export interface Config {
  /** The contest id (`campaignId` in the hosted tag; sent as `contestId`). */
  campaignId: string;
  /** Collector base URL (no trailing slash): requests go to `${api}/api/referral/…`. */
  api: string;
  /** Cookie lifetime in days from `data-cookie-days`; 0 = the contest's (the collector says), else 30. */
  lifetime: number;
  /** Explicit cookie domain; empty = the highest domain the browser accepts. */
  cookieDomain: string;
  /** First-click attribution (`data-attribution="first"`); default last click. */
  firstClick: boolean;
  /** The URL parameters carrying the referral code, in order: `data-param` (comma-separated), else `ref`, `via`, `referral`. */
  params: string[];
  /** `data-cross-domain`: hosts (and their subdomains) whose links and forms get `?ref=CODE`. */
  cross: string[];
  /** `autoInject=stripe`: decorate Stripe Payment Links, buy buttons and pricing tables. */
  stripe: boolean;
  /** `data-consent="required"`: nothing is written or sent until `RocketTracker.consent(true)`. */
  consentRequired: boolean;
}

/** The running script's tag: `currentScript` (async, defer, plain, tag managers), else a search. */
export function findScript(): HTMLScriptElement | null {
  return (document.currentScript as HTMLScriptElement | null) || document.querySelector('script[src*=referral-tracker]');
}

/** Reads the configuration of `script` (whose `src` property is absolute; none: the page's URL). */
export function readConfig(script: HTMLScriptElement | null): Config {
  const src = new URL((script && script.src) || location.href);
  const get = (name: string) => (script && script.dataset[name]) || src.searchParams.get(name) || '';
  return {
    campaignId: get('campaignId'),
    api: get('api') || src.origin,
    lifetime: +get('cookieDays') || 0,
    cookieDomain: get('cookieDomain'),
    firstClick: get('attribution') == 'first',
    params: (get('param') || 'ref,via,referral').split(','),
    cross: get('crossDomain').split(','),
    stripe: /stripe/i.test(get('autoInject')),
    consentRequired: get('consent') == 'required',
  };
}
