#!/usr/bin/env node
// npm bin: runs the built collector/CLI, dist/cli.cjs (`npm ci` builds dist/ in `prepare`).
//
// Compiling the 2 MB bundle is most of start-up and Node 20 has no built-in compile cache, so
// V8's code cache for it is kept beside it (dist/cli.cjs.cache). V8 rejects a cache that does not
// match the source, and then a fresh one is written.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

const file = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
if (!existsSync(file)) {
  process.stderr.write('refrocket: dist/cli.cjs is missing; run `npm run build` first\n');
  process.exit(1);
}
// V8 rejects a code cache made under other V8 flags. The collector sets its heap limits
// (server/heap-limits.ts) before the cache is written, so they are set here too, before compiling.
const heapFlags = JSON.parse(readFileSync(new URL('../server/heap-limits.json', import.meta.url), 'utf8'));
const setHeapFlags = () => {
  for (const flag of heapFlags) v8.setFlagsFromString(flag);
};
setHeapFlags();
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
const script = new vm.Script(Module.wrap(readFileSync(file, 'utf8')), { filename: file, cachedData });

if (!cachedData || script.cachedDataRejected) {
  let written = false;
  // Written once start-up is done (so what it compiled is included) or at exit, whichever is first.
  const writeCache = () => {
    if (written) return;
    written = true;
    try {
      const temp = `${cacheFile}.${process.pid}`;
      // A worker isolate starting (the write thread) resets one of the flags until the collector
      // sets it again; a cache made in between would carry other flags and be rejected next time.
      setHeapFlags();
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cacheFile);
    } catch {
      // A read-only install simply runs without the cache.
    }
  };
  setTimeout(writeCache, 1000).unref();
  process.once('exit', writeCache);
}

const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
