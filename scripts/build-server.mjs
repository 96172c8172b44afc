import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
export const packageVersion = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version;

/**
 * Bundles the collector and CLI (server/main.ts) into dist/cli.cjs, with the browser script
 * embedded as a string so the collector serves exactly what was built. Dependencies are bundled
 * too: loading one file instead of a few hundred modules halves start-up. Two stay external:
 * better-sqlite3 (a native addon) and @fastify/swagger-ui (serves its static files from its own
 * package directory). CommonJS, so bin/refrocket.mjs can compile it through vm.Script with V8's
 * code cache.
 */
export async function buildServer({ trackerScript, webFiles }) {
  webFiles ??= (await buildWeb({ write: false })).files;
  await Promise.all([
    buildCli({ trackerScript, webFiles }),
    buildWorker('server/store/sqlite/worker.ts', 'dist/write-worker.cjs'),
    buildWorker('server/store/sqlite/checkpointer.ts', 'dist/checkpointer.cjs'),
    buildWorker('server/store/sqlite/read-worker.ts', 'dist/read-worker.cjs'),
  ]);
}

async function buildCli({ trackerScript, webFiles }) {
  await build({
    entryPoints: [new URL('server/main.ts', root).pathname],
    outfile: new URL('dist/cli.cjs', root).pathname,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3', '@fastify/swagger-ui'],
    sourcemap: true,
    // Less to parse at start-up; identifiers stay readable in stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    define: {
      __REFROCKET_TRACKER__: JSON.stringify(trackerScript),
      __REFROCKET_VERSION__: JSON.stringify(packageVersion),
      // The dashboard's files (scripts/build-web.mjs), embedded like the tracker script.
      __REFROCKET_WEB__: JSON.stringify(webFiles),
    },
    logLevel: 'warning',
    // server/tracker-asset.ts's from-sources fallback uses import.meta.url; the bundle defines
    // __REFROCKET_TRACKER__, so that branch never runs here.
    logOverride: { 'empty-import-meta': 'silent' },
  });
}

/** The worker threads' entries (server/store/sqlite/): dist/write-worker.cjs, dist/checkpointer.cjs, dist/read-worker.cjs. */
async function buildWorker(entry, outfile) {
  await build({
    entryPoints: [new URL(entry, root).pathname],
    outfile: new URL(outfile, root).pathname,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    sourcemap: true,
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    // The SQLite store (which the write thread runs) can also start a write thread; that path,
    // which finds dist/ through import.meta.url when run from sources, never runs inside a worker.
    logOverride: { 'empty-import-meta': 'silent' },
  });
}
