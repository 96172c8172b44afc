import { describe, expect, it } from 'vitest';
import { BROWSER_UA, forEachEngine, postJson, T0, useTestApp } from '../helpers/test-app.js';

/**
 * Fraud checks on referred signups (issue 18): each check fires on its case and not on its near
 * miss, flag / block / off, the review queue (approve, reject, twice, concurrently), the
 * leaderboard before and after, the entry's ledger, bots' visits, and what the database refuses.
 */
forEachEngine((engine) => describe('fraud checks and the review queue', () => {
  const t = useTestApp({ engine });
  let privateKey = '';
  let nextNetwork = 0;

  async function seed(fraud: Record<string, unknown> = {}) {
    await t().contest({ id: 'c1', settings: { fraud } as never });
    const jane = await t().entry('c1', { email: 'jane.doe@gmail.com', name: 'Jane', referralCode: 'REF-JANE01' });
    privateKey = await t().apiKey('private');
    return { jane };
  }

  /** A browser's signup; each from a network of its own unless told (so velocity stays quiet). */
  const signup = (email: string, opts: { ip?: string; ua?: string; code?: string; headers?: Record<string, string> } = {}) =>
    t().app.inject({
      method: 'POST',
      url: '/api/referral/track-signup',
      remoteAddress: opts.ip ?? `203.0.${(nextNetwork += 1) % 250}.7`,
      headers: { 'content-type': 'application/json', 'user-agent': opts.ua ?? BROWSER_UA, ...opts.headers },
      payload: JSON.stringify({ contestId: 'c1', referralCode: opts.code ?? 'REF-JANE01', email }),
    });
  const visit = (ip: string, ua = BROWSER_UA) =>
    t().app.inject({
      method: 'POST',
      url: '/api/referral/track-visit',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json', 'user-agent': ua },
      payload: JSON.stringify({ contestId: 'c1', referralCode: 'REF-JANE01' }),
    });
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) =>
    t().app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { 'x-api-key': privateKey, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
  const points = async (id: string) => (await t().store.entries.get(id))!.points;
  const flags = async (status = 'pending') => (await api('GET', `/contests/c1/flags?status=${status}&limit=100`)).json();
  /** The reasons of the flag the last signup got, or [] when it was clean. */
  const reasonsFor = async (entryId: string) => {
    const all = [...(await flags('pending')).data, ...(await flags('blocked')).data];
    return all.find((f: { entry: { id: string } }) => f.entry.id === entryId)?.reasons ?? [];
  };
  const signedUp = async (email: string, opts?: Parameters<typeof signup>[1]) => {
    const res = await signup(email, opts);
    expect(res.statusCode).toBe(200);
    return res.json().data.entryId as string;
  };
  const rankOf = async (id: string) => {
    const board = (await api('GET', '/contests/c1/leaderboard?limit=100')).json().data as Array<{ id: string; rank: number; points: number }>;
    return board.find((row) => row.id === id);
  };

  describe('each check fires on its case, not on its near miss', () => {
    it('disposable_email: a listed domain fires; an ordinary one does not; operators add and remove domains', async () => {
      await seed();
      expect(await reasonsFor(await signedUp('x1@mailinator.com'))).toEqual(['disposable_email']);
      expect(await reasonsFor(await signedUp('x1@example.com'))).toEqual([]);
      const put = await api('PUT', '/contests/c1', {
        settings: { fraud: { checks: { disposableEmail: { addDomains: ['Throwaway.Test'], removeDomains: ['mailinator.com'] } } } },
      });
      expect(put.statusCode).toBe(200);
      expect(await reasonsFor(await signedUp('x2@throwaway.test'))).toEqual(['disposable_email']);
      expect(await reasonsFor(await signedUp('x2@mailinator.com'))).toEqual([]);
    });

    it('duplicate_identity: Gmail dots, googlemail and +tags are one person; +tags elsewhere are not', async () => {
      await seed();
      const bob = await t().entry('c1', { email: 'bob.smith@gmail.com' });
      const same = await signedUp('BobSmith+promo@googlemail.com');
      expect(await reasonsFor(same)).toEqual(['duplicate_identity']);
      // Outlook delivers +tags to the same mailbox; example.org is not known to.
      await t().entry('c1', { email: 'ann@outlook.com' });
      expect(await reasonsFor(await signedUp('ann+2@outlook.com'))).toEqual(['duplicate_identity']);
      await t().entry('c1', { email: 'jo@example.org' });
      expect(await reasonsFor(await signedUp('jo+x@example.org'))).toEqual([]);
      expect(await reasonsFor(await signedUp('bob.smith.jr@gmail.com'))).toEqual([]);
      expect(await points(bob.id)).toBe(0);
    });

    it("duplicate_identity with the advocate's own mailbox counts as self-referral", async () => {
      const { jane } = await seed();
      // jane.doe@gmail.com and janedoe@gmail.com are one person.
      const alias = await signedUp('janedoe@gmail.com');
      expect(alias).not.toBe(jane.id);
      expect(await reasonsFor(alias)).toEqual(['self_referral']);
      expect(await points(jane.id)).toBe(0);
    });

    it("self_referral_device: the signup's visitor key is the advocate's own; another device is not", async () => {
      await seed();
      // Max signs up himself (no code), then refers "friends" from the same browser.
      const max = await signedUp('max@example.com', { ip: '198.51.100.20', code: 'REF-NONE99' });
      const code = (await t().store.entries.get(max))!.referralCode;
      expect(await reasonsFor(await signedUp('maxs-friend@example.com', { ip: '198.51.100.20', code }))).toEqual(['self_referral_device']);
      expect(await reasonsFor(await signedUp('real-friend@example.com', { ip: '198.51.100.21', ua: `${BROWSER_UA} Edg/131`, code }))).toEqual([]);
    });

    it('velocity: more than N per advocate from one visitor key or one /24 within the window', async () => {
      await seed({ checks: { velocity: { maxSignups: 3, windowSeconds: 600 } } });
      for (let i = 1; i <= 3; i++) expect(await reasonsFor(await signedUp(`v${i}@example.com`, { ip: '192.0.2.10' }))).toEqual([]);
      // The 4th: from the same /24 (another address, another browser) fires; another network does not.
      expect(await reasonsFor(await signedUp('v4@example.com', { ip: '192.0.2.99', ua: 'Mozilla/5.0 Firefox/133.0' }))).toEqual(['velocity']);
      expect(await reasonsFor(await signedUp('v5@example.com', { ip: '192.0.3.10' }))).toEqual([]);
      // Once the window has passed, the network starts again.
      t().advance(601_000);
      expect(await reasonsFor(await signedUp('v6@example.com', { ip: '192.0.2.10' }))).toEqual([]);
    });

    it('velocity: IPv6 addresses count by their /64', async () => {
      await seed({ checks: { velocity: { maxSignups: 1 } } });
      expect(await reasonsFor(await signedUp('six1@example.com', { ip: '2001:db8:1:2::1' }))).toEqual([]);
      expect(await reasonsFor(await signedUp('six2@example.com', { ip: '2001:db8:1:2:ffff::9', ua: 'Mozilla/5.0 Firefox/133.0' }))).toEqual(['velocity']);
      expect(await reasonsFor(await signedUp('six3@example.com', { ip: '2001:db8:1:3::1' }))).toEqual([]);
    });

    it('too_fast: a signup S seconds after a visit through the same code from the same visitor key', async () => {
      await seed({ checks: { tooFast: { minSeconds: 5 } } });
      expect((await visit('198.51.100.30')).statusCode).toBe(200);
      t().advance(2_000);
      expect(await reasonsFor(await signedUp('quick@example.com', { ip: '198.51.100.30' }))).toEqual(['too_fast']);
      expect((await visit('198.51.100.31')).statusCode).toBe(200);
      t().advance(6_000);
      expect(await reasonsFor(await signedUp('human@example.com', { ip: '198.51.100.31' }))).toEqual([]);
    });

    it('several checks: every reason is stored with the flag, in a fixed order', async () => {
      await seed({ checks: { tooFast: { minSeconds: 5 } } });
      await visit('198.51.100.40');
      expect(await reasonsFor(await signedUp('jane.doe+burner@gmail.com', { ip: '198.51.100.40' }))).toEqual(['self_referral', 'too_fast']);
    });
  });

  describe('modes', () => {
    it('flag: the entry exists, not yet referred, points held; the answer keeps its shape and names no check', async () => {
      const { jane } = await seed();
      const res = await signup('held@mailinator.com');
      expect(res.json()).toEqual({ success: true, data: { entryId: expect.any(String), isReferred: false, pointsAwarded: { advocate: 0, friend: 0 } } });
      const friend = (await t().store.entries.get(res.json().data.entryId))!;
      expect(friend).toMatchObject({ email: 'held@mailinator.com', referredBy: null, points: 0 });
      expect(await points(jane.id)).toBe(0);
      const [flag] = (await flags()).data;
      expect(flag).toMatchObject({ status: 'pending', reasons: ['disposable_email'], entry: { id: friend.id, email: 'held@mailinator.com' },
        advocate: { id: jane.id, referralCode: 'REF-JANE01' }, pointsHeld: { advocate: 10, friend: 5 }, createdAt: new Date(T0).toISOString() });
    });

    it('block: recorded as not referred, earns nothing, cannot be approved', async () => {
      const { jane } = await seed({ mode: 'block' });
      const res = await signup('blocked@mailinator.com');
      expect(res.json().data).toMatchObject({ isReferred: false, pointsAwarded: { advocate: 0, friend: 0 } });
      expect(await t().store.entries.get(res.json().data.entryId)).toMatchObject({ referredBy: null, points: 0 });
      expect((await flags()).data).toEqual([]);
      const [flag] = (await flags('blocked')).data;
      expect(flag.reasons).toEqual(['disposable_email']);
      const approve = await api('POST', `/flags/${flag.id}/approve`);
      expect(approve.statusCode).toBe(409);
      expect(await points(jane.id)).toBe(0);
    });

    it('off: no checks; a throwaway address earns as any other', async () => {
      const { jane } = await seed({ mode: 'off' });
      const res = await signup('free@mailinator.com');
      expect(res.json().data).toMatchObject({ isReferred: true, pointsAwarded: { advocate: 10, friend: 5 } });
      expect(await points(jane.id)).toBe(10);
      expect((await flags()).data).toEqual([]);
    });

    it('settings: defaults shown by GET, PUT changes only what it names, bad values name the field', async () => {
      await seed();
      const shown = (await api('GET', '/contests/c1')).json().data.settings.fraud;
      expect(shown).toEqual({
        mode: 'flag',
        checks: {
          disposableEmail: { enabled: true, addDomains: [], removeDomains: [] },
          duplicateIdentity: { enabled: true },
          selfReferralDevice: { enabled: true },
          velocity: { enabled: true, maxSignups: 5, windowSeconds: 3600 },
          tooFast: { enabled: true, minSeconds: 5 },
        },
      });
      const put = await api('PUT', '/contests/c1', { settings: { fraud: { mode: 'block', checks: { velocity: { maxSignups: 2 } } } } });
      expect(put.json().data.settings.fraud).toMatchObject({ mode: 'block', checks: { velocity: { enabled: true, maxSignups: 2, windowSeconds: 3600 } } });
      const bad = await api('PUT', '/contests/c1', { settings: { fraud: { mode: 'maybe' } } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toContain('settings.fraud.mode');
      expect((await api('GET', '/contests/c1')).json().data.settings.fraud.mode).toBe('block');
    });

    it('a backend proving itself with the webhook secret gets no device checks (its IP is the server\'s)', async () => {
      await seed({ checks: { velocity: { maxSignups: 1 } } });
      const secret = (await t().contest({ id: 'c2', settings: { fraud: { checks: { velocity: { maxSignups: 1 } } } } })).webhookSecret;
      await t().entry('c2', { email: 'amy@example.com', referralCode: 'REF-AMY001' });
      const viaBackend = (email: string) =>
        t().app.inject({
          method: 'POST',
          url: '/api/referral/track-signup',
          remoteAddress: '10.1.1.1',
          headers: { 'content-type': 'application/json', 'user-agent': 'node', 'x-webhook-secret': secret },
          payload: JSON.stringify({ contestId: 'c2', referralCode: 'REF-AMY001', email }),
        });
      for (let i = 0; i < 4; i++) expect((await viaBackend(`b${i}@example.com`)).json().data.pointsAwarded.advocate).toBe(10);
      // The body field `secret` works too (issue 20): recognised before validation drops it.
      for (let i = 0; i < 3; i++) {
        const res = await t().app.inject({
          method: 'POST',
          url: '/api/referral/track-signup',
          remoteAddress: '10.1.1.1',
          headers: { 'content-type': 'text/plain', 'user-agent': 'node' },
          payload: JSON.stringify({ contestId: 'c2', referralCode: 'REF-AMY001', email: `body${i}@example.com`, secret }),
        });
        expect(res.json().data.pointsAwarded.advocate).toBe(10);
      }
      // Without it, the same backend is a browser to the checks: past maxSignups it is held.
      const anonymous = await t().app.inject({
        method: 'POST',
        url: '/api/referral/track-signup',
        remoteAddress: '10.1.1.1',
        headers: { 'content-type': 'application/json', 'user-agent': 'node' },
        payload: JSON.stringify({ contestId: 'c2', referralCode: 'REF-AMY001', email: 'anon1@example.com' }),
      });
      const anonymous2 = await t().app.inject({
        method: 'POST',
        url: '/api/referral/track-signup',
        remoteAddress: '10.1.1.1',
        headers: { 'content-type': 'application/json', 'user-agent': 'node' },
        payload: JSON.stringify({ contestId: 'c2', referralCode: 'REF-AMY001', email: 'anon2@example.com' }),
      });
      expect([anonymous.json().data.pointsAwarded.advocate, anonymous2.json().data.pointsAwarded.advocate]).toEqual([10, 0]);
    });
  });

  describe('review: approve and reject', () => {
    it('approve releases the held points once (twice → same answer); leaderboard before and after', async () => {
      const { jane } = await seed();
      const leader = await t().entry('c1', { email: 'lead@example.com' });
      await t().store.transaction((tx) => tx.ledger.award(leader, 7, 'adjustment', null, T0, 'head start'));
      const friendId = await signedUp('approve-me@mailinator.com');
      expect(await rankOf(jane.id)).toMatchObject({ rank: 2, points: 0 });
      const [flag] = (await flags()).data;
      const first = await api('POST', `/flags/${flag.id}/approve`);
      expect(first.statusCode).toBe(200);
      expect(first.json().data).toMatchObject({ status: 'approved', decidedAt: new Date(T0).toISOString() });
      const second = await api('POST', `/flags/${flag.id}/approve`);
      expect(second.json()).toEqual(first.json());
      expect(await points(jane.id)).toBe(10);
      expect(await points(friendId)).toBe(5);
      expect(await t().store.entries.get(friendId)).toMatchObject({ referredBy: jane.id });
      expect((await t().store.entries.get(jane.id))!.referralsCount).toBe(1);
      expect(await rankOf(jane.id)).toMatchObject({ rank: 1, points: 10 });
      expect((await flags()).data).toEqual([]);
      expect((await flags('approved')).data).toHaveLength(1);
      expect((await api('POST', `/flags/${flag.id}/reject`, { reason: 'too late' })).statusCode).toBe(409);
    });

    it('reject drops the held points for good (twice → same answer); approving it afterwards is refused', async () => {
      const { jane } = await seed();
      const friendId = await signedUp('reject-me@mailinator.com');
      const [flag] = (await flags()).data;
      const first = await api('POST', `/flags/${flag.id}/reject`, { reason: 'throwaway address' });
      expect(first.json().data).toMatchObject({ status: 'rejected', decisionReason: 'throwaway address' });
      expect((await api('POST', `/flags/${flag.id}/reject`, { reason: 'again' })).json()).toEqual(first.json());
      const approve = await api('POST', `/flags/${flag.id}/approve`);
      expect(approve.statusCode).toBe(409);
      expect(approve.json()).toEqual({ success: false, error: 'Flag is rejected; only a pending flag can be approved' });
      expect(await points(jane.id)).toBe(0);
      expect(await points(friendId)).toBe(0);
      expect(await t().store.entries.get(friendId)).toMatchObject({ referredBy: null });
      expect((await api('POST', `/flags/${flag.id}/reject`, {})).statusCode).toBe(400);
      expect((await api('POST', '/flags/flag_nope/approve')).statusCode).toBe(404);
    });

    it('100 approvals of one flag at the same moment release its points once', async () => {
      const { jane } = await seed();
      const friendId = await signedUp('race@mailinator.com');
      const [flag] = (await flags()).data;
      const answers = await Promise.all(Array.from({ length: 100 }, () => api('POST', `/flags/${flag.id}/approve`)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(100).fill(200));
      expect(await points(jane.id)).toBe(10);
      expect(await points(friendId)).toBe(5);
      const ledger = await t().store.ledger.forEntry(jane.id);
      expect(ledger.map((row) => [row.delta, row.reason])).toEqual([[10, 'referral_advocate']]);
    });

    it('approvals and rejections of one flag racing: one decision wins, the other answers 409', async () => {
      const { jane } = await seed();
      await signedUp('split@mailinator.com');
      const [flag] = (await flags()).data;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        i % 2 ? api('POST', `/flags/${flag.id}/approve`) : api('POST', `/flags/${flag.id}/reject`, { reason: 'no' })));
      const status = (await api('GET', `/contests/c1/flags?status=approved`)).json().data.length ? 'approved' : 'rejected';
      const winners = answers.filter((a) => a.statusCode === 200);
      expect(winners.every((a) => a.json().data.status === status)).toBe(true);
      expect(answers.filter((a) => a.statusCode === 409)).toHaveLength(20 - winners.length);
      expect(await points(jane.id)).toBe(status === 'approved' ? 10 : 0);
    });

    it("the entry's ledger shows released, held and rejected points with their reasons", async () => {
      const { jane } = await seed();
      await t().store.transaction((tx) => tx.ledger.award(jane, 3, 'adjustment', null, T0, 'welcome'));
      const ids: string[] = [];
      for (const email of ['l1@mailinator.com', 'l2@mailinator.com', 'l3@mailinator.com']) {
        ids.push(await signedUp(email));
        t().advance(1_000); // flags list in the order they were raised
      }
      const pending = (await flags()).data as Array<{ id: string; entry: { id: string } }>;
      const flagOf = (id: string) => pending.find((f) => f.entry.id === id)!.id;
      await api('POST', `/flags/${flagOf(ids[0])}/approve`);
      await api('POST', `/flags/${flagOf(ids[1])}/reject`, { reason: 'burner' });
      const { data } = (await api('GET', `/entries/${jane.id}/ledger`)).json();
      expect(data.points).toBe(13);
      expect(data.ledger.map((l: { status: string; delta: number; reason: string; flagReasons: string[]; note: string | null }) =>
        [l.status, l.delta, l.reason, l.flagReasons, l.note])).toEqual([
        ['released', 3, 'adjustment', [], 'welcome'],
        ['released', 10, 'referral_advocate', ['disposable_email'], `released: flag ${flagOf(ids[0])} approved`],
        ['rejected', 10, 'referral_advocate', ['disposable_email'], 'burner'],
        ['held', 10, 'referral_advocate', ['disposable_email'], null],
      ]);
      const released = data.ledger.filter((l: { status: string }) => l.status === 'released');
      expect(released.reduce((sum: number, l: { delta: number }) => sum + l.delta, 0)).toBe(data.points);
      const friendLedger = (await api('GET', `/entries/${ids[2]}/ledger`)).json().data;
      expect(friendLedger).toMatchObject({ points: 0, ledger: [{ status: 'held', delta: 5, reason: 'referral_friend' }] });
    });
  });

  it('done when: 50 throwaway and plus-tagged signups through one code leave points and rank unchanged until approved', async () => {
    const { jane } = await seed();
    const leader = await t().entry('c1', { email: 'lead@example.com' });
    await t().store.transaction((tx) => tx.ledger.award(leader, 100, 'adjustment', null, T0, 'head start'));
    const before = { points: await points(jane.id), rank: (await rankOf(jane.id))!.rank };
    for (let i = 0; i < 50; i++) {
      const email = i % 2 ? `burst${i}@mailinator.com` : `jane.doe+${i}@gmail.com`;
      expect((await signup(email, { ip: `198.51.100.${i}` })).statusCode).toBe(200);
    }
    expect({ points: await points(jane.id), rank: (await rankOf(jane.id))!.rank }).toEqual(before);
    const pending = (await flags()).data as Array<{ id: string }>;
    expect(pending).toHaveLength(50);
    for (const flag of pending) expect((await api('POST', `/flags/${flag.id}/approve`)).statusCode).toBe(200);
    expect(await points(jane.id)).toBe(500);
    expect(await rankOf(jane.id)).toMatchObject({ rank: 1, points: 500 });
  });

  it("bots' visits answer 200 and store nothing; a browser's are stored", async () => {
    await seed();
    const before = (await t().counts()).visits;
    for (const ua of ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'curl/8.5.0', 'facebookexternalhit/1.1']) {
      const res = await visit('198.51.100.50', ua);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ success: true });
    }
    expect((await t().counts()).visits).toBe(before);
    expect((await visit('198.51.100.50')).statusCode).toBe(200);
    expect((await t().counts()).visits).toBe(before + 1);
    expect((await api('GET', '/contests/c1/analytics')).json().data.totalViews).toBe(1);
  });

  describe('the database holds the rules, whatever writes', () => {
    it('a held referral cannot reach points by a ledger row; a decided flag cannot change', async () => {
      const { jane } = await seed();
      const friendId = await signedUp('guard@mailinator.com');
      await expect(t().store.transaction((tx) => tx.ledger.award(jane, 10, 'referral_advocate', friendId, T0))).rejects.toThrow(/held referral points/);
      const [flag] = (await flags()).data;
      await api('POST', `/flags/${flag.id}/approve`);
      // Released once: the once-per-cause key refuses a second row; other amounts are refused too.
      await expect(t().store.transaction((tx) => tx.ledger.award(jane, 99, 'referral_advocate', `${friendId}`, T0))).rejects.toThrow();
      await expect(t().store.transaction((tx) => tx.fraud.decideFlag(flag.id, 'rejected', null, T0))).resolves.toBe(false);
      expect(await points(jane.id)).toBe(10);
    });

    it('no raw IP or network is stored with a signup; erasure removes its signals', async () => {
      await seed();
      const id = await signedUp('private@example.com', { ip: '203.0.113.77' });
      const rows = await t().rows('entry_signals');
      const mine = rows.find((r) => r.entry_id === id)!;
      expect(mine.visitor_key).toMatch(/^[0-9a-f]{32}$/);
      expect(mine.network_key).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.stringify(rows)).not.toMatch(/203\.0\.113/);
      expect((await api('GET', `/entries/${id}`)).statusCode).toBe(200);
      await t().app.inject({ method: 'DELETE', url: `/api/v1/entries/${id}`, headers: { 'x-api-key': privateKey } });
      expect((await t().rows('entry_signals')).find((r) => r.entry_id === id)).toBeUndefined();
    });
  });

  it('postJson sends a browser user agent, so the helper-based suites keep recording visits', async () => {
    await seed();
    expect((await postJson(t().app, '/api/referral/track-visit', { contestId: 'c1', referralCode: 'REF-JANE01' })).status).toBe(200);
    expect((await t().counts()).visits).toBe(1);
  });
}));
