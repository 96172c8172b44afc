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

/** Spawns a server child and returns once GET /healthz answers 200; startupMs = spawn → that 200. */
export async function startServer(name, args, { port, timeoutMs = 15_000 } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
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
 * can carry unique emails/orderIds. Returns the figures the report uses.
 */
export async function load({ url, method = 'GET', path, headers = {}, next, duration, connections = 50, serverPid }) {
  let i = 0;
  const request = { method, path, headers: { 'content-type': 'application/json', ...headers } };
  if (method === 'GET') delete request.headers['content-type'];
  if (next) request.setupRequest = (req) => ({ ...req, ...next(i++) });
  const cpuBefore = cpuSnapshot(serverPid);
  const r = await autocannon({ url, connections, duration, requests: [request] });
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
    cpuUsPerRequest: cpuPerRequest(cpuBefore, cpuSnapshot(serverPid), ok + r.non2xx),
  };
}

// CPU time per request: what each side of a run spends, so a ratio can be read against the cores
// the box has. Linux only (/proc); elsewhere the figures are null.
const TICK_US = 10_000; // /proc reports clock ticks; USER_HZ is 100 on Linux
const tenths = (value) => Math.round(value * 10) / 10;

/** utime + stime of a process or thread, in µs, from /proc/<pid>[/task/<tid>]/stat. */
function procCpuUs(statPath) {
  const fields = readFileSync(statPath, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}

function cpuSnapshot(serverPid) {
  const own = process.cpuUsage();
  const snapshot = { loadGenerator: own.user + own.system, server: null, serverMain: null };
  if (!serverPid) return snapshot;
  try {
    snapshot.server = procCpuUs(`/proc/${serverPid}/stat`); // all threads, including exited ones
    snapshot.serverMain = procCpuUs(`/proc/${serverPid}/task/${serverPid}/stat`);
  } catch {
    // no /proc (not Linux), or the server is gone
  }
  return snapshot;
}

/**
 * µs of CPU per request: the server's main thread (HTTP, validation, reads), its other threads
 * (the write thread, the checkpointer, libuv's pool), and the load generator (this process, which
 * does nothing else during a run).
 */
function cpuPerRequest(before, after, requests) {
  if (!requests) return null;
  const per = (a, b) => (a === null || b === null ? null : tenths((b - a) / requests));
  const main = per(before.serverMain, after.serverMain);
  const server = per(before.server, after.server);
  return {
    serverMain: main,
    serverThreads: server === null || main === null ? null : tenths(server - main),
    server,
    loadGenerator: per(before.loadGenerator, after.loadGenerator),
  };
}

/**
 * What CPU per request implies when the load generator shares the cores. With every core busy,
 * req/s is cores ÷ (server + load generator µs per request), so:
 * - cpuBoundRatioPct: the collector's ratio at these costs, (baseline server + load generator) ÷
 *   (collector + load generator);
 * - serverCpuBudgetUs: the most the collector may spend per request to reach `targetPct` of the
 *   baseline, (baseline server + load generator) ÷ target − load generator (the load generator's
 *   cost taken from the baseline run, at the higher rate).
 * Null without /proc figures.
 */
export function cpuBounds(collectorCpu, baselineCpu, targetPct) {
  if (collectorCpu?.server == null || baselineCpu?.server == null) return null;
  const baselinePerRequest = baselineCpu.server + baselineCpu.loadGenerator;
  return {
    cpuBoundRatioPct: tenths((baselinePerRequest / (collectorCpu.server + collectorCpu.loadGenerator)) * 100),
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

