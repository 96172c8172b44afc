import { build } from 'esbuild';
import { minify } from 'terser';
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
 * Bundles client/referral-tracker.ts into one minified IIFE (ES2017, no globals but RocketTracker):
 * esbuild bundles and minifies, then terser compresses once more. Terser inlines single-use
 * functions and reuses names across scopes, ~50 gzip bytes esbuild leaves behind. Only its safe
 * transforms are on (no `unsafe*`, `pure_getters` off): the script reads properties that can
 * throw (`document.cookie`, `localStorage` in a sandboxed iframe) and must behave exactly as its
 * source reads. ES2017 rather than ES2019 (`catch {}`): the two measured within 2 gzip bytes, and
 * ES2017 also parses in browsers that have fetch but not `catch {}` (legacy Edge, Safari 10.1–11,
 * Chrome before 66), where a syntax error would reach the page's error handlers.
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
  const { code } = await minify(result.outputFiles[0].text, {
    ecma: 2017,
    compress: { ecma: 2017, passes: 2, pure_getters: false },
    mangle: true,
    format: { ecma: 2017 },
  });
  if (write) {
    mkdirSync(new URL('dist/', root), { recursive: true });
    writeFileSync(new URL('dist/referral-tracker.js', root), code);
  }
  return { code, sizes: measure(code) };
}
