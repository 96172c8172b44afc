import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// server/heap-limits.ts sets V8 flags at run time; V8 resets one of them whenever an isolate is
// created, as the write thread's workers are. The fixture runs in a process of its own.
describe('heap limits', () => {
  let dir: string;
  let fixture: string;

  beforeAll(async () => {
    mkdirSync(join(root, '.tmp'), { recursive: true });
    // Three levels below the root, like its source server/store/sqlite/thread-writer.ts, which
    // finds dist/ from there.
    dir = mkdtempSync(join(root, '.tmp', 'heap-'));
    fixture = join(dir, 'bundle', 'fixture.mjs');
    await build({
      entryPoints: [join(root, 'test/collector/heap-limits.fixture.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      // The collector's modules (and the packages they import: stripe, tldts, …) go into chunks
      // of their own, loaded by the fixture's dynamic imports: `bare` mode loads none of them.
      splitting: true,
      outdir: join(dir, 'bundle'),
      entryNames: 'fixture',
      outExtension: { '.js': '.mjs' },
      // The collector serves this instead of building the browser script from sources.
      define: {
        __REFROCKET_TRACKER__: JSON.stringify('/* not served here */'),
        __REFROCKET_WEB__: JSON.stringify({ 'admin.fixture.js': '', 'admin.fixture.css': '', 'contest.fixture.js': '', 'contest.fixture.css': '' }),
      },
      logLevel: 'warning',
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (mode: string): { before: number; after: number } =>
    JSON.parse(execFileSync(process.execPath, [fixture, mode], { encoding: 'utf8' }));

  it('once the write thread and its checkpointer are running, a burst no longer grows the young generation', () => {
    const bare = run('bare');
    const limited = run('limited');
    // Under V8's defaults the same burst grows it at least fourfold (to 32 MB from 2–8 MB)…
    expect(bare.after).toBeGreaterThanOrEqual(4 * bare.before);
    // …with the limits it keeps the size it had once the collector was up. (It may grow during
    // start-up: a new isolate resets the growth factor until its worker is online.)
    expect(limited.after).toBe(limited.before);
    expect(limited.after).toBeLessThan(bare.after);
  });
});
