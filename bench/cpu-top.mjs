// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`, written to .tmp/prof/):
// self time by function and by package. Usage: node bench/cpu-top.mjs [file.cpuprofile] [N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, table } from './lib.mjs';

const dir = join(ROOT, '.tmp/prof');
const file = process.argv[2] || join(dir, readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  .sort((a, b) => statSync(join(dir, b)).mtimeMs - statSync(join(dir, a)).mtimeMs)[0]);
const top = Number(process.argv[3] ?? 25);
const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(file, 'utf8'));

const selfUs = new Map();
samples.forEach((id, k) => selfUs.set(id, (selfUs.get(id) ?? 0) + (timeDeltas[k] ?? 0)));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byFn = new Map();
const byPkg = new Map();
for (const node of nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (!us) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${lineNumber + 1}` : '';
  const fn = `${functionName || '(anonymous)'} ${where}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  const pkg = url.includes('node_modules/') ? url.split('node_modules/')[1].split('/').slice(0, url.includes('node_modules/@') ? 2 : 1).join('/')
    : url.includes('/dist/') ? 'dist (refrocket)' : url.startsWith('node:') ? 'node core' : url || `(${functionName})`;
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
}
const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
  .map(([name, us]) => ({ name: name.slice(0, 110), 'self ms': Math.round(us / 1000), '%': (100 * us / total).toFixed(1) }));
console.log(`${file}: ${Math.round(total / 1000)} ms sampled\n`);
table(rows(byPkg), ['name', 'self ms', '%']);
console.log('');
table(rows(byFn), ['name', 'self ms', '%']);
