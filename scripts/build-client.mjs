import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url);

/** Sizes a visitor actually downloads: gzip -9 and brotli at max quality. */
export function measure(code) {
  const bytes = Buffer.from(code);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/**
 * Bundles client/referral-tracker.ts into one minified IIFE (ES2017, no globals but RocketTracker).
 * With `write`, also writes dist/referral-tracker.js. Returns the code and its sizes.
 */
export async function buildClient({ write = true } = {}) {
  const result = await build({
    entryPoints: [new URL('client/referral-tracker.ts', root).pathname],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2017',
    platform: 'browser',
    legalComments: 'none',
    // The IIFE is its own scope: the "use strict" prologue tsconfig's `strict` implies buys nothing.
    tsconfigRaw: { compilerOptions: { alwaysStrict: false } },
    write: false,
    logLevel: 'warning',
  });
  const code = result.outputFiles[0].text;
  if (write) {
    mkdirSync(new URL('dist/', root), { recursive: true });
    writeFileSync(new URL('dist/referral-tracker.js', root), code);
  }
  return { code, sizes: measure(code) };
}
