#!/usr/bin/env node
// npm bin: runs the built collector/CLI. `npm ci` builds dist/ (the package's prepare script).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('refrocket: dist/cli.mjs is missing; run `npm run build` first\n');
  process.exit(1);
}
await import(cli.href);
