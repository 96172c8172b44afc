import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../server/store/open-store.js';
import { call } from '../api/v1-helpers.js';
import { createTestApp, forEachEngine, postJson, T0, useTestApp, type TestApp } from '../helpers/test-app.js';
import { withClient } from '../helpers/postgres.js';

/**
 * One person's data, spread over every place an erasure must reach: an entry whose email changed
 * (a purchase was made under the older one), a purchase by the same person in another contest
 * where they have no entry, visit URLs and a referrer carrying the email, a ledger note and a
 * disqualification reason naming them.
 */
const PERSON = {
  email: 'zebulon.quixote@example.com',
  olderEmail: 'zq.older@example.com',
  name: 'Zebulon Quixote',
  phone: '+15550001234',
};
/** Byte strings that must not survive an erasure anywhere (each appears before it). */
const NEEDLES = ['zebulon.quixote', 'zebulon.quixote%40example.com', 'Zebulon Quixote', '15550001234', 'zq.older'];

async function spreadPerson(t: TestApp) {
  const privateKey = await t.apiKey('private');
  const main = await t.contest({ id: 'main', title: 'Main' });
  const other = await t.contest({ id: 'other', title: 'Other' });
  const advocate = await t.entry(main.id, { email: 'advocate@example.com', referralCode: 'REF-ADV001' });
  const otherAdvocate = await t.entry(other.id, { email: 'advocate2@example.com', referralCode: 'REF-ADV002' });
  const person = await t.entry(main.id, { email: PERSON.olderEmail, name: PERSON.name, phone: PERSON.phone, referralCode: 'REF-ZQ0001' });
  const ok = (status: number) => expect(status).toBeLessThan(300);
  // A purchase under the older email, then the email changes.
  ok((await call(t, 'POST', `/api/v1/contests/${main.id}/purchases`, privateKey, { email: PERSON.olderEmail, orderId: 'ORD-OLD', amount: 10 })).status);
  ok((await call(t, 'PUT', `/api/v1/entries/${person.id}`, privateKey, { email: PERSON.email })).status);
  // A purchase in the other contest, where the person never had an entry.
  ok((await postJson(t.app, '/api/referral/track-purchase', { email: PERSON.email, contestId: other.id, orderId: 'ORD-OTHER', amount: 5, referralCode: 'REF-ADV002' })).status);
  // Visits whose URL or referrer carry the email (raw and percent-encoded).
  ok((await postJson(t.app, '/api/referral/track-visit', { contestId: main.id, referralCode: 'REF-ADV001', url: `https://shop.example/?email=${encodeURIComponent(PERSON.email)}`, referrer: null })).status);
  ok((await postJson(t.app, '/api/referral/track-visit', { contestId: other.id, referralCode: 'REF-ADV002', url: 'https://shop.example/', referrer: `https://mail.example/read?from=${PERSON.email}` })).status);
  ok((await postJson(t.app, '/api/referral/track-visit', { contestId: main.id, referralCode: 'REF-ADV001', url: 'https://shop.example/kept', referrer: null })).status);
  // Notes naming the person: on their own ledger, and on someone else's.
  ok((await call(t, 'POST', `/api/v1/entries/${person.id}/points`, privateKey, { points: 5, reason: 'goodwill' })).status);
  ok((await call(t, 'POST', `/api/v1/entries/${advocate.id}/points`, privateKey, { points: 3, reason: `referred ${PERSON.name} by hand` })).status);
  ok((await call(t, 'POST', `/api/v1/entries/${advocate.id}/points`, privateKey, { points: 2, reason: 'unrelated note' })).status);
  ok((await call(t, 'POST', `/api/v1/entries/${otherAdvocate.id}/disqualify`, privateKey, { reason: `same household as ${PERSON.email}` })).status);
  return { privateKey, main, other, person, advocate };
}

/** Every stored value of every table, as one string: what an erasure must have cleaned. */
async function everything(t: TestApp): Promise<string> {
  const tables = ['entries', 'purchases', 'visits', 'points_ledger'] as const;
  const rows = await Promise.all(tables.map((table) => t.rows(table)));
  return JSON.stringify(rows);
}

forEachEngine((engine) => {
  describe('erasure reaches every place the person is', () => {
    const t = useTestApp({ engine });

    it('DELETE /entries/:id blanks the entry, purchases under an older email, visit URLs, notes and reasons', async () => {
      const { privateKey, person, advocate } = await spreadPerson(t());
      const before = await everything(t());
      for (const needle of NEEDLES) expect(before.toLowerCase(), needle).toContain(needle.toLowerCase());

      const res = await call(t(), 'DELETE', `/api/v1/entries/${person.id}`, privateKey);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ email: null, name: null, phone: null });
      const after = (await everything(t())).toLowerCase();
      // The other contest is out of this entry's reach: its purchase and referrer stay.
      const mainOnly = JSON.stringify([
        (await t().rows('entries')).filter((r) => r.contest_id === 'main'),
        (await t().rows('purchases')).filter((r) => r.contest_id === 'main'),
        (await t().rows('visits')).filter((r) => r.contest_id === 'main'),
        (await t().rows('points_ledger')).filter((r) => r.contest_id === 'main'),
      ]).toLowerCase();
      for (const needle of NEEDLES) expect(mainOnly, needle).not.toContain(needle.toLowerCase());
      expect(after).toContain('https://shop.example/kept');
      expect(after).toContain('unrelated note');
      // Amounts and points stay: the ledger is intact, only notes went.
      const advocateEntry = await t().store.entries.get(advocate.id);
      expect(advocateEntry?.points).toBe(5);
      expect((await t().store.entries.get(person.id))?.points).toBe(5 + 10);
    });

    it('POST /erasure erases the person from every contest, including a purchase without an entry, and reports it', async () => {
      const { privateKey } = await spreadPerson(t());
      const res = await call(t(), 'POST', '/api/v1/erasure', privateKey, { email: PERSON.email.toUpperCase() });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        entries: 1,
        contestIds: ['main'],
        purchases: 2,
        visits: 2,
        ledgerNotes: 2,
        disqualificationReasons: 1,
      });
      const after = (await everything(t())).toLowerCase();
      for (const needle of NEEDLES) expect(after, needle).not.toContain(needle.toLowerCase());
      expect(after).toContain('unrelated note');
      // A second request finds nothing left.
      const again = await call(t(), 'POST', '/api/v1/erasure', privateKey, { email: PERSON.email });
      expect(again.body.data).toEqual({ entries: 0, contestIds: [], purchases: 0, visits: 0, ledgerNotes: 0, disqualificationReasons: 0 });
    });

    it('POST /erasure needs a private key and a valid email', async () => {
      const publicKey = await t().apiKey('public');
      const privateKey = await t().apiKey('private');
      expect((await call(t(), 'POST', '/api/v1/erasure', publicKey, { email: PERSON.email })).status).toBe(403);
      const bad = await call(t(), 'POST', '/api/v1/erasure', privateKey, { email: 'nope' });
      expect(bad).toEqual({ status: 400, body: { success: false, error: 'email must be a valid email address' } });
    });
  });
});

/** The raw bytes of a SQLite database file and its WAL, where deleted data would linger. */
function fileBytes(dbPath: string): string {
  const parts = [dbPath, `${dbPath}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1'));
  return parts.join('\n');
}

describe.each([false, true])('SQLite file (write thread: %s): no erased byte survives in the file, its WAL or a later backup', (writeThread) => {
  let dir: string;
  let t: TestApp;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rr-erasure-'));
    // The write thread uses the real clock; the salt test pins it, so it runs without one.
    t = await createTestApp({ store: await openStore(join(dir, 'r.db'), { writeThread }) });
  });
  afterEach(async () => {
    await t.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('after DELETE /entries/:id and POST /erasure', async () => {
    const { privateKey, person } = await spreadPerson(t);
    const dbPath = join(dir, 'r.db');
    const before = fileBytes(dbPath);
    for (const needle of NEEDLES) expect(before, `${needle} stored before the erasure`).toContain(needle);

    expect((await call(t, 'DELETE', `/api/v1/entries/${person.id}`, privateKey)).status).toBe(200);
    expect((await call(t, 'POST', '/api/v1/erasure', privateKey, { email: PERSON.email })).status).toBe(200);
    const after = fileBytes(dbPath);
    for (const needle of NEEDLES) expect(after.includes(needle), `${needle} left in the file or WAL`).toBe(false);
    expect(after).toContain('unrelated note');

    const backup = join(dir, 'backup.db');
    await t.store.backup(backup);
    const copy = fileBytes(backup);
    expect(copy).toContain('unrelated note');
    for (const needle of NEEDLES) expect(copy.includes(needle), `${needle} in the backup`).toBe(false);
  });

  // The rotation happens on the first visit of a new UTC day, which only a pinned clock can bring
  // on in a test; the write thread keeps its own clock, so that case runs without it.
  const rotationSkip = writeThread ? ' (skipped: the write thread cannot run on the test\'s pinned clock; covered without it)' : '';
  it.skipIf(writeThread)(`after a visitor-salt rotation, the old salt is in neither the file nor the WAL${rotationSkip}`, async () => {
    const { id } = await t.contest({ id: 'salty' });
    await t.entry(id, { email: 'a@example.com', referralCode: 'REF-SALT01' });
    const visit = () => postJson(t.app, '/api/referral/track-visit', { contestId: id, referralCode: 'REF-SALT01', url: null, referrer: null });
    expect((await visit()).status).toBe(200);
    const [{ salt: oldSalt }] = (await t.rows('visitor_salts')) as Array<{ salt: string }>;
    expect(fileBytes(join(dir, 'r.db'))).toContain(oldSalt);

    t.setNow(T0 + 86_400_000);
    expect((await visit()).status).toBe(200);
    const salts = await t.rows('visitor_salts');
    expect(salts).toHaveLength(1);
    expect(salts[0].salt).not.toBe(oldSalt);
    expect(fileBytes(join(dir, 'r.db')).includes(oldSalt), 'old salt left in the file or WAL').toBe(false);
    const backup = join(dir, 'backup.db');
    await t.store.backup(backup);
    expect(fileBytes(backup).includes(oldSalt), 'old salt in the backup').toBe(false);
  });
});

describe('PostgreSQL: the tables an erasure touched are vacuumed before it answers', () => {
  const t = useTestApp({ engine: 'postgres' });

  /** vacuum_count of the erased tables, read in the test's own database. */
  async function vacuumCounts(): Promise<Record<string, number>> {
    const url = new URL(inject('pgUrl'));
    url.pathname = new URL(t().store.description).pathname;
    return withClient(url.toString(), async (client) => {
      const { rows } = await client.query(`SELECT relname, vacuum_count FROM pg_stat_user_tables
        WHERE relname IN ('entries', 'purchases', 'visits', 'points_ledger') ORDER BY relname`);
      return Object.fromEntries(rows.map((row) => [row.relname, Number(row.vacuum_count)]));
    });
  }

  it('each table an erasure changed has been vacuumed (its dead tuples removed) when the 200 arrives', async () => {
    const { privateKey } = await spreadPerson(t());
    const before = await vacuumCounts();
    expect((await call(t(), 'POST', '/api/v1/erasure', privateKey, { email: PERSON.email })).status).toBe(200);
    const after = await vacuumCounts();
    for (const table of ['entries', 'purchases', 'visits', 'points_ledger']) {
      expect(after[table], table).toBeGreaterThan(before[table] ?? 0);
    }
  });
});
