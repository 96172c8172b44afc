// `npm run bench [-- --quick | --scale | --profile | --db postgres [--collectors 2] | --compare [rev] | --export [--rows N]]`:
// the collector against a bare Fastify baseline. See bench/README.md for what is measured and how
// to read it.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  cpuBounds, freePort, load, loadSplit, measureStartup, printTargets, ROOT, startServer, table, target, writeResults, collectorArgs,
} from './lib.mjs';
import { paced, pacedAgents } from './paced.mjs';
import { codeFor, CONTEST_ID, emailFor, seedDatabase } from './seed.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const k = argv.indexOf(name);
  return k === -1 ? fallback : argv[k + 1];
};
const QUICK = argv.includes('--quick');
const PROFILE = argv.includes('--profile');
const ENGINE = flag('--db', 'sqlite');
const COLLECTORS = Number(flag('--collectors', '1'));
const CONNECTIONS = 50;
const DURATION = QUICK ? 3 : 8;
const WARMUP = QUICK ? 0.5 : 1;
const ENTRIES = 10_000;
/** The fixed, moderate rate of the "latency a visitor feels" runs (req/s). */
const FIXED_RATE = 2_000;
/** The issue's ratio targets, % of the paired baseline's req/s. */
const WRITE_TARGETS = { 'track-visit': 80, 'track-signup': 50, 'track-purchase': 50 };

function checkFlags() {
  if (!['sqlite', 'postgres'].includes(ENGINE)) throw new Error(`--db must be sqlite or postgres, got ${ENGINE}`);
  if (!Number.isInteger(COLLECTORS) || COLLECTORS < 1) throw new Error('--collectors must be a positive integer');
  // Several processes on one SQLite file would contend for its single write lock: not a supported set-up.
  if (COLLECTORS > 1 && ENGINE !== 'postgres') throw new Error('--collectors > 1 needs --db postgres');
}

async function main() {
  checkFlags();
  if (argv.includes('--scale')) {
    const { runScale } = await import('./scale.mjs');
    return runScale();
  }
  if (argv.includes('--export')) {
    const { runExportMemory } = await import('./export-memory.mjs');
    return runExportMemory(Number(flag('--rows', '1000000')));
  }
  if (argv.includes('--compare')) {
    const { runCompare } = await import('./compare.mjs');
    return runCompare();
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'refrocket-bench-'));
  const file = join(dir, 'bench.db');
  const cleanup = [];
  const servers = [];
  try {
    const label = ENGINE === 'postgres' ? `PostgreSQL, ${COLLECTORS} collector${COLLECTORS > 1 ? 's' : ''}` : 'SQLite';
    console.log(`Mode: ${QUICK ? 'quick' : 'default'} (${label}) — ${CONNECTIONS} connections, ${DURATION} s per run (+${WARMUP} s warm-up), ${os.cpus().length} CPUs`);
    const t = performance.now();
    const seed = seedDatabase(file, { entries: ENTRIES });
    console.log(`Seeded ${ENTRIES} entries in ${Math.round(performance.now() - t)} ms (${file})`);
    const storage = ENGINE === 'postgres' ? await postgresStorage(file, cleanup) : sqliteStorage(file);

    // Start-up on an existing database: three spawns; the third stays up for the load runs.
    const nodeArgs = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, '.tmp/prof')}`] : [];
    const { server: first, startup } = await measureStartup(storage.target, 3, nodeArgs);
    servers.push(first);
    console.log(`Collector start-up (spawn → first /healthz 200): ${startup.runsMs.join(', ')} ms`);
    const collectors = [first];
    while (collectors.length < COLLECTORS) {
      const port = await freePort();
      const more = await startServer('collector', collectorArgs(port, storage.target, nodeArgs), { port });
      servers.push(more);
      collectors.push(more);
    }

    // The baseline has the collectors' topology (one process per collector, same round-robin), so
    // the ratio isolates what the collector adds, not what a second process adds.
    const baselines = [];
    for (let k = 0; k < COLLECTORS; k++) {
      const basePort = await freePort();
      const baseline = await startServer('baseline', ['bench/baseline-server.mjs', String(basePort)], { port: basePort });
      servers.push(baseline);
      baselines.push(baseline);
    }
    startup.bareFastifyMs = Math.round(baselines[0].startupMs); // reference: the floor for a Node + Fastify spawn

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
    const v1 = `/api/v1/contests/${CONTEST_ID}`;
    const baselineCases = {
      POST: { method: 'POST', next: (i) => ({ path: '/post', body: signupBody(i) }) },
      GET: { next: (i) => ({ path: `/get${query(i)}` }) },
    };
    const cases = [
      { name: 'track-visit', shape: 'POST', method: 'POST', next: (i) => ({ path: '/api/referral/track-visit', body: visitBody(i) }) },
      { name: 'track-signup', shape: 'POST', method: 'POST', next: () => ({ path: '/api/referral/track-signup', body: signupBody(signupN++) }) },
      { name: 'track-purchase', shape: 'POST', method: 'POST', next: () => ({ path: '/api/referral/track-purchase', body: purchaseBody(purchaseN++) }) },
      { name: 'validate-code', shape: 'GET', next: (i) => ({ path: `/api/referral/validate-code${query(i)}` }) },
      { name: 'leaderboard', shape: 'GET', path: `${v1}/leaderboard?limit=100`, headers: key },
      { name: 'analytics', shape: 'GET', path: `${v1}/analytics`, headers: key },
    ];
    // One collector: autocannon as before. Several: one autocannon per collector (lib.mjs loadSplit).
    // `databaseCpuUs` counts the PostgreSQL server's CPU in the collector's runs, not the baseline's.
    const drive = (group, opts, databaseCpuUs) => (group.length === 1
      ? load({ ...opts, url: group[0].url, serverPid: group[0].child.pid, databaseCpuUs })
      : loadSplit({ ...opts, targets: group.map((s) => ({ url: s.url, pid: s.child.pid })), databaseCpuUs }));
    const driveBaseline = (opts) => drive(baselines, opts);
    const driveCollectors = (opts) => drive(collectors, opts, storage.cpuUs);

    // Each endpoint is paired with a baseline run of the same shape just before it: the machine is
    // shared, and pairing keeps both sides of a ratio under the same background load.
    for (const b of Object.values(baselineCases)) await driveBaseline({ ...b, duration: WARMUP, connections: CONNECTIONS });
    const endpoints = {};
    for (const cs of cases) {
      const probePath = cs.path ?? cs.next(0).path;
      if (cs.method !== 'POST') {
        const probe = await fetch(collectors[0].url + probePath, { headers: cs.headers });
        await probe.arrayBuffer();
        if (probe.status !== 200) {
          console.log(`${cs.name.padEnd(15)} unavailable (GET ${probePath} → ${probe.status})`);
          endpoints[cs.name] = { available: false, status: probe.status };
          continue;
        }
      }
      const base = await driveBaseline({ ...baselineCases[cs.shape], duration: DURATION, connections: CONNECTIONS });
      const opts = { method: cs.method, path: cs.path, headers: cs.headers, next: cs.next, connections: CONNECTIONS };
      const warm = await driveCollectors({ ...opts, duration: WARMUP });
      const r = await driveCollectors({ ...opts, duration: DURATION });
      const ratioPct = Math.round((r.reqPerSec / base.reqPerSec) * 1000) / 10;
      endpoints[cs.name] = {
        available: true, ...r, acknowledged: warm.ok + r.ok, baseline: { shape: cs.shape, ...base }, ratioPct,
        ...cpuBounds(r.cpuUsPerRequest, base.cpuUsPerRequest, WRITE_TARGETS[cs.name]),
      };
      console.log(`${cs.name.padEnd(15)} ${String(r.reqPerSec).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx + r.errors}`
        + ` | baseline ${cs.shape} ${base.reqPerSec} req/s  p99 ${base.p99} ms → ${ratioPct}%`);
    }

    const fixedRate = await fixedRateRuns({ collectors, baselines, cases, baselineCases, databaseCpuUs: storage.cpuUs });
    for (const [name, f] of Object.entries(fixedRate.collector)) endpoints[name].acknowledged += f.acknowledged;

    // Durability: kill -9 the collectors, then every acknowledged write must be in the database.
    const rssMb = collectors.map((c) => c.rssMb());
    for (const c of collectors) await c.stop(PROFILE ? 'SIGTERM' : 'SIGKILL');
    const stored = await storage.countWrites(run);
    const durability = Object.fromEntries(Object.entries(stored).map(([name, count]) => {
      const acknowledged = endpoints[name].acknowledged;
      return [name, { acknowledged, stored: count, pass: count >= acknowledged }];
    }));

    const rows = Object.entries(endpoints).map(([name, e]) => (e.available
      ? { endpoint: name, 'req/s': e.reqPerSec, 'p50 ms': e.p50, 'p99 ms': e.p99, 'non-2xx': e.non2xx + e.errors,
        baseline: `${e.baseline.shape} ${e.baseline.reqPerSec}`, 'base p99': e.baseline.p99, ratio: `${e.ratioPct}%` }
      : { endpoint: name, 'req/s': 'unavailable', baseline: `HTTP ${e.status}` }));
    console.log(`\nResults — ${label} (${CONNECTIONS} connections${COLLECTORS > 1 ? ` split evenly over ${COLLECTORS} collectors, p50/p99 of all responses merged` : ''}, ${DURATION} s per run; ratio = req/s ÷ req/s of the paired baseline run)`);
    table(rows, ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'baseline', 'base p99', 'ratio']);
    printFixedRate(fixedRate);
    printCpu(endpoints, fixedRate);
    console.log(`\nStart-up on existing DB: ${startup.runsMs.join(', ')} ms (median ${startup.medianMs}; bare Fastify baseline ${startup.bareFastifyMs} ms); collector RSS after load ${rssMb.join(' + ')} MB`);
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
    const section = ENGINE === 'sqlite' ? 'throughput' : `throughput-postgres${COLLECTORS > 1 ? `-x${COLLECTORS}` : ''}`;
    writeResults(section, {
      mode: QUICK ? 'quick' : 'default',
      engine: ENGINE,
      collectors: COLLECTORS,
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg(), note: 'shared machine; compare ratios, not absolute numbers' },
      config: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, entries: ENTRIES, fixedRate: FIXED_RATE },
      ...storage.info,
      startup,
      collectorRssMb: COLLECTORS === 1 ? rssMb[0] : rssMb,
      endpoints,
      fixedRate,
      durability,
      targets,
    });
  } finally {
    for (const s of servers) await s.stop('SIGKILL').catch(() => {});
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The seeded file itself is what the collector opens; counts are read from it after kill -9. */
function sqliteStorage(file) {
  return {
    target: file,
    cpuUs: undefined,
    info: {},
    async countWrites(run) {
      const check = new Database(file, { readonly: true });
      try {
        return {
          'track-visit': check.prepare('SELECT count(*) FROM visits').pluck().get(),
          'track-signup': check.prepare('SELECT count(*) FROM entries WHERE email LIKE ?').pluck().get(`bench-${run}-%`),
          'track-purchase': check.prepare('SELECT count(*) FROM purchases WHERE order_id LIKE ?').pluck().get(`bench-${run}-%`),
        };
      } finally {
        check.close();
      }
    },
  };
}

/**
 * A PostgreSQL server (embedded, default durability, or REFROCKET_BENCH_PG_URL), a fresh database
 * on it, and the seeded SQLite file copied in with `refrocket migrate-store`.
 */
async function postgresStorage(file, cleanup) {
  const { countRows, freshDatabase, migrateIntoPostgres, postgresCpuMeter, startBenchPostgres } = await import('./postgres.mjs');
  const t = performance.now();
  const server = await startBenchPostgres();
  cleanup.push(server.stop);
  const serverMs = Math.round(performance.now() - t);
  const db = await freshDatabase(server.url);
  cleanup.push(db.drop);
  console.log(server.embedded
    ? `PostgreSQL: embedded server started in ${serverMs} ms (default durability: fsync on, synchronous_commit on)`
    : 'PostgreSQL: REFROCKET_BENCH_PG_URL');
  const copy = await migrateIntoPostgres(file, db.url);
  console.log(`Copied the SQLite file into PostgreSQL with migrate-store: ${copy.summary.rows} rows in ${copy.ms} ms`);
  const cpuUs = await postgresCpuMeter(db.url) ?? undefined;
  if (!cpuUs) console.log('PostgreSQL server processes are not visible in /proc: their CPU is not counted');
  return {
    target: db.url,
    cpuUs,
    info: { postgres: { embedded: server.embedded, serverStartMs: server.embedded ? serverMs : null, migrateStoreMs: copy.ms, migrateStoreStepsMs: copy.stepsMs, rowsCopied: copy.summary.rows } },
    countWrites: (run) => countRows(db.url, {
      'track-visit': ['SELECT count(*) FROM visits', []],
      'track-signup': ['SELECT count(*) FROM entries WHERE email LIKE $1', [`bench-${run}-%`]],
      'track-purchase': ['SELECT count(*) FROM purchases WHERE order_id LIKE $1', [`bench-${run}-%`]],
    }),
  };
}

/**
 * "The latency a visitor feels": track-visit and track-signup, and the baseline POST, at a fixed
 * FIXED_RATE req/s (paced.mjs), each after a short warm-up at that rate.
 */
async function fixedRateRuns({ collectors, baselines, cases, baselineCases, databaseCpuUs }) {
  const targetsOf = (servers) => servers.map((s) => ({ url: s.url, pid: s.child.pid }));
  const run = async (servers, cs, cpu) => {
    const agents = pacedAgents(servers.length, CONNECTIONS); // shared by warm-up and run: connections stay open
    const opts = { targets: targetsOf(servers), method: cs.method, path: cs.path, headers: cs.headers, next: cs.next, rate: FIXED_RATE, connections: CONNECTIONS, databaseCpuUs: cpu, agents };
    try {
      const warm = await paced({ ...opts, duration: WARMUP });
      const r = await paced({ ...opts, duration: DURATION });
      return { ...r, acknowledged: warm.ok + r.ok };
    } finally {
      for (const a of agents) a.destroy();
    }
  };
  const result = { rate: FIXED_RATE, baselinePOST: await run(baselines, baselineCases.POST), collector: {} };
  for (const name of ['track-visit', 'track-signup']) result.collector[name] = await run(collectors, cases.find((c) => c.name === name), databaseCpuUs);
  return result;
}

function printFixedRate(fixedRate) {
  console.log(`\nAt a fixed ${fixedRate.rate} req/s (open loop, requests spread evenly; latency per request, 0.01 ms; late = how far behind schedule the load generator sent, p99)`);
  const row = (name, f) => ({
    run: name, 'req/s': f.reqPerSec, 'p50 ms': f.p50, 'p99 ms': f.p99, 'max ms': f.max, 'non-2xx': f.non2xx + f.errors + f.unanswered, 'late p99 ms': f.lateMs.p99,
  });
  const runs = [['baseline POST', fixedRate.baselinePOST], ...Object.entries(fixedRate.collector)];
  table(runs.map(([n, f]) => row(n, f)), ['run', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'late p99 ms']);
  console.log('(non-2xx includes requests unanswered 5 s after the last one left, given up on)');
  // Below the offered rate the requests queued: the latencies are then those of an overload, not of a moderate load.
  const short = runs.filter(([, f]) => f.reqPerSec < f.offeredRate * 0.95).map(([n]) => n);
  if (short.length) console.log(`NOTE: ${short.join(', ')} did not sustain ${fixedRate.rate} req/s on this box: those latencies include queueing`);
}

/** CPU per request on each side and what it implies (lib.mjs, cpuBounds). */
function printCpu(endpoints, fixedRate) {
  const withDb = Object.values(endpoints).some((e) => e.cpuUsPerRequest?.database != null);
  const rows = Object.entries(endpoints).filter(([, e]) => e.cpuBoundRatioPct !== undefined).map(([name, e]) => {
    const c = e.cpuUsPerRequest;
    const b = e.baseline.cpuUsPerRequest;
    return {
      endpoint: name, 'main': c.serverMain, 'threads': c.serverThreads, postgres: c.database, 'load gen': c.loadGenerator,
      'base server': b.server, 'base load gen': b.loadGenerator, 'cpu-bound ratio': `${e.cpuBoundRatioPct}%`,
      'budget at target': e.serverCpuBudgetUs === null ? '' : `${e.serverCpuBudgetUs} (${WRITE_TARGETS[name]}%)`,
    };
  });
  if (rows.length === 0) return; // no /proc here
  // On PostgreSQL the collector has no write thread: its other threads are V8's (GC) and libuv's.
  console.log(`\nCPU µs per request: collector main thread, its other threads (${withDb ? 'GC, libuv' : 'write thread, checkpointer'}),`);
  console.log(`${withDb ? 'the PostgreSQL server\'s processes, ' : ''}the load generator; the paired baseline; the ratio if every core were busy at these`);
  console.log(`costs; and the most the collector (main + threads${withDb ? ' + PostgreSQL' : ''}) may spend per request to reach its target`);
  console.log('with this load generator on this box');
  const columns = ['endpoint', 'main', 'threads', ...(withDb ? ['postgres'] : []), 'load gen', 'base server', 'base load gen', 'cpu-bound ratio', 'budget at target'];
  table(rows, columns);
  const fixed = Object.entries(fixedRate.collector).filter(([, f]) => f.cpuUsPerRequest?.server != null);
  if (fixed.length === 0) return;
  console.log(`\nCPU µs per request at the fixed ${fixedRate.rate} req/s (no batching pressure: closer to one visitor's cost)`);
  table([['baseline POST', fixedRate.baselinePOST], ...fixed].map(([name, f]) => ({
    run: name, 'main': f.cpuUsPerRequest.serverMain, 'threads': f.cpuUsPerRequest.serverThreads, postgres: f.cpuUsPerRequest.database, 'load gen': f.cpuUsPerRequest.loadGenerator,
  })), ['run', 'main', 'threads', ...(withDb ? ['postgres'] : []), 'load gen']);
}

await main();
