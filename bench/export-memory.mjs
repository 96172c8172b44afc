// `npm run bench -- --export [--rows N]`: peak RSS of `refrocket export` (entries, CSV) on N rows
// (default 1,000,000) against the same export of N/10 rows, seeded the same way in the same run.
// Constant memory means the ratio stays near 1; a buffering export would grow ~10×.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';
import { CONTEST_ID, seedDatabase } from './seed.mjs';

/** Runs the export in a child and returns its peak RSS (its own VmHWM, at exit) and time. */
function exportPeak(db, out) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [
      '--require', join(ROOT, 'bench', 'report-max-rss.cjs'),
      join(ROOT, 'bin', 'refrocket.mjs'), 'export', '--contest', CONTEST_ID, '--what', 'entries', '--format', 'csv', '--out', out, '--db', db,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => {
      const match = /max-rss-kb (\d+)/.exec(stderr);
      if (code !== 0 || !match) return reject(new Error(`export failed (${code}): ${stderr}`));
      resolve({ maxRssMb: Number(match[1]) / 1024, seconds: (Date.now() - started) / 1000, bytes: statSync(out).size });
    });
  });
}

export async function runExportMemory(rows) {
  const dir = mkdtempSync(join(os.tmpdir(), 'refrocket-bench-export-'));
  try {
    const results = [];
    for (const n of [Math.round(rows / 10), rows]) {
      const db = join(dir, `export-${n}.db`);
      process.stderr.write(`seeding ${n} entries…\n`);
      seedDatabase(db, { entries: n, fast: true });
      const peak = await exportPeak(db, join(dir, `export-${n}.csv`));
      const lines = Number(execFileSync('wc', ['-l', join(dir, `export-${n}.csv`)], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
      if (lines !== n + 1) throw new Error(`export of ${n} rows wrote ${lines - 1} rows`);
      results.push({ rows: n, ...peak });
      console.log(`export ${n.toLocaleString('en')} entries: peak RSS ${peak.maxRssMb.toFixed(1)} MB, ${peak.seconds.toFixed(1)} s, ${(peak.bytes / 1e6).toFixed(1)} MB of CSV`);
    }
    const ratio = results[1].maxRssMb / results[0].maxRssMb;
    console.log(`peak RSS ratio ${results[1].rows.toLocaleString('en')} / ${results[0].rows.toLocaleString('en')} rows: ${ratio.toFixed(2)} (constant memory: ≤ 1.25)`);
    if (ratio > 1.25) process.exitCode = 1;
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
