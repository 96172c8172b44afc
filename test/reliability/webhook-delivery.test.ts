import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../integrations/webhook-receiver.js';
import { ENGINES, allRows, postJson, seed, useWorkspace, withStoreOn } from './harness.js';

/**
 * At-least-once delivery across kill -9: a collector with deliveries pending (some leased and in
 * flight to a receiver that hangs, the rest waiting for their retry) is killed, and a fresh one on
 * the same database delivers every event; a re-sent event carries the same webhook-id.
 */
process.env.REFROCKET_ALLOW_PRIVATE_WEBHOOKS = '1';
process.env.REFROCKET_WEBHOOK_RETRY_SCHEDULE = '200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms';
process.env.REFROCKET_WEBHOOK_TIMEOUT_MS = '1000';

const SIGNUPS = 30;
const workspace = useWorkspace('webhook-kill');
let receiverToClose: Awaited<ReturnType<typeof startReceiver>> | undefined;
afterAll(async () => receiverToClose?.close());

describe.each(ENGINES)('outbound webhooks survive kill -9 (%s)', (engine) => {
  it('every event arrives after a restart; none lost; duplicates share their webhook-id', async () => {
    const db = await workspace.database(engine, 'hooks');
    const { privateKey, advocates } = await seed(db, 'hk', 1);
    let hang = true;
    const receiver = await startReceiver({ hold: () => hang });
    receiverToClose = receiver;
    const first = await workspace.startCollector(db);
    const registered = await postJson(`${first.base}/api/v1/webhook-endpoints`, { url: receiver.url, events: ['entry.created'] }, { 'x-api-key': privateKey });
    expect(registered.status, first.output()).toBe(201);
    for (let i = 0; i < SIGNUPS; i++) {
      const res = await postJson(`${first.base}/api/referral/track-signup`, { email: `f${i}@x.com`, contestId: 'hk', referralCode: advocates[0].code });
      expect(res.status).toBe(200);
    }
    await receiver.waitFor(1); // deliveries are in flight to a receiver that does not answer
    await first.stop('SIGKILL');

    hang = false;
    const second = await workspace.startCollector(db);
    const events = await withStoreOn(db, async (store) => (await allRows(store, 'webhook_events')).map((e) => e.id));
    expect(events).toHaveLength(SIGNUPS);
    // Leases taken by the killed collector end after 2 × timeout + 1 s; then everything is re-sent.
    await expect.poll(() => new Set(receiver.received.filter((r) => r.id !== 'undefined').map((r) => r.id)).size, { timeout: 30_000, interval: 100 }).toBe(SIGNUPS);
    expect([...new Set(receiver.received.map((r) => r.id))].sort()).toEqual([...events].sort());
    // Every delivery succeeds in the end. Those held in flight when the collector died never got an
    // answer, so their success came from a re-send (seeing every id once is not yet that).
    await expect.poll(async () => withStoreOn(db, async (store) =>
      (await allRows(store, 'webhook_deliveries')).filter((d) => d.status !== 'succeeded').length), { timeout: 15_000, interval: 100 }).toBe(0);
    // The deliveries held in flight when the collector died were sent again: more copies than events.
    expect(receiver.received.length).toBeGreaterThan(SIGNUPS);
    // Every copy of one event has the same id and the same body.
    const bodies = new Map<string, string>();
    for (const r of receiver.received) {
      if (bodies.has(r.id)) expect(r.body).toBe(bodies.get(r.id));
      bodies.set(r.id, r.body);
    }
    await second.stop('SIGTERM');
  }, 90_000);
});
