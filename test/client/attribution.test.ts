import { describe, expect, it } from 'vitest';
import { cleanCode, cookieDomains } from '../../client/attribution.js';

describe('attribution rules', () => {
  it('accepts only plausible codes from the URL', () => {
    expect(cleanCode(' REF-XYZ789 ')).toBe('REF-XYZ789');
    expect(cleanCode('jane.doe_2')).toBe('jane.doe_2');
    for (const bad of [null, '', '   ', 'a b', 'x;domain=evil', '<script>', 'A'.repeat(65)]) {
      expect(cleanCode(bad)).toBeNull();
    }
  });
});

describe('cookieDomains', () => {
  it('tries parent domains from the highest down, then host-only', () => {
    expect(cookieDomains('www.shop.test', '')).toEqual(['shop.test', 'www.shop.test', '']);
    expect(cookieDomains('app.eu.shop.co.uk', '')).toEqual([
      'co.uk',
      'shop.co.uk',
      'eu.shop.co.uk',
      'app.eu.shop.co.uk',
      '',
    ]);
    expect(cookieDomains('shop.example', '')).toEqual(['shop.example', '']);
  });

  it('gives single-label hosts only a host-only cookie', () => {
    expect(cookieDomains('localhost', '')).toEqual(['']);
  });

  it('uses an explicit data-cookie-domain, then host-only', () => {
    expect(cookieDomains('www.shop.test', 'www.shop.test')).toEqual(['www.shop.test', '']);
  });
});
