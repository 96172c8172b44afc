// `npm run bench -- --compare [git-rev]`: a paired no-regression check of the SQLite path against
// another revision (default: BASE_REV, the last commit before the storage redesign). Both
// collectors run side by side, each on its own copy of one seeded file; track-visit and
// track-signup run alternately on the old and the new one, several rounds, and each pair's
// new/old ratio is printed. See bench/README.md.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { collectorArgs, freePort, load, ROOT, startServer, table, target, printTargets, writeResults } from './lib.mjs';
import { codeFor, CONTEST_ID, seedDatabase } from './seed.mjs';

/**
 * The parent of the redesign's first commit ("WIP: storage boundary: repository interfaces …"),
 * i.e. the SQLite-only collector as it was before the storage boundary went in.
 */
export const BASE_REV = '9f292b2b39a5022725c14067838256b22e6191bb';

const argv = process.argv.slice(2);
const QUICK = argv.includes('--quick');
const CONNECTIONS = 50;
const DURATION = QUICK ? 3 : 8;
const WARMUP = QUICK ? 0.5 : 1;
const ROUNDS = QUICK ? 2 : 5;
const ENTRIES = 10_000;
/** new/old req/s must stay at or above this (the "within 5%"). */
const MIN_RATIO = 0.95;

/** The middle value, or the mean of the two middle ones (an even number of rounds is common here). */
function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : Math.round(((v[mid - 1] + v[mid]) / 2) * 1000) / 1000;
}

const git = (...args) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).trim();

/** The revision after --compare, if one is given (the next argument, unless it is another flag). */
function requestedRev() {
  const k = argv.indexOf('--compare');
  const next = argv[k + 1];
  return next && !next.startsWith('--') ? next : BASE_REV;
}

/**
 * A worktree of `sha` under .tmp/, built with its own build.mjs (no single executable). It reuses
 * this checkout's node_modules through a symlink: the dependencies did not change across the
 * redesign except for additions (pg), and a second `npm ci` would compile better-sqlite3 again.
 * Kept between runs; a worktree at a fixed commit builds to the same dist/.
 */
function prepareWorktree(sha) {
  const dir = join(ROOT, '.tmp', `bench-compare-${sha.slice(0, 12)}`);
  if (!existsSync(join(dir, '.git'))) {
    mkdirSync(join(ROOT, '.tmp'), { recursive: true });
    git('worktree', 'prune'); // forget a worktree whose directory was deleted by hand
    git('worktree', 'add', '--detach', '--force', dir, sha);
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (!existsSync(join(dir, 'dist', 'cli.cjs'))) {
    console.log(`Building ${sha.slice(0, 12)} in ${dir} …`);
    execFileSync(process.execPath, ['build.mjs', '--no-sea'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return dir;
}

async function startCollector(name, db, cwd) {
  const port = await freePort();
  return startServer(name, collectorArgs(port, db), { port, cwd });
}

export async function runCompare() {
  const rev = requestedRev();
  const sha = git('rev-parse', '--verify', `${rev}^{commit}`);
  const subject = git('log', '-1', '--format=%s', sha);
  console.log(`Compare: SQLite path, this checkout (new) against ${sha.slice(0, 12)} "${subject.slice(0, 70)}" (old)`);
  console.log(`${ROUNDS} rounds × (track-visit, track-signup), ${CONNECTIONS} connections, ${DURATION} s per run (+${WARMUP} s warm-up)`);
  const oldRoot = prepareWorktree(sha);

  const dir = mkdtempSync(join(os.tmpdir(), 'refrocket-bench-compare-'));
  const servers = [];
  try {
    // One seed, made by the OLD revision's CLI (the schema it expects; the new collector migrates
    // forward if it needs to), then one copy per collector so neither sees the other's writes.
    const seeded = join(dir, 'seed.db');
    seedDatabase(seeded, { entries: ENTRIES, root: oldRoot });
    const files = { old: join(dir, 'old.db'), new: join(dir, 'new.db') };
    for (const f of Object.values(files)) copyFileSync(seeded, f);
    const collectors = {
      old: await startCollector('collector (old)', files.old, oldRoot),
      new: await startCollector('collector (new)', files.new, ROOT),
    };
    servers.push(...Object.values(collectors));

    const run = Date.now().toString(36);
    const counters = { old: 0, new: 0 };
    const cases = {
      'track-visit': () => (i) => ({
        path: '/api/referral/track-visit',
        body: JSON.stringify({ referralCode: codeFor(i % ENTRIES), contestId: CONTEST_ID, url: 'https://shop.example/pricing?ref=1', referrer: 'https://www.google.com/' }),
      }),
      // Fresh emails on each side: every signup is a new entry on both.
      'track-signup': (side) => () => ({
        path: '/api/referral/track-signup',
        body: JSON.stringify({ email: `cmp-${run}-${side}-${counters[side]++}@example.com`, contestId: CONTEST_ID, referralCode: codeFor(counters[side] % ENTRIES), name: 'Bench User' }),
      }),
    };
    const measure = async (side, name) => {
      const c = collectors[side];
      const opts = { url: c.url, method: 'POST', next: cases[name](side), connections: CONNECTIONS, serverPid: c.child.pid };
      await load({ ...opts, duration: WARMUP });
      return load({ ...opts, duration: DURATION });
    };

    // Pairs: within a round each endpoint runs on both collectors back to back, and the order
    // flips every round (old first, then new first), so a drift in background load does not
    // favour one side.
    const pairs = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? ['old', 'new'] : ['new', 'old'];
      for (const name of Object.keys(cases)) {
        const r = {};
        for (const side of order) r[side] = await measure(side, name);
        const ratio = Math.round((r.new.reqPerSec / r.old.reqPerSec) * 1000) / 1000;
        pairs.push({ round, endpoint: name, first: order[0], old: r.old, new: r.new, ratio });
        console.log(`round ${round} ${name.padEnd(13)} old ${String(r.old.reqPerSec).padStart(6)} req/s p99 ${r.old.p99} ms | new ${String(r.new.reqPerSec).padStart(6)} req/s p99 ${r.new.p99} ms → new/old ${ratio.toFixed(3)} (${order[0]} first)`);
      }
    }

    const summary = Object.fromEntries(Object.keys(cases).map((name) => {
      const mine = pairs.filter((p) => p.endpoint === name);
      const ratios = mine.map((p) => p.ratio);
      return [name, {
        medianRatio: median(ratios), minRatio: Math.min(...ratios), maxRatio: Math.max(...ratios),
        oldMedianReqPerSec: median(mine.map((p) => p.old.reqPerSec)), newMedianReqPerSec: median(mine.map((p) => p.new.reqPerSec)),
        oldMedianP99: median(mine.map((p) => p.old.p99)), newMedianP99: median(mine.map((p) => p.new.p99)),
      }];
    }));
    console.log(`\nnew/old over ${ROUNDS} paired rounds (req/s; median of the per-round ratios)`);
    table(Object.entries(summary).map(([name, s]) => ({
      endpoint: name, 'old req/s': s.oldMedianReqPerSec, 'new req/s': s.newMedianReqPerSec, 'old p99': s.oldMedianP99, 'new p99': s.newMedianP99,
      'median new/old': s.medianRatio.toFixed(3), 'range': `${s.minRatio.toFixed(3)}–${s.maxRatio.toFixed(3)}`,
    })), ['endpoint', 'old req/s', 'new req/s', 'old p99', 'new p99', 'median new/old', 'range']);
    const targets = Object.entries(summary).map(([name, s]) =>
      target(`${name}: new/old req/s ≥ ${MIN_RATIO} (median of ${ROUNDS} pairs)`, s.medianRatio, MIN_RATIO, s.medianRatio >= MIN_RATIO));
    printTargets(targets);
    writeResults('compare', {
      mode: QUICK ? 'quick' : 'default',
      at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg(), note: 'shared machine; only the paired ratios mean anything' },
      old: { rev, sha, subject },
      config: { connections: CONNECTIONS, durationS: DURATION, warmupS: WARMUP, rounds: ROUNDS, entries: ENTRIES },
      pairs: pairs.map((p) => ({ ...p, old: slim(p.old), new: slim(p.new) })),
      summary,
      targets,
    });
  } finally {
    for (const s of servers) await s.stop('SIGKILL').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const slim = (r) => ({ reqPerSec: r.reqPerSec, p50: r.p50, p99: r.p99, non2xx: r.non2xx + r.errors, cpuUsPerRequest: r.cpuUsPerRequest });
