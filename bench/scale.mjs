// `npm run bench -- --scale [--db postgres] [--fraction F]`: 1,000,000 entries and 5,000,000 visits
// (times F, for smoke tests). Reports leaderboard top-100 and analytics latency, start-up time,
// database size and collector RSS. The generated SQLite database is cached in .tmp/bench-scale.db,
// keyed by the schema and this seed code; each run works on a copy. With --db postgres the copy is
// then moved into a fresh PostgreSQL database with migrate-store (timed), and the collector runs on that.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { latencySeries, load, measureStartup, printTargets, ROOT, summarize, table, target, writeResults } from './lib.mjs';
import { codeFor, CONTEST_ID, seedDatabase } from './seed.mjs';

const SEED_VERSION = 1; // bump to force regeneration
const argv = process.argv.slice(2);
const flag = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
/** Scales the data set down for smoke runs; the targets are only meaningful at 1. */
const FRACTION = Number(flag('--fraction', '1'));
const ENGINE = flag('--db', 'sqlite');
const ENTRIES = Math.round(1_000_000 * FRACTION);
const VISITS = Math.round(5_000_000 * FRACTION);
const SAMPLES = 200;
const QUICK = argv.includes('--quick');
const TMP = join(ROOT, '.tmp');
// A fraction gets cache files of its own, so a smoke run never evicts the full-size database.
const NAME = FRACTION === 1 ? 'bench-scale' : `bench-scale-f${FRACTION}`;
const CACHE_DB = join(TMP, `${NAME}.db`);
const CACHE_META = join(TMP, `${NAME}.json`);
const RUN_DB = join(TMP, `${NAME}-run.db`);

const mb = (bytes) => Math.round(bytes / 1048576);
const fileSize = (f) => (existsSync(f) ? statSync(f).size : 0);
const dbSize = (f) => fileSize(f) + fileSize(`${f}-wal`);

function cacheKey() {
  const h = createHash('sha256').update(`${SEED_VERSION}|${ENTRIES}|${VISITS}`);
  for (const f of ['server/db/sqlite/migrations.ts', 'bench/seed.mjs']) h.update(readFileSync(join(ROOT, f)));
  return h.digest('hex').slice(0, 16);
}

/** Returns the cached scale database's meta, generating it first when missing or stale. */
export function ensureScaleDb() {
  const key = cacheKey();
  if (existsSync(CACHE_DB) && existsSync(CACHE_META)) {
    const meta = JSON.parse(readFileSync(CACHE_META, 'utf8'));
    if (meta.key === key) {
      console.log(`Using cached ${CACHE_DB} (key ${key}, generated ${meta.generatedAt})`);
      return meta;
    }
  }
  const partial = `${CACHE_DB}.partial`;
  for (const f of [CACHE_DB, partial]) for (const s of ['', '-wal', '-shm']) rmSync(f + s, { force: true });
  console.log(`Generating ${ENTRIES.toLocaleString()} entries and ${VISITS.toLocaleString()} visits (synchronous=OFF while seeding only)…`);
  const t = performance.now();
  let last = 0;
  const seed = seedDatabase(partial, {
    entries: ENTRIES,
    visits: VISITS,
    fast: true,
    onProgress: (what, n) => {
      if (performance.now() - last > 5000) {
        last = performance.now();
        console.log(`  ${what} ${n.toLocaleString()} (${Math.round((performance.now() - t) / 1000)} s)`);
      }
    },
  });
  renameSync(partial, CACHE_DB);
  const meta = { key, generatedAt: new Date().toISOString(), seedSeconds: Math.round((performance.now() - t) / 1000), ...seed };
  writeFileSync(CACHE_META, `${JSON.stringify(meta, null, 2)}\n`);
  console.log(`Generated in ${meta.seedSeconds} s`);
  return meta;
}

/** The collector opens the SQLite copy itself. */
const sqliteStorage = () => ({ target: RUN_DB, sizeMb: async () => mb(dbSize(RUN_DB)), info: {} });

/**
 * A PostgreSQL server (postgres.mjs: embedded with default durability, or REFROCKET_BENCH_PG_URL),
 * a fresh database, and the SQLite copy moved into it with `refrocket migrate-store`, timed.
 */
async function postgresStorage(cleanup) {
  const { databaseSizeMb, freshDatabase, migrateIntoPostgres, startBenchPostgres } = await import('./postgres.mjs');
  const server = await startBenchPostgres();
  cleanup.push(server.stop);
  const db = await freshDatabase(server.url);
  cleanup.push(db.drop);
  console.log(`Copying ${ENTRIES.toLocaleString()} entries and ${VISITS.toLocaleString()} visits into PostgreSQL with migrate-store (${server.embedded ? 'embedded server, default durability' : 'REFROCKET_BENCH_PG_URL'})…`);
  const copy = await migrateIntoPostgres(RUN_DB, db.url);
  console.log(`migrate-store: ${copy.summary.rows.toLocaleString()} rows in ${(copy.ms / 1000).toFixed(1)} s (the command's own timing: ${(copy.summary.ms / 1000).toFixed(1)} s, copy + verification)`);
  console.log(`  by step: ${Object.entries(copy.stepsMs).map(([step, ms]) => `${step} ${(ms / 1000).toFixed(1)} s`).join(', ')}`);
  return {
    target: db.url,
    sizeMb: () => databaseSizeMb(db.url),
    info: { postgres: { embedded: server.embedded, migrateStoreMs: copy.ms, migrateStoreStepsMs: copy.stepsMs, migrateStoreRows: copy.summary.rows, tables: copy.summary.tables } },
  };
}

export async function runScale() {
  const meta = ensureScaleDb();
  copyFileSync(CACHE_DB, RUN_DB);
  let collector;
  const cleanup = [];
  try {
    const storage = ENGINE === 'postgres' ? await postgresStorage(cleanup) : sqliteStorage();
    const { server, startup } = await measureStartup(storage.target, 3);
    collector = server;
    const rssAfterStartMb = collector.rssMb();
    console.log(`Start-up on the ${await storage.sizeMb()} MB ${ENGINE === 'postgres' ? 'PostgreSQL ' : ''}database (spawn → first /healthz 200): ${startup.runsMs.join(', ')} ms`);

    const key = { 'x-api-key': meta.publicKey };
    const v1 = `${collector.url}/api/v1/contests/${CONTEST_ID}`;
    const reads = {
      'leaderboard top-100': await latencySeries(`${v1}/leaderboard?limit=100`, { n: SAMPLES, headers: key }),
      analytics: await latencySeries(`${v1}/analytics`, { n: SAMPLES, headers: key }),
      // 90 days ending today: read from the daily counters, one row per day whatever the traffic.
      'analytics/daily 90 days': await latencySeries(
        `${v1}/analytics/daily?from=${new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}`,
        { n: SAMPLES, headers: key }),
      'validate-code': await latencySeries(
        `${collector.url}/api/referral/validate-code?code=${codeFor(123_457)}&contestId=${CONTEST_ID}`, { n: SAMPLES }),
    };

    // Entry search over the whole contest (issue 20): the trigram index answers a term that
    // matches nothing, a few entries, or one; a term matching every entry still sorts them all.
    const search = (term) => `${v1}/entries?search=${encodeURIComponent(term)}&limit=20`;
    const searches = {
      'search "zzz1" (no match)': await latencySeries(search('zzz1'), { n: SAMPLES, headers: key }),
      'search "user12345" (11 matches)': await latencySeries(search('user12345'), { n: SAMPLES, headers: key }),
      'search "User 777777" (1 match)': await latencySeries(search('User 777777'), { n: SAMPLES, headers: key }),
      'search "example.com" (every entry)': await latencySeries(search('example.com'), { n: 2, headers: key }),
      'entries page 40,000 (offset 800,000)': await latencySeries(`${v1}/entries?page=40000&limit=20`, { n: 5, headers: key }),
    };
    // track-visit latency, sequential, idle and then while 10 clients (another thread) hammer
    // searches and leaderboards with varying limits.
    const visitSeries = async () => {
      const times = [];
      for (let i = 0; i < SAMPLES; i++) {
        const t0 = performance.now();
        const res = await fetch(`${collector.url}/api/referral/track-visit`, {
          method: 'POST', headers: { 'content-type': 'text/plain' },
          body: JSON.stringify({ referralCode: codeFor((i * 104_729) % ENTRIES), contestId: CONTEST_ID, url: 'https://shop.example/', referrer: null }),
        });
        await res.arrayBuffer();
        times.push(performance.now() - t0);
      }
      return summarize(times);
    };
    const visitIdle = await visitSeries();
    const hammerUrls = [];
    for (let k = 0; k < 50; k++) {
      hammerUrls.push(search(`user${(k * 7919) % 100_000}`), search(`zz${k}q`), `${v1}/leaderboard?limit=${1 + (k % 100)}`);
    }
    const hammer = new Worker(new URL('./hammer.mjs', import.meta.url), { workerData: { urls: hammerUrls, clients: 10, headers: key } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const visitBusy = await visitSeries();
    const hammerDone = new Promise((resolve) => hammer.once('message', resolve));
    hammer.postMessage('stop');
    const hammerStatuses = await hammerDone;
    await hammer.terminate();

    // A short write load at scale (50 connections), so the end-of-run RSS reflects a serving collector.
    const duration = QUICK ? 2 : 4;
    const run = Date.now().toString(36);
    const writes = {
      'track-visit': await load({
        url: collector.url, method: 'POST', duration, next: (i) => ({
          path: '/api/referral/track-visit',
          body: JSON.stringify({ referralCode: codeFor((i * 7919) % ENTRIES), contestId: CONTEST_ID, url: 'https://shop.example/', referrer: null }),
        }),
      }),
      'track-signup': await load({
        url: collector.url, method: 'POST', duration, next: (i) => ({
          path: '/api/referral/track-signup',
          body: JSON.stringify({ email: `scale-${run}-${i}@example.com`, contestId: CONTEST_ID, referralCode: codeFor((i * 7919) % ENTRIES) }),
        }),
      }),
    };
    const rss = { afterStartMb: rssAfterStartMb, endMb: collector.rssMb(), peakMb: collector.peakRssMb() };
    await collector.stop();
    const sizes = { cachedDbMb: mb(dbSize(CACHE_DB)), afterRunMb: await storage.sizeMb() };

    console.log(`\nScale run (${ENGINE === 'postgres' ? 'PostgreSQL' : 'SQLite'}${FRACTION === 1 ? '' : `, fraction ${FRACTION}: targets not meaningful`}): ${ENTRIES.toLocaleString()} entries, ${VISITS.toLocaleString()} visits (${sizes.cachedDbMb} MB), ${SAMPLES} sequential requests each, client-side latency`);
    table(Object.entries(reads).map(([name, r]) => (r.available
      ? { request: name, 'p50 ms': r.p50, 'p99 ms': r.p99, 'mean ms': r.mean, 'max ms': r.max }
      : { request: name, 'p50 ms': `unavailable (HTTP ${r.status})` })), ['request', 'p50 ms', 'p99 ms', 'mean ms', 'max ms']);
    console.log('');
    table(Object.entries(searches).map(([name, r]) => (r.available
      ? { 'entry search (public key)': name, n: r.n, 'p50 ms': r.p50, 'p99 ms': r.p99, 'max ms': r.max }
      : { 'entry search (public key)': name, 'p50 ms': `unavailable (HTTP ${r.status})` })), ['entry search (public key)', 'n', 'p50 ms', 'p99 ms', 'max ms']);
    console.log('');
    table([{ 'track-visit (sequential)': 'idle', ...visitIdle }, { 'track-visit (sequential)': '10 clients hammering search + leaderboard', ...visitBusy }],
      ['track-visit (sequential)', 'n', 'p50', 'p99', 'max']);
    console.log(`Hammer answers by status: ${JSON.stringify(hammerStatuses)} (429: beyond the heavy-read cap per key and IP)`);
    console.log('');
    table(Object.entries(writes).map(([name, w]) => ({ 'write load (50 conns)': name, 'req/s': w.reqPerSec, 'p50 ms': w.p50, 'p99 ms': w.p99, 'non-2xx': w.non2xx + w.errors })),
      ['write load (50 conns)', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx']);
    console.log(`\nCollector RSS: ${rss.afterStartMb} MB after start, ${rss.endMb} MB at the end (peak ${rss.peakMb} MB). SQLite DB ${sizes.cachedDbMb} MB (${ENGINE === 'postgres' ? 'PostgreSQL database' : 'the copy'} ${sizes.afterRunMb} MB after this run's writes).`);

    const readTarget = (name, limit) => {
      const r = reads[name];
      return target(`${name} p50 ≤ ${limit} ms (${ENTRIES.toLocaleString()} entries; p99 ${r.available ? r.p99 : '-'} ms)`, r.available ? r.p50 : null, limit, r.available ? r.p50 <= limit : null, ' ms');
    };
    const targets = [
      readTarget('leaderboard top-100', 5),
      readTarget('analytics', 50),
      readTarget('analytics/daily 90 days', 50),
      target('collector RSS at end of scale run', rss.endMb, 150, rss.endMb <= 150, ' MB'),
      target('start-up on the scale DB (median of 3)', startup.medianMs, 300, startup.medianMs <= 300, ' ms'),
      target('entry search "zzz1" p99 ≤ 20 ms', searches['search "zzz1" (no match)'].p99, 20, searches['search "zzz1" (no match)'].p99 <= 20, ' ms'),
      target('entry search "user12345" p99 ≤ 20 ms', searches['search "user12345" (11 matches)'].p99, 20, searches['search "user12345" (11 matches)'].p99 <= 20, ' ms'),
      target(`track-visit p99 under search hammering ≤ 2× idle (${visitIdle.p99} ms)`, visitBusy.p99, 2 * visitIdle.p99, visitBusy.p99 <= 2 * visitIdle.p99, ' ms'),
    ];
    printTargets(targets);
    writeResults(ENGINE === 'postgres' ? 'scale-postgres' : 'scale', {
      at: new Date().toISOString(),
      engine: ENGINE,
      fraction: FRACTION,
      ...storage.info,
      machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg(), note: 'shared machine' },
      data: { entries: ENTRIES, visits: VISITS, stats: meta.stats, generatedAt: meta.generatedAt, seedSeconds: meta.seedSeconds },
      startup,
      reads,
      searches,
      trackVisit: { idle: visitIdle, underHammer: visitBusy, hammerStatuses },
      writes,
      rss,
      sizes,
      targets,
    });
  } finally {
    await collector?.stop('SIGKILL').catch(() => {});
    for (const fn of cleanup.reverse()) await fn().catch(() => {});
    for (const s of ['', '-wal', '-shm']) rmSync(RUN_DB + s, { force: true });
  }
}
