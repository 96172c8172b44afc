import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open-store.js';
import { createApiKey } from '../../server/collector/api-keys.js';
import { call, seedV1 } from '../api/v1-helpers.js';
import { createTestApp, forEachEngine, postJson, useTestApp } from '../helpers/test-app.js';

forEachEngine((engine) => {
  describe('text fields refuse NUL characters and lone surrogates (issue 20, item 6)', () => {
    const t = useTestApp({ engine });

    it.each([
      ['a NUL in the email', { email: 'jane\u0000@example.com', name: 'Jane' }, 'email'],
      ['a lone high surrogate in the name', { email: 'jane@example.com', name: 'Jane \uD800' }, 'name'],
      ['a lone low surrogate in the name', { email: 'jane@example.com', name: '\uDC00Jane' }, 'name'],
      ['a NUL in a key of the body', { email: 'jane@example.com', 'x\u0000': 1 }, 'x\u0000'],
    ])('%s → 400 naming the field, nothing stored', async (_name, fields, field) => {
      const { id } = await t().contest({ id: 'c1' });
      const before = await t().counts();
      const res = await postJson(t().app, '/api/referral/track-signup', { contestId: id, ...fields });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ success: false, error: `${field} must not contain NUL characters or unpaired surrogates` });
      expect(await t().counts()).toEqual(before);
    });

    it('query strings too, and well-formed text (emoji: a surrogate pair) still passes', async () => {
      const fx = await seedV1(t());
      const nul = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?search=ab%00c`, fx.publicKey);
      expect(nul).toEqual({ status: 400, body: { success: false, error: 'search must not contain NUL characters or unpaired surrogates' } });
      const ok = await postJson(t().app, '/api/referral/track-signup', { contestId: fx.contestId, referralCode: 'REF-XYZ789', email: 'emoji@example.com', name: 'Rocket 🚀' });
      expect(ok.status).toBe(200);
      expect((await t().store.entries.findByEmail(fx.contestId, 'emoji@example.com'))?.name).toBe('Rocket 🚀');
    });
  });

  describe('public keys scoped to one contest (issue 20, item 6)', () => {
    const t = useTestApp({ engine });

    it('a scoped key reads its contest only: lists, entries, leaderboard; other contests and their entries → 403', async () => {
      const fx = await seedV1(t());
      const { id: otherId } = await t().contest({ id: 'other', title: 'Other' });
      const stranger = await t().entry(otherId, { email: 'stranger@example.com' });
      const { key } = await t().store.transaction((tx) => createApiKey({ store: tx, now: t().ctx.now }, 'public', 'widget', fx.contestId));
      const scoped = (url: string) => call(t(), 'GET', url, key);

      const list = await scoped('/api/v1/contests');
      expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([fx.contestId]);
      expect((await call(t(), 'GET', '/api/v1/contests', fx.publicKey)).body.data).toHaveLength(2);
      for (const url of [`/api/v1/contests/${fx.contestId}`, `/api/v1/contests/${fx.contestId}/entries`,
        `/api/v1/contests/${fx.contestId}/leaderboard`, `/api/v1/entries/${fx.janeId}`]) {
        expect((await scoped(url)).status, url).toBe(200);
      }
      for (const url of [`/api/v1/contests/${otherId}`, `/api/v1/contests/${otherId}/entries`, `/api/v1/contests/${otherId}/leaderboard`,
        `/api/v1/contests/${otherId}/analytics`, `/api/v1/entries/${stranger.id}`, `/api/v1/entries/${stranger.id}/bonus-actions`,
        `/api/v1/entries/lookup/bonus-actions?contestId=${otherId}&email=stranger@example.com`]) {
        expect(await scoped(url), url).toEqual({ status: 403, body: { success: false, error: 'This API key is scoped to another contest' } });
      }
    });

    it('only public keys can be scoped, and only to a contest that exists', async () => {
      const fx = await seedV1(t());
      const ctx = t().ctx;
      await expect(t().store.transaction((tx) => createApiKey({ store: tx, now: ctx.now }, 'private', null, fx.contestId)))
        .rejects.toThrow('only public keys can be scoped to a contest');
      await expect(t().store.transaction((tx) => createApiKey({ store: tx, now: ctx.now }, 'public', null, 'nope')))
        .rejects.toThrow('Contest not found');
      expect((await t().store.apiKeys.list()).filter((k) => k.contestId !== null)).toEqual([]);
    });
  });

  describe('heavy reads: a per-key and per-IP cap on concurrent entry lists and searches (issue 20, item 3)', () => {
    const t = useTestApp({ engine, heavyReadsPerClient: 2 });

    /** Holds every entry list in flight until released, as a scan-heavy load would. */
    function holdEntryLists() {
      const entries = t().store.entries;
      const list = entries.list.bind(entries);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      entries.list = async (...args) => {
        started++;
        await gate;
        return list(...args);
      };
      return { release, started: () => started, restore: () => void (entries.list = list) };
    }

    const get = (url: string, key: string, ip: string) =>
      t().app.inject({ method: 'GET', url, headers: { 'x-api-key': key }, remoteAddress: ip });

    it('beyond the cap: 429 at once, per key and per IP; slots come back when the reads finish', async () => {
      const fx = await seedV1(t());
      const search = `/api/v1/contests/${fx.contestId}/entries?search=example`;
      const held = holdEntryLists();
      try {
        const inFlight = [get(search, fx.publicKey, '198.51.100.1'), get(search, fx.publicKey, '198.51.100.2')];
        await expect.poll(held.started).toBe(2);
        // Same key, a third address: the key's cap.
        const overKey = await get(search, fx.publicKey, '198.51.100.3');
        expect(overKey.statusCode).toBe(429);
        expect(overKey.json()).toEqual({ success: false, error: 'Rate limit exceeded. Please try again later.' });
        expect(overKey.headers['retry-after']).toBe('1');
        // Another key from an address already at its cap... (198.51.100.1 has one; fill it).
        const inFlight2 = get(search, fx.privateKey, '198.51.100.1');
        await expect.poll(held.started).toBe(3);
        expect((await get(search, fx.privateKey, '198.51.100.1')).statusCode).toBe(429);
        // Cheap reads are never capped.
        expect((await get(`/api/v1/contests/${fx.contestId}/leaderboard`, fx.publicKey, '198.51.100.1')).statusCode).toBe(200);
        held.release();
        for (const res of await Promise.all([...inFlight, inFlight2])) expect(res.statusCode).toBe(200);
      } finally {
        held.restore();
      }
      expect((await get(search, fx.publicKey, '198.51.100.1')).statusCode).toBe(200);
    });
  });

  describe('entry search is served by an index: same answers as a substring scan (issue 20, item 3)', () => {
    const t = useTestApp({ engine });

    it('substring of email or name, ASCII case folded, wildcards literal, follows updates and erasure; under 3 characters → 400', async () => {
      const fx = await seedV1(t());
      await t().entry(fx.contestId, { email: 'under_score@example.com', name: 'Zoë Ångström' });
      await t().entry(fx.contestId, { email: 'percent@example.com', name: '100% Real' });
      // With the private key: public-key answers mask emails, and the emails are what is compared here.
      const search = async (term: string) => {
        const res = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?search=${encodeURIComponent(term)}`, fx.privateKey);
        expect(res.status, term).toBe(200);
        return res.body.data.map((e: { email: string | null }) => e.email);
      };
      expect(await search('JANE@EXAMPLE')).toEqual(['jane@example.com']);
      expect(await search('n smi')).toEqual(['john@example.com']);
      expect(await search('e.com')).toHaveLength(4);
      expect(await search('r_s')).toEqual(['under_score@example.com']);
      expect(await search('0% R')).toEqual(['percent@example.com']);
      expect(await search('ngstr')).toEqual(['under_score@example.com']);
      expect(await search('zzz1')).toEqual([]);
      const short = await call(t(), 'GET', `/api/v1/contests/${fx.contestId}/entries?search=ab`, fx.publicKey);
      expect(short).toEqual({ status: 400, body: { success: false, error: 'search must be at least 3 characters' } });

      await call(t(), 'PUT', `/api/v1/entries/${fx.janeId}`, fx.privateKey, { email: 'janet@example.org' });
      expect(await search('jane@')).toEqual([]);
      expect(await search('janet@example.org')).toEqual(['janet@example.org']);
      await call(t(), 'DELETE', `/api/v1/entries/${fx.johnId}`, fx.privateKey);
      expect(await search('john')).toEqual([]);
      expect(await search('Smith')).toEqual([]);
    });
  });
});

describe('SQLite file served with a write thread: entry lists and searches run on the read thread', () => {
  it('answers the same pages, totals and search results as the main-thread connection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-read-thread-'));
    const t = await createTestApp({ store: await openStore(join(dir, 'r.db'), { writeThread: true }) });
    try {
      const fx = await seedV1(t);
      for (let n = 0; n < 30; n++) {
        const res = await postJson(t.app, '/api/referral/track-signup', { contestId: fx.contestId, referralCode: 'REF-XYZ789', email: `friend${n}@example.com`, name: `Friend ${n}` });
        expect(res.status).toBe(200);
      }
      const page = await call(t, 'GET', `/api/v1/contests/${fx.contestId}/entries?page=2&limit=10`, fx.privateKey);
      expect(page.body.pagination).toEqual({ page: 2, limit: 10, total: 32, totalPages: 4 });
      expect(page.body.data.map((e: { email: string }) => e.email)).toEqual(Array.from({ length: 10 }, (_, i) => `friend${i + 8}@example.com`));
      const search = await call(t, 'GET', `/api/v1/contests/${fx.contestId}/entries?search=friend2`, fx.privateKey);
      expect(search.body.data.map((e: { email: string }) => e.email)).toEqual(['friend2@example.com', ...Array.from({ length: 10 }, (_, i) => `friend${20 + i}@example.com`)]);
      expect(search.body.pagination.total).toBe(11);
    } finally {
      await t.app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
