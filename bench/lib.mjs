// Shared helpers: child servers, start-up timing, autocannon runs, latency series, RSS.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = new URL('..', import.meta.url).pathname;

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a server child and returns once GET /healthz answers 200; startupMs = spawn → that 200.
 * `cwd` is the checkout whose bin/ runs (another revision's worktree for --compare).
 */
export async function startServer(name, args, { port, timeoutMs = 15_000, cwd = ROOT } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; process.stderr.write(chunk); });
  let exited = null;
  child.once('exit', (code, signal) => { exited = { code, signal }; });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(`${name} exited during start-up (${JSON.stringify(exited)}): ${stderr}`);
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer /healthz within ${timeoutMs} ms`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(2);
  }
  const startupMs = performance.now() - started;
  return {
    name,
    child,
    url,
    startupMs,
    rssMb: () => procStatusMb(child.pid, 'VmRSS'),
    peakRssMb: () => procStatusMb(child.pid, 'VmHWM'),
    async stop(signal = 'SIGTERM') {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await done;
    },
  };
}

export function procStatusMb(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return line ? Math.round(Number(line.split(/\s+/)[1]) / 102.4) / 10 : null; // kB → MB, 1 decimal
}

/**
 * One autocannon run. `next(i)` (optional) returns {path?, body?} for the i-th request, so bodies
 * can carry unique emails/orderIds. Returns the figures the report uses. `serverPid` (or
 * `serverPids`, for several collectors) and `databaseCpuUs` (the PostgreSQL server's CPU, see
 * postgres.mjs) select whose CPU is counted per request.
 */
export async function load({ url, method = 'GET', path, headers = {}, next, duration, connections = 50, serverPid, serverPids, databaseCpuUs }) {
  const cpu = cpuMeter(serverPids ?? [serverPid], databaseCpuUs);
  const r = await autocannon({ url, connections, duration, requests: [requestTemplate({ method, path, headers, next })] });
  const ok = r['2xx'];
  return {
    reqPerSec: Math.round(ok / r.duration),
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.mean,
    ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS: r.duration,
    cpuUsPerRequest: cpu.perRequest(ok + r.non2xx),
  };
}

/** autocannon's request description; `next(i)` is called with a counter local to this template. */
function requestTemplate({ method = 'GET', path, headers = {}, next, counter = { i: 0 } }) {
  const request = { method, path, headers: { 'content-type': 'application/json', ...headers } };
  if (method === 'GET') delete request.headers['content-type'];
  if (next) request.setupRequest = (req) => ({ ...req, ...next(counter.i++) });
  return request;
}

/**
 * One run against several servers at once, the bench's own round-robin: one autocannon instance
 * per server with an equal share of the connections, all started together, sharing one request
 * counter (so bodies stay unique across servers). Requests are summed. Latency percentiles are
 * those of the union of every 2xx response time of all instances (recorded from autocannon's
 * 'response' events), floored to whole ms like autocannon's own histogram, so they read like
 * `load()`'s; the per-instance p99s are kept too (`perServer`).
 */
export async function loadSplit({ targets, method = 'GET', path, headers = {}, next, duration, connections = 50, databaseCpuUs }) {
  const counter = { i: 0 };
  const times = [];
  const cpu = cpuMeter(targets.map((t) => t.pid), databaseCpuUs);
  const runs = await Promise.all(targets.map((t, k) => {
    const share = Math.floor(connections / targets.length) + (k < connections % targets.length ? 1 : 0);
    const instance = autocannon({ url: t.url, connections: share, duration, requests: [requestTemplate({ method, path, headers, next, counter })] });
    instance.on('response', (_client, status, _bytes, ms) => { if (status >= 200 && status < 300) times.push(ms); });
    return instance;
  }));
  const sum = (field) => runs.reduce((a, r) => a + r[field], 0);
  const ok = sum('2xx');
  const durationS = Math.max(...runs.map((r) => r.duration));
  const merged = times.length ? summarize(times.map(Math.floor)) : { p50: null, p99: null, mean: null };
  return {
    reqPerSec: Math.round(ok / durationS),
    p50: merged.p50,
    p99: merged.p99,
    mean: merged.mean,
    ok,
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    durationS,
    perServer: runs.map((r) => ({ reqPerSec: Math.round(r['2xx'] / r.duration), p50: r.latency.p50, p99: r.latency.p99 })),
    cpuUsPerRequest: cpu.perRequest(ok + sum('non2xx')),
  };
}

// CPU time per request: what each side of a run spends, so a ratio can be read against the cores
// the box has. Linux only (/proc); elsewhere the figures are null.
const TICK_US = 10_000; // /proc reports clock ticks; USER_HZ is 100 on Linux
const tenths = (value) => Math.round(value * 10) / 10;

/** utime + stime of a process or thread, in µs, from /proc/<pid>[/task/<tid>]/stat. */
export function procCpuUs(statPath) {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

/** Starts counting CPU: call perRequest(n) at the end of the run. */
export function cpuMeter(serverPids, databaseCpuUs) {
  const pids = serverPids.filter(Boolean);
  const before = cpuSnapshot(pids, databaseCpuUs);
  return { perRequest: (requests) => cpuPerRequest(before, cpuSnapshot(pids, databaseCpuUs), requests) };
}

function cpuSnapshot(serverPids, databaseCpuUs) {
  const own = process.cpuUsage();
  const snapshot = { loadGenerator: own.user + own.system, server: null, serverMain: null, database: databaseCpuUs?.() ?? null };
  if (serverPids.length === 0) return snapshot;
  try {
    // Summed over the collectors when there are several.
    snapshot.server = serverPids.reduce((a, pid) => a + procCpuUs(`/proc/${pid}/stat`), 0); // all threads, including exited ones
    snapshot.serverMain = serverPids.reduce((a, pid) => a + procCpuUs(`/proc/${pid}/task/${pid}/stat`), 0);
  } catch {
    // no /proc (not Linux), or the server is gone
    snapshot.server = null;
    snapshot.serverMain = null;
  }
  return snapshot;
}

/**
 * µs of CPU per request: the server's main thread (HTTP, validation, reads), its other threads
 * (the write thread, the checkpointer, libuv's pool, pg's socket work), the load generator (this
 * process, which does nothing else during a run), and on PostgreSQL the database server's
 * processes (`database`; absent on SQLite, whose work is inside the collector).
 */
function cpuPerRequest(before, after, requests) {
  if (!requests) return null;
  const per = (a, b) => (a === null || b === null ? null : tenths((b - a) / requests));
  const main = per(before.serverMain, after.serverMain);
  const server = per(before.server, after.server);
  const result = {
    serverMain: main,
    serverThreads: server === null || main === null ? null : tenths(server - main),
    server,
    loadGenerator: per(before.loadGenerator, after.loadGenerator),
  };
  if (before.database !== null || after.database !== null) result.database = per(before.database, after.database);
  return result;
}

/**
 * What CPU per request implies when the load generator shares the cores. With every core busy,
 * req/s is cores ÷ (server + load generator µs per request), so:
 * - cpuBoundRatioPct: the collector's ratio at these costs, (baseline server + load generator) ÷
 *   (collector + load generator);
 * - serverCpuBudgetUs: the most the collector (with its database server, if any) may spend per
 *   request to reach `targetPct` of the baseline, (baseline server + load generator) ÷ target − load generator (the load generator's
 *   cost taken from the baseline run, at the higher rate).
 * Null without /proc figures.
 */
export function cpuBounds(collectorCpu, baselineCpu, targetPct) {
  if (collectorCpu?.server == null || baselineCpu?.server == null) return null;
  const baselinePerRequest = baselineCpu.server + baselineCpu.loadGenerator;
  // On PostgreSQL the database server shares the cores too: its work is part of the collector's cost.
  const collectorPerRequest = collectorCpu.server + (collectorCpu.database ?? 0) + collectorCpu.loadGenerator;
  return {
    cpuBoundRatioPct: tenths((baselinePerRequest / collectorPerRequest) * 100),
    serverCpuBudgetUs: targetPct ? tenths(baselinePerRequest / (targetPct / 100) - baselineCpu.loadGenerator) : null,
  };
}

/** n sequential requests (keep-alive), client-side latency in ms. */
export async function latencySeries(url, { n = 200, headers = {} } = {}) {
  const times = [];
  let status = 0;
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    times.push(performance.now() - t);
    status = res.status;
    if (status !== 200) return { status, available: false };
  }
  return { available: true, status, ...summarize(times) };
}

export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (v) => Math.round(v * 100) / 100;
  return {
    n: sorted.length,
    p50: round(pick(0.5)),
    p99: round(pick(0.99)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    max: round(sorted[sorted.length - 1]),
  };
}

export const median = (values) => summarize(values).p50;

/** Prints rows (objects) as an aligned text table. */
export function table(rows, columns) {
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? '')));
  const widths = columns.map((c, k) => Math.max(c.length, ...cells.map((r) => r[k].length)));
  const line = (values) => values.map((v, k) => (k === 0 ? v.padEnd(widths[k]) : v.padStart(widths[k]))).join('  ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

export const collectorArgs = (port, db, nodeArgs = []) => [
  ...nodeArgs, 'bin/refrocket.mjs', 'serve', '--port', String(port), '--host', '127.0.0.1',
  '--db', db, '--rate-limit', 'off', '--log-level', 'warn',
];

/** Spawns the collector `times` times on db (stopping all but the last); returns it and the start-up times. */
export async function measureStartup(db, times, nodeArgs = []) {
  const ms = [];
  for (let k = 0; ; k++) {
    const port = await freePort();
    const server = await startServer('collector', collectorArgs(port, db, nodeArgs), { port });
    ms.push(Math.round(server.startupMs));
    if (k === times - 1) return { server, startup: { runsMs: ms, medianMs: median(ms) } };
    await server.stop();
  }
}
export function target(name, measured, limit, pass, unit = '') {
  return { name, measured, limit, unit, pass };
}

export function printTargets(targets) {
  console.log('\nTargets');
  table(targets.map((t) => ({
    target: t.name,
    measured: t.measured === null ? 'unavailable' : `${t.measured}${t.unit}`,
    limit: `${t.limit}${t.unit}`,
    result: t.pass === null ? 'n/a' : t.pass ? 'ok' : 'MISS',
  })), ['target', 'measured', 'limit', 'result']);
  const missed = targets.filter((t) => t.pass === false).map((t) => t.name);
  console.log(missed.length ? `\nMISS: ${missed.join('; ')}` : '\nAll targets met.');
}

/** Writes one section ('throughput' or 'scale') of bench/results.json, keeping the other. */
export function writeResults(section, results) {
  const file = join(ROOT, 'bench/results.json');
  let all = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // first run, or an unreadable file: start over
  }
  all[section] = results;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  console.log(`\nFigures written to ${file} (section "${section}")`);
}

