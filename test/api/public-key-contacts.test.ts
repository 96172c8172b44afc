import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../server/domain/email.js';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';
import { call, seedV1, type V1Fixture } from './v1-helpers.js';

/** Every answer a public key can read that names entrants, as [label, url, where the records are]. */
const readers: Array<[string, (fx: V1Fixture) => string, (body: any) => Array<{ email: string | null; phone?: string | null }>]> = [
  ['entries list', (fx) => `/api/v1/contests/${fx.contestId}/entries`, (b) => b.data],
  ['leaderboard', (fx) => `/api/v1/contests/${fx.contestId}/leaderboard`, (b) => b.data],
  ['entry', (fx) => `/api/v1/entries/${fx.johnId}`, (b) => [b.data]],
  ['bonus actions by id', (fx) => `/api/v1/entries/${fx.johnId}/bonus-actions`, (b) => [b.data]],
  ['bonus actions by email', (fx) => `/api/v1/entries/lookup/bonus-actions?email=john@example.com&contestId=${fx.contestId}`, (b) => [b.data]],
];

describe('maskEmail', () => {
  it.each([
    ['jane@example.com', 'j•••@example.com'],
    ['J@x.io', 'J•••@x.io'],
    ['ünïcode@example.com', 'ü•••@example.com'],
    ['not-an-email', '•••'],
  ])('%s → %s', (email, masked) => expect(maskEmail(email)).toBe(masked));
});

forEachEngine((engine) => describe('public keys see masked emails and no phones', () => {
  const t = useTestApp({ engine });

  for (const [label, url, records] of readers) {
    it(`${label}: masked for a public key, full for a private key`, async () => {
      const fx = await seedV1(t());
      const publicAnswer = await call(t(), 'GET', url(fx), fx.publicKey);
      expect(publicAnswer.status).toBe(200);
      const seen = JSON.stringify(publicAnswer.body);
      expect(seen).not.toContain('john@example.com');
      expect(seen).not.toContain('jane@example.com');
      expect(seen).not.toContain('+1234567890');
      for (const record of records(publicAnswer.body)) {
        expect(record.email).toMatch(/^j•••@example\.com$/);
        if ('phone' in record) expect(record.phone).toBeNull();
      }
      const privateAnswer = await call(t(), 'GET', url(fx), fx.privateKey);
      expect(JSON.stringify(privateAnswer.body)).toContain('john@example.com');
    });
  }

  it("the contest setting publicKeyContacts: 'full' restores the hosted behaviour, and 'masked' takes it back", async () => {
    const fx = await seedV1(t());
    const leaderboard = `/api/v1/contests/${fx.contestId}/leaderboard`;
    const entry = `/api/v1/entries/${fx.johnId}`;
    expect((await call(t(), 'GET', leaderboard, fx.publicKey)).body.data[0].email).toBe('j•••@example.com');

    const set = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { publicKeyContacts: 'full' } });
    expect(set.body.data.settings.publicKeyContacts).toBe('full');
    expect((await call(t(), 'GET', leaderboard, fx.publicKey)).body.data.map((r: { email: string }) => r.email).sort())
      .toEqual(['jane@example.com', 'john@example.com']);
    expect((await call(t(), 'GET', entry, fx.publicKey)).body.data).toMatchObject({ email: 'john@example.com', phone: '+1234567890' });

    await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { publicKeyContacts: 'masked' } });
    expect((await call(t(), 'GET', entry, fx.publicKey)).body.data).toMatchObject({ email: 'j•••@example.com', phone: null });
  });

  it('a private read of the leaderboard is not served from the public answer cached just before (and back)', async () => {
    const fx = await seedV1(t());
    const url = `/api/v1/contests/${fx.contestId}/leaderboard`;
    for (let round = 0; round < 2; round++) {
      expect((await call(t(), 'GET', url, fx.publicKey)).body.data[0].email).toMatch(/•••/);
      expect((await call(t(), 'GET', url, fx.privateKey)).body.data[0].email).not.toMatch(/•••/);
    }
  });

  it("refuses an unknown publicKeyContacts value, naming the field, and changes nothing", async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'PUT', `/api/v1/contests/${fx.contestId}`, fx.privateKey, { settings: { publicKeyContacts: 'some' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^settings\.publicKeyContacts /);
    expect((await call(t(), 'GET', `/api/v1/contests/${fx.contestId}`, fx.privateKey)).body.data.settings.publicKeyContacts).toBe('masked');
  });
}));
