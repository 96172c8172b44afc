// Run by heap-limits.test.ts in a process of its own (V8's flags are per process), bundled by
// esbuild. Prints the main thread's young-generation size before and after an allocation burst.
//   limited: as `refrocket serve` runs: the collector's modules loaded, the heap limits applied,
//            its write thread and checkpointer started (each new isolate resets V8's growth
//            factor, which the write thread sets again once they are online), then the burst.
//   bare:    V8's defaults, nothing loaded: shows that the burst does grow the young generation.
// The collector's modules are imported dynamically, so that in `bare` mode they are not loaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';

const newSpaceBytes = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;

/** Many short-lived objects, a third of them kept for a while: V8 grows its nursery for this. */
function allocationBurst(): number {
  let kept: object[] = [];
  for (let i = 0; i < 6_000_000; i++) {
    const o = { i, s: `x${i}` };
    if (i % 3 === 0) kept.push(o);
    if (kept.length > 200_000) kept = [];
  }
  return kept.length;
}

/** Starts the write thread (on ready) and its checkpointer (once it is online); resolves once both ran. */
async function startCollector() {
  const { buildApp } = await import('../../server/app.js');
  const { createContest } = await import('../../server/collector/contests.js');
  const { insertEntry } = await import('../../server/collector/entries.js');
  const { requireContest } = await import('../../server/collector/context.js');
  const { createSqliteStore } = await import('../../server/store/sqlite/sqlite-store.js');
  const { entriesInFileAlone } = await import('../helpers/db-file.js');
  const { keepHeapSmall } = await import('../../server/heap-limits.js');
  keepHeapSmall(); // as serve() does
  const dir = mkdtempSync(join(tmpdir(), 'refrocket-heap-'));
  const dbPath = join(dir, 'db.sqlite');
  const store = createSqliteStore(dbPath, { writeThread: true });
  const app = buildApp({ store, closeStore: true });
  await app.ready();
  await store.transaction(async (tx) => {
    const ctx = { store: tx, now: Date.now };
    await createContest(ctx, { id: 'c1', title: 'Heap' });
    await insertEntry(ctx, await requireContest(ctx, 'c1'), { email: 'jane@example.com', referralCode: 'REF-JANE22' });
  });
  const res = await app.inject({
    method: 'POST',
    url: '/api/referral/track-signup',
    payload: { contestId: 'c1', email: 'friend@example.com', referralCode: 'REF-JANE22' },
  });
  if (res.statusCode !== 200) throw new Error(`signup failed: ${res.body}`);
  // The row reaches the database file (read without its WAL) only through the checkpointer.
  for (let tries = 0; entriesInFileAlone(dbPath, 'friend@example.com') !== 1; tries++) {
    if (tries > 200) throw new Error('the checkpointer never ran');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

const mode = process.argv[2];
let stop = async () => {};
if (mode === 'limited') {
  stop = await startCollector();
}
const before = newSpaceBytes();
allocationBurst();
const after = newSpaceBytes();
await stop();
console.log(JSON.stringify({ before, after }));
