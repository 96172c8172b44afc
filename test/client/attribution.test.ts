import { describe, expect, it } from 'vitest';
import { cleanCode, codeToStore, cookieDomains } from '../../client/attribution.js';

describe('attribution rules', () => {
  it('last click (default): a new code replaces the stored one', () => {
    expect(codeToStore(null, 'REF-B', false)).toBe('REF-B');
    expect(codeToStore('REF-A', 'REF-B', false)).toBe('REF-B');
    // The same code again is rewritten too, which restarts its lifetime.
    expect(codeToStore('REF-A', 'REF-A', false)).toBe('REF-A');
  });

  it('first click: a stored code is kept; nothing stored → the new one', () => {
    expect(codeToStore('REF-A', 'REF-B', true)).toBeNull();
    expect(codeToStore(null, 'REF-B', true)).toBe('REF-B');
  });

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
