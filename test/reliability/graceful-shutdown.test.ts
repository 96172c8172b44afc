import { existsSync, statSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  ENGINES,
  allRows,
  invariantViolations,
  noViolations,
  probe,
  seed,
  sleep,
  useWorkspace,
  withStoreOn,
  type Engine,
} from './harness.js';

/**
 * Graceful shutdown: SIGTERM / SIGINT while ~200 requests are in flight.
 *
 * "In flight" is made certain, not left to timing: each request goes on its own connection and
 * sends its headers and only the first half of its JSON body; once every request has been written
 * (and a /healthz round trip on a fresh connection shows the server has caught up with its accept
 * queue), the signal is sent, and only then is the second half of every body written. So every
 * request was accepted (its headers parsed) before the signal; the bodies are completed only after
 * a new connection is refused (the server has acted on the signal), so the server can only answer
 * them by waiting for the rest of the body: a correct shutdown answers all of them 2xx, commits them, and
 * then exits 0. A connection error for any of them is a failure, not an allowed outcome.
 *
 * Runs on both engines; what was committed is read through a store opened on the collector's own
 * `--db`. On SQLite the file is also checked (integrity_check, and no WAL left behind).
 */
const CONTEST = 'shutdown';
const REQUESTS = 200;

const workspace = useWorkspace('shutdown');

interface Pending {
  kind: 'signup' | 'purchase';
  key: string;
  req: ClientRequest;
  rest: string;
  result: Promise<{ status: number; body: any } | { error: string }>;
}

/** Starts a POST on a new connection with only the first half of its body written. */
function startHalfRequest(port: number, path: string, payload: object): { req: ClientRequest; rest: string; result: Pending['result']; written: Promise<void> } {
  const body = JSON.stringify(payload);
  const half = Math.floor(body.length / 2);
  const req = request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  });
  const result = new Promise<{ status: number; body: any } | { error: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => void (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', (e) => resolve({ error: String(e) }));
    });
    req.on('error', (e) => resolve({ error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` }));
  });
  req.flushHeaders();
  const written = new Promise<void>((resolve) => req.write(body.slice(0, half), () => resolve()));
  return { req, rest: body.slice(half), result, written };
}

async function shutdownWhileInFlight(engine: Engine, signal: 'SIGTERM' | 'SIGINT') {
  const db = await workspace.database(engine, signal);
  const { advocates } = await seed(db, CONTEST, 1);
  const code = advocates[0]!.code;
  const server = await workspace.startCollector(db);

  const pending: Pending[] = [];
  const written: Promise<void>[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const isSignup = i % 2 === 0;
    const key = isSignup ? `g${i}@x.com` : `order-${i}`;
    const started = isSignup
      ? startHalfRequest(server.port, '/api/referral/track-signup', { email: key, contestId: CONTEST, referralCode: code })
      : startHalfRequest(server.port, '/api/referral/track-purchase', { email: `buyer${i}@x.com`, contestId: CONTEST, orderId: key, amount: 10, referralCode: code });
    pending.push({ kind: isSignup ? 'signup' : 'purchase', key, ...started });
    written.push(started.written);
  }
  await Promise.all(written);
  // Connections are accepted in order: once a later, fresh connection is answered, the earlier
  // ones have been accepted and their headers parsed. A short pause covers the rest.
  expect(await probe(server.port)).toBe('status 200');
  await sleep(200);

  const signalledAt = Date.now();
  server.child.kill(signal);
  // Wait until the server has acted on the signal: its listener is closed, so a new connection is
  // refused, while the 200 half-sent requests are still waiting for the rest of their bodies.
  let during = await probe(server.port);
  while (during !== 'ECONNREFUSED' && Date.now() - signalledAt < 3_000) {
    await sleep(20);
    during = await probe(server.port);
  }
  const refusedAfterMs = Date.now() - signalledAt;
  expect(during, 'a new connection after the signal').toBe('ECONNREFUSED');
  await sleep(50);
  for (const p of pending) p.req.end(p.rest);

  const results = await Promise.all(pending.map((p) => p.result));
  const exit = await Promise.race([server.exited, sleep(5_000).then(() => 'timeout' as const)]);
  const exitMs = Date.now() - signalledAt;
  expect(exit, `the collector did not exit within 5 s of ${signal}:\n${server.output()}`).not.toBe('timeout');
  expect(exit).toEqual({ code: 0, signal: null });
  // It waited for the bodies sent after it had stopped listening instead of dropping those requests.
  expect(exitMs).toBeGreaterThan(refusedAfterMs);

  const failed = results
    .map((r, i) => ({ i, kind: pending[i]!.kind, r }))
    .filter(({ r }) => !('status' in r) || r.status < 200 || r.status >= 300);
  expect(failed, 'requests in flight at the signal that did not get a 2xx').toEqual([]);

  // Nobody listens any more.
  expect(await probe(server.port)).toBe('ECONNREFUSED');

  if (engine === 'sqlite') {
    // SQLite only: closed cleanly, the last connection's close checkpointed and removed the WAL.
    const wal = `${db}-wal`;
    expect(existsSync(wal) ? statSync(wal).size : 0, 'bytes left in the -wal file').toBe(0);
  }
  await withStoreOn(db, async (store) => {
    // On SQLite this includes integrity_check of the file.
    expect(await invariantViolations(store, db)).toEqual(noViolations);
    const [entries, purchases] = await Promise.all([allRows(store, 'entries'), allRows(store, 'purchases')]);
    const entry = (id: string, email: string) => entries.some((e) => e.id === id && e.email_normalized === email);
    const purchase = (id: string, orderId: string) => purchases.some((p) => p.id === id && p.order_id === orderId);
    const missing: string[] = [];
    results.forEach((r, i) => {
      const p = pending[i]!;
      const data = 'body' in r ? r.body?.data : undefined;
      if (!data) return;
      if (p.kind === 'signup' && !entry(data.entryId, p.key)) missing.push(`signup ${p.key}`);
      if (p.kind === 'purchase' && !purchase(data.purchaseId, p.key)) missing.push(`purchase ${p.key}`);
    });
    expect(missing, 'acknowledged writes missing after shutdown').toEqual([]);
    expect(entries).toHaveLength(1 + REQUESTS / 2);
    expect(purchases).toHaveLength(REQUESTS / 2);
  });
  console.info(`[graceful-shutdown ${engine}] ${signal}: ${REQUESTS} in-flight requests answered 2xx; listener closed within ${refusedAfterMs} ms, exit 0 after ${exitMs} ms`);
}

describe.each(ENGINES)('graceful shutdown with requests in flight on %s', (engine) => {
  const closes = engine === 'sqlite' ? 'closes the database (SQLite only: checkpointed, no WAL left, integrity_check ok)' : 'closes the database';
  it(`SIGTERM: finishes every in-flight request, commits it, ${closes} and exits 0`, { timeout: 20_000 }, async () => {
    await shutdownWhileInFlight(engine, 'SIGTERM');
  });

  it('SIGINT: the same', { timeout: 20_000 }, async () => {
    await shutdownWhileInFlight(engine, 'SIGINT');
  });
});
