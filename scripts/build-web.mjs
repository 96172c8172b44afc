import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

const root = new URL('..', import.meta.url);

/**
 * Bundles the operators' dashboard (web/admin/main.ts: Preact, uPlot and their CSS) and the
 * participants' contest pages (web/contest/main.ts: no library) into a script and a stylesheet
 * each (admin.HASH.js, contest.HASH.css, …), named by a hash of their contents so they can be
 * cached for a year.
 * Separate from the tracker script's build: the browser script never sees these libraries.
 * Returns { files: { name: content } }; with `write`, also writes them to dist/web/.
 */
export async function buildWeb({ write = true } = {}) {
  const result = await build({
    entryPoints: {
      admin: new URL('web/admin/main.ts', root).pathname,
      contest: new URL('web/contest/main.ts', root).pathname,
    },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    platform: 'browser',
    legalComments: 'none',
    outdir: new URL('dist/web', root).pathname,
    write: false,
    logLevel: 'warning',
  });
  const files = {};
  for (const output of result.outputFiles) {
    const [entry, extension] = basename(output.path).split('.');
    const hash = createHash('sha256').update(output.contents).digest('base64url').slice(0, 10);
    files[`${entry}.${hash}.${extension}`] = output.text;
  }
  if (write) {
    mkdirSync(new URL('dist/web', root), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(new URL(`dist/web/${name}`, root), text);
  }
  return { files };
}
