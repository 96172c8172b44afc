import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url);

/**
 * `refrocket/sdk`: dist/sdk/index.js (ESM; the schemas are imported as types only, so the bundle
 * holds no zod and no server code) and its declarations in dist/types/ (tsc).
 */
export async function buildSdk() {
  await build({
    entryPoints: [new URL('sdk/index.ts', root).pathname],
    outfile: new URL('dist/sdk/index.js', root).pathname,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', new URL('sdk/tsconfig.json', root).pathname], { stdio: 'inherit' });
}
