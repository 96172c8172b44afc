// Fixed-rate ("open-loop") load: requests leave on a clock, at `rate` per second, whatever the
// server's answers do. This is the latency a visitor feels at a moderate load.
//
// Why not autocannon's `overallRate`: autocannon (8.x, lib/httpClient.js `_doRequest`) lets each
// connection send its per-second quota back to back and then pause until the next second, so
// 2,000 req/s over 50 connections arrive as a burst of 50 concurrent requests at the start of
// every second, which measures the queueing of a burst, much like the saturated run. It also
// "corrects" rate-limited latencies for coordinated omission with an expected interval of
// ceil(1 / per-connection rate) = 1 ms, adding synthetic samples to every response slower than
// 1 ms. Here requests are spread evenly over each second instead, and every sample is real.
import http from 'node:http';
import { cpuMeter, summarize } from './lib.mjs';

/**
 * Keep-alive agents, one per target, at most `connections` sockets each. Pass the same ones to a
 * warm-up and the run after it, so the run does not pay for opening connections.
 */
export const pacedAgents = (n, connections = 50) =>
  Array.from({ length: n }, () => new http.Agent({ keepAlive: true, maxSockets: connections }));

/**
 * Sends `rate × duration` requests on a fixed schedule to `targets` (round-robin: request i goes
 * to targets[i % n]), at most `connections` open at once per target (keep-alive). Latency is
 * from the request's hand-over to node's HTTP client (which queues it if every connection is busy,
 * so waiting for a connection counts) to the end of the response, in ms with 0.01 ms resolution.
 * `lateMs` says how far behind its schedule the generator itself fell (its own timers, on a busy
 * box): a large value means the rate was not really offered. A server that cannot keep up would
 * make the run last as long as its backlog: answers still missing `graceS` after the last request
 * left are given up on and counted as `unanswered` (their latency is at least that long).
 */
export async function paced({ targets, method = 'GET', path, headers = {}, next, rate, duration, connections = 50, databaseCpuUs, graceS = 5, agents: given }) {
  const agents = given ?? pacedAgents(targets.length, connections);
  const total = Math.round(rate * duration);
  const times = [];
  const late = [];
  const counts = { ok: 0, non2xx: 0, errors: 0, unanswered: 0 };
  const open = new Set();
  const cpu = cpuMeter(targets.map((t) => t.pid), databaseCpuUs);
  const start = performance.now();

  await new Promise((resolve) => {
    let sent = 0;
    let pending = 0;
    let done = false;
    let graceTimer;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(graceTimer);
      counts.unanswered = open.size;
      for (const req of open) req.destroy();
      resolve();
    };
    const settle = (req) => {
      if (done || !open.delete(req)) return;
      pending--;
      if (sent === total && pending === 0) finish();
    };
    const send = (i) => {
      const target = targets[i % targets.length];
      const spec = next ? next(i) : {};
      const body = spec.body;
      const sentAt = performance.now();
      const req = http.request(target.url + (spec.path ?? path), {
        method,
        agent: agents[i % targets.length],
        headers: body === undefined ? headers : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      }, (res) => {
        res.resume();
        res.once('end', () => {
          if (done) return;
          if (res.statusCode >= 200 && res.statusCode < 300) {
            counts.ok++;
            times.push(performance.now() - sentAt);
          } else counts.non2xx++;
          settle(req);
        });
      });
      open.add(req);
      req.once('error', () => {
        if (done) return;
        counts.errors++;
        settle(req);
      });
      req.end(body);
    };
    // Each tick sends every request whose time has come (timers fire about once a ms here).
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      for (; sent < due; sent++) {
        late.push(now - (start + (sent * 1000) / rate));
        pending++;
        send(sent);
      }
      if (sent < total) setTimeout(tick, 1);
      else if (pending === 0) finish();
      else graceTimer = setTimeout(finish, graceS * 1000);
    };
    tick();
  });

  const durationS = (performance.now() - start) / 1000;
  if (!given) for (const a of agents) a.destroy();
  const latency = times.length ? summarize(times) : { p50: null, p99: null, mean: null, max: null };
  const lateness = summarize(late);
  return {
    offeredRate: rate,
    reqPerSec: Math.round(counts.ok / durationS),
    p50: latency.p50,
    p99: latency.p99,
    mean: latency.mean,
    max: latency.max,
    ...counts,
    durationS: Math.round(durationS * 100) / 100,
    lateMs: { p99: lateness.p99, max: lateness.max },
    cpuUsPerRequest: cpu.perRequest(counts.ok + counts.non2xx),
  };
}
