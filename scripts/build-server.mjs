import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
export const packageVersion = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).version;

/**
 * Bundles the collector and CLI (server/main.ts) into dist/cli.mjs, with the browser script
 * embedded as a string so the collector serves exactly what was built. npm dependencies stay
 * external (resolved from node_modules); the single executable bundles them instead.
 */
export async function buildServer({ trackerScript }) {
  await build({
    entryPoints: [new URL('server/main.ts', root).pathname],
    outfile: new URL('dist/cli.mjs', root).pathname,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    define: {
      __REFROCKET_TRACKER__: JSON.stringify(trackerScript),
      __REFROCKET_VERSION__: JSON.stringify(packageVersion),
    },
    logLevel: 'warning',
  });
}
