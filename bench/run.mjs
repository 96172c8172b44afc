// `npm run bench [-- --quick | --scale | --profile]`: the collector against a bare Fastify baseline.
// See bench/README.md for what is measured and how to read it.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  collectorArgs, cpuBounds, freePort, load, measureStartup, printTargets, ROOT, startServer, table, target, writeResults,
} from './lib.mjs';
import { codeFor, CONTEST_ID, emailFor, seedDatabase } from './seed.mjs';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const PROFILE = argv.includes('--profile');
const CONNECTIONS = 50;
const DURATION = QUICK ? 3 : 8;
const WARMUP = QUICK ? 0.5 : 1;
const ENTRIES = 10_000;
/** The issue's ratio targets, % of the paired baseline's req/s. */
const WRITE_TARGETS = { 'track-visit': 80, 'track-signup': 50, 'track-purchase': 50 };

async function main() {
  if (argv.includes('--scale')) {
    const { runScale } = await import('./scale.mjs');
    return runScale();
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'refrocket-bench-'));
  const db = join(dir, 'bench.db');
  const servers = [];
  try {
    console.log(`Mode: ${QUICK ? 'quick' : 'default'} — ${CONNECTIONS} connections, ${DURATION} s per run (+${WARMUP} s warm-up), ${os.cpus().length} CPUs`);
    let t = performance.now();
    const seed = seedDatabase(db, { entries: ENTRIES });
    console.log(`Seeded ${ENTRIES} entries in ${Math.round(performance.now() - t)} ms (${db})`);

    // Start-up on an existing database: three spawns; the third stays up for the load runs.
    const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, '.tmp/prof')}`] : [];
    const { server: collector, startup } = await measureStartup(db, 3, nodeArgs);
    servers.push(collector);
    console.log(`Collector start-up (spawn → first /healthz 200): ${startup.runsMs.join(', ')} ms`);

    const basePort = await freePort();
    const baseline = await startServer('baseline', ['bench/baseline-server.mjs', String(basePort)], { port: basePort });
    servers.push(baseline);
    startup.bareFastifyMs = Math.round(baseline.startupMs); // reference: the floor for a Node + Fastify spawn

    const run = Date.now().toString(36);
    const key = { 'x-api-key': seed.publicKey };
    const visitBody = (i) => JSON.stringify({
      referralCode: codeFor(i % ENTRIES), contestId: CONTEST_ID,
      url: 'https://shop.example/pricing?ref=1', referrer: 'https://www.google.com/',
    });
    const signupBody = (i) => JSON.stringify({
      email: `bench-${run}-${i}@example.com`, contestId: CONTEST_ID, referralCode: codeFor(i % ENTRIES), name: 'Bench User',
    });
    const purchaseBody = (i) => JSON.stringify({
      email: emailFor(i % ENTRIES), contestId: CONTEST_ID, orderId: `bench-${run}-${i}`, amount: 19.99,
      currency: 'USD', referralCode: codeFor((i * 7 + 1) % ENTRIES),
    });
    const query = (i) => `?code=${codeFor(i % ENTRIES)}&contestId=${CONTEST_ID}`;
    let signupN = 0;
    let purchaseN = 0;
    const c = collector.url;
    const v1 = `/api/v1/contests/${CONTEST_ID}`;
    const baselineCases = {
      POST: { url: baseline.url, method: 'POST', next: (i) => ({ path: '/post', body: signupBody(i) }) },
      GET: { url: baseline.url, next: (i) => ({ path: `/get${query(i)}` }) },
    };
    const cases = [
      { name: 'track-visit', shape: 'POST', url: c, method: 'POST', next: (i) => ({ path: '/api/referral/track-visit', body: visitBody(i) }) },
      { name: 'track-signup', shape: 'POST', url: c, method: 'POST', next: () => ({ path: '/api/referral/track-signup', body: signupBody(signupN++) }) },
      { name: 'track-purchase', shape: 'POST', url: c, method: 'POST', next: () => ({ path: '/api/referral/track-purchase', body: purchaseBody(purchaseN++) }) },
      { name: 'validate-code', shape: 'GET', url: c, next: (i) => ({ path: `/api/referral/validate-code${query(i)}` }) },
      { name: 'leaderboard', shape: 'GET', url: c, path: `${v1}/leaderboard?limit=100`, headers: key },
      { name: 'analytics', shape: 'GET', url: c, path: `${v1}/analytics`, headers: key },
    ];

    // Each endpoint is paired with a baseline run of the same shape just before it: the machine is
    // shared, and pairing keeps both sides of a ratio under the same background load.
    for (const b of Object.values(baselineCases)) await load({ ...b, duration: WARMUP, connections: CONNECTIONS });
    const endpoints = {};
    for (const cs of cases) {
      const probePath = cs.path ?? cs.next(0).path;
      if (cs.method !== 'POST') {
        const probe = await fetch(cs.url + probePath, { headers: cs.headers });
        await probe.arrayBuffer();
        if (probe.status !== 200) {
          console.log(`${cs.name.padEnd(15)} unavailable (GET ${probePath} → ${probe.status})`);
          endpoints[cs.name] = { available: false, status: probe.status };
          continue;
        }
      }
      const base = await load({ ...baselineCases[cs.shape], duration: DURATION, connections: CONNECTIONS, serverPid: baseline.child.pid });
      const opts = {
        url: cs.url, method: cs.method, path: cs.path, headers: cs.headers, next: cs.next, connections: CONNECTIONS,
        serverPid: collector.child.pid,
      };
      const warm = await load({ ...opts, duration: WARMUP });
      const r = await load({ ...opts, duration: DURATION });
      const ratioPct = Math.round((r.reqPerSec / base.reqPerSec) * 1000) / 10;
      endpoints[cs.name] = {
        available: true, ...r, acknowledged: warm.ok + r.ok, baseline: { shape: cs.shape, ...base }, ratioPct,
        ...cpuBounds(r.cpuUsPerRequest, base.cpuUsPerRequest, WRITE_TARGETS[cs.name]),
      };
      console.log(`${cs.name.padEnd(15)} ${String(r.reqPerSec).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx + r.errors}`
        + ` | baseline ${cs.shape} ${base.reqPerSec} req/s  p99 ${base.p99} ms → ${ratioPct}%`);
    }

    // Durability: kill -9 the collector, then every acknowledged write must be in the file.
    const rssMb = collector.rssMb();
    await collector.stop(PROFILE ? 'SIGTERM' : 'SIGKILL');
    const check = new Database(db, { readonly: true });
    const stored = {
      'track-visit': check.prepare('SELECT count(*) FROM visits').pluck().get(),
      'track-signup': check.prepare('SELECT count(*) FROM entries WHERE email LIKE ?').pluck().get(`bench-${run}-%`),
      'track-purchase': check.prepare('SELECT count(*) FROM purchases WHERE order_id LIKE ?').pluck().get(`bench-${run}-%`),
    };
    check.close();
    const durability = Object.fromEntries(Object.entries(stored).map(([name, count]) => {
      const acknowledged = endpoints[name].acknowledged;
      return [name, { acknowledged, stored: count, pass: count >= acknowledged }];
    }));

    const rows = Object.entries(endpoints).map(([name, e]) => (e.available
      ? { endpoint: name, 'req/s': e.reqPerSec, 'p50 ms': e.p50, 'p99 ms': e.p99, 'non-2xx': e.non2xx + e.errors,
        baseline: `${e.baseline.shape} ${e.baseline.reqPerSec}`, 'base p99': e.baseline.p99, ratio: `${e.ratioPct}%` }
      : { endpoint: name, 'req/s': 'unavailable', baseline: `HTTP ${e.status}` }));
    console.log(`\nResults (${CONNECTIONS} connections, ${DURATION} s per run; ratio = req/s ÷ req/s of the paired baseline run)`);
    table(rows, ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'baseline', 'base p99', 'ratio']);
    printCpu(endpoints);
    console.log(`\nStart-up on existing DB: ${startup.runsMs.join(', ')} ms (median ${startup.medianMs}; bare Fastify baseline ${startup.bareFastifyMs} ms); collector RSS after load ${rssMb} MB`);
    console.log(`Durability after kill -9: ${Object.entries(durability).map(([n, d]) => `${n} ${d.stored} stored ≥ ${d.acknowledged} acknowledged: ${d.pass ? 'ok' : 'MISS'}`).join('; ')}`);

    const ratioTarget = (name, min) => {
      const e = endpoints[name];
      return target(`${name} ≥ ${min}% of baseline req/s`, e.available ? e.ratioPct : null, min, e.available ? e.ratioPct >= min : null, '%');
    };
    const targets = [
      ...Object.entries(WRITE_TARGETS).map(([name, min]) => ratioTarget(name, min)),
      ...Object.entries(endpoints).map(([name, e]) =>
        target(`${name} p99 ≤ 10 ms @${CONNECTIONS} conns`, e.available ? e.p99 : null, 10, e.available ? e.p99 <= 10 : null, ' ms')),
      target('start-up to first answer (median of 3)', startup.medianMs, 300, startup.medianMs <= 300, ' ms'),
      ...Object.entries(durability).map(([name, d]) =>
        target(`${name}: every 2xx durable after kill -9`, d.stored, d.acknowledged, PROFILE ? null : d.pass, ' rows')),
    ];
    printTargets(targets);
    writeResults('throughput', {
      mode: QUICK ? 'quick' : 'default',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg(), note: 'shared machine; compare ratios, not absolute numbers' },
      config: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, entries: ENTRIES },
      startup,
      collectorRssMb: rssMb,
      endpoints,
      durability,
      targets,
    });
  } finally {
    for (const s of servers) await s.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU per request on each side and what it implies (lib.mjs, cpuBounds). */
function printCpu(endpoints) {
  const rows = Object.entries(endpoints).filter(([, e]) => e.cpuBoundRatioPct !== undefined).map(([name, e]) => {
    const c = e.cpuUsPerRequest;
    const b = e.baseline.cpuUsPerRequest;
    return {
      endpoint: name, 'main': c.serverMain, 'threads': c.serverThreads, 'load gen': c.loadGenerator,
      'base server': b.server, 'base load gen': b.loadGenerator, 'cpu-bound ratio': `${e.cpuBoundRatioPct}%`,
      'budget at target': e.serverCpuBudgetUs === null ? '' : `${e.serverCpuBudgetUs} (${WRITE_TARGETS[name]}%)`,
    };
  });
  if (rows.length === 0) return; // no /proc here
  console.log('\nCPU µs per request: collector main thread, its other threads (write thread, checkpointer), the load');
  console.log('generator; the paired baseline; the ratio if every core were busy at these costs; and the most the');
  console.log('collector (main + threads) may spend per request to reach its target with this load generator on this box');
  table(rows, ['endpoint', 'main', 'threads', 'load gen', 'base server', 'base load gen', 'cpu-bound ratio', 'budget at target']);
}

await main();
