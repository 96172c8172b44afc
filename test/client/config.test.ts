// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest';
import { findScript, readConfig } from '../../client/config.js';

function tag(src: string, data: Record<string, string> = {}): HTMLScriptElement {
  const script = document.createElement('script');
  script.src = src;
  for (const [key, value] of Object.entries(data)) script.dataset[key] = value;
  return script;
}

const page = 'https://www.shop.example/landing?ref=REF-AAAAAA';
beforeEach(() => (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(page));

describe('readConfig', () => {
  it('reads the hosted tag: campaignId and autoInject from the src query, API = the script origin', () => {
    const config = readConfig(tag('https://collector.example/referral-tracker.js?campaignId=clx123&autoInject=stripe'));
    expect(config).toEqual({
      campaignId: 'clx123',
      api: 'https://collector.example',
      lifetime: 0,
      cookieDomain: '',
      firstClick: false,
      params: ['ref', 'via', 'referral'],
      cross: [''],
      stripe: true,
      consentRequired: false,
    });
  });

  it('reads data-* attributes, which win over the query', () => {
    const config = readConfig(
      tag('https://cdn.example/referral-tracker.js?campaignId=fromQuery', {
        campaignId: 'fromData',
        api: 'https://refs.shop.example/proxy',
        cookieDays: '90',
        cookieDomain: 'shop.example',
        attribution: 'first',
        param: 'via',
        crossDomain: 'app.other.example,checkout.example.net',
        autoInject: 'stripe',
        consent: 'required',
      }),
    );
    expect(config).toEqual({
      campaignId: 'fromData',
      api: 'https://refs.shop.example/proxy',
      lifetime: 90,
      cookieDomain: 'shop.example',
      firstClick: true,
      params: ['via'],
      cross: ['app.other.example', 'checkout.example.net'],
      stripe: true,
      consentRequired: true,
    });
  });

  it('falls back to defaults for missing or unusable values', () => {
    const config = readConfig(tag('/referral-tracker.js', { cookieDays: 'soon', attribution: 'middle' }));
    expect(config.api).toBe('https://www.shop.example'); // a relative src resolves against the page
    // 0: no lifetime on the page, so the contest's (from track-visit's answer), else 30 days.
    expect(config.lifetime).toBe(0);
    expect(config.firstClick).toBe(false);
    expect(config.stripe).toBe(false);
    expect(config.campaignId).toBe('');
  });

  it('works without a script element (config from the page URL origin)', () => {
    expect(readConfig(null).api).toBe('https://www.shop.example');
  });
});

describe('findScript', () => {
  it('finds the tag by its src when currentScript is not set (e.g. called later)', () => {
    document.body.innerHTML = '<script type="text/x-inert" data-campaign-id="c1" src="https://c.example/referral-tracker.js?x=1"></script>';
    expect(findScript()?.dataset.campaignId).toBe('c1');
  });
});
