import { build } from 'esbuild';
import { minify } from 'terser';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
 * js-cookie as the script uses it: its own code, minus what a browser-only script that calls only
 * `get` and `set` never runs. Removed: `withAttributes` and `withConverter`, the `Object.create`
 * wrapper that exists only to hand them their frozen `attributes` and `converter`, `remove` (the
 * script deletes with `set(name, '', {domain, expires: -1})`, which is all `remove` does), and the
 * two `typeof document === 'undefined'` guards for server-side rendering (the script runs in pages
 * only). About 115 gzip bytes. Each edit must match exactly once, or the build fails: a new
 * js-cookie version is then re-checked by hand instead of shipping untrimmed or half-trimmed.
 */
const JS_COOKIE_TRIMS = [
  [/,\s*withAttributes: function[\s\S]*?\n {6}\},\n {6}withConverter: function[\s\S]*?\n {6}\}\n/, '\n'],
  [/return Object\.create\(\s*(\{[\s\S]*?\n {4}\}),\s*\{\s*attributes: [^\n]*\n\s*converter: [^\n]*\n {4}\}\n {2}\)/, 'return $1'],
  [/,\s*remove: function[\s\S]*?\n {6}\}\n/, '\n'],
  [/if \(typeof document === 'undefined'\) \{\s*return\s*\}/, ''],
  [/typeof document === 'undefined' \|\| /, ''],
];

export const trimJsCookie = {
  name: 'trim-js-cookie',
  setup(build) {
    build.onLoad({ filter: /[\\/]js-cookie[\\/]dist[\\/]js\.cookie\.mjs$/ }, ({ path }) => {
      let contents = readFileSync(path, 'utf8');
      for (const [pattern, replacement] of JS_COOKIE_TRIMS) {
        const matches = contents.match(new RegExp(pattern.source, 'g'));
        if (!matches || matches.length !== 1) throw new Error(`js-cookie trim ${pattern} matched ${matches ? matches.length : 0} times, expected once`);
        contents = contents.replace(pattern, replacement);
      }
      return { contents, loader: 'js' };
    });
  },
};

/** `Config` fields shortened by terser's property mangling (see buildClient). */
const CONFIG_FIELDS = /^(campaignId|api|lifetime|cookieDomain|firstClick|params|cross|stripe|consentRequired)$/;

/**
 * Bundles client/referral-tracker.ts into one minified IIFE (ES2017, no globals but RocketTracker):
 * esbuild bundles and minifies, then terser compresses once more. Terser inlines single-use
 * functions and reuses names across scopes, ~50 gzip bytes esbuild leaves behind. Only its safe
 * transforms are on, plus `unsafe_arrows` (explained below); `pure_getters` stays off: the
 * script reads properties that can throw (`document.cookie`, `localStorage` in a sandboxed iframe) and must behave exactly as its
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
    plugins: [trimJsCookie],
    write: false,
    logLevel: 'warning',
  });
  const { code } = await minify(result.outputFiles[0].text, {
    ecma: 2017,
    // unsafe_arrows: function expressions that use neither `this` nor `arguments` become arrows.
    // Unsafe only for a function called with `new`; none in the script (or in js-cookie) is.
    // hoist_vars (a safe transform, off by default because it often grows code): js-cookie's `var`s
    // become one declaration per function; 16 gzip bytes here.
    compress: { ecma: 2017, passes: 2, pure_getters: false, unsafe_arrows: true, hoist_vars: true },
    // Also shortens the names of the parsed tag configuration's fields (client/config.ts `Config`),
    // which only the script's own code reads: about 25 gzip bytes. Only these names: a DOM, cookie
    // or JSON property must keep its name, so the fields are named unlike any of those (terser
    // would also skip a name it knows from the DOM, such as `days` or `first`).
    mangle: { properties: { regex: CONFIG_FIELDS } },
    format: { ecma: 2017 },
  });
  if (write) {
    mkdirSync(new URL('dist/', root), { recursive: true });
    writeFileSync(new URL('dist/referral-tracker.js', root), code);
  }
  return { code, sizes: measure(code) };
}
