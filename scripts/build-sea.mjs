// Builds dist/refrocket: a Linux single executable (Node's SEA support + postject) holding the
// collector, CLI, browser script, migrations, the better-sqlite3 addon and the Swagger UI files.
// Run by build.mjs; standalone: `node scripts/build-sea.mjs` (builds the browser script too).
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVersion } from './build-server.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Package directory of an installed dependency (resolved from the repository root). */
const packageDir = (name) => dirname(require.resolve(`${name}/package.json`, { paths: [root] }));

/** Asset key → file on disk. Keys are also the paths under the executable's cache directory. */
function collectAssets() {
  const assets = {
    'better_sqlite3.node': join(packageDir('better-sqlite3'), 'build', 'Release', 'better_sqlite3.node'),
  };
  const swaggerStatic = join(packageDir('@fastify/swagger-ui'), 'static');
  for (const name of readdirSync(swaggerStatic).sort()) {
    assets[`swagger-ui/static/${name}`] = join(swaggerStatic, name);
  }
  return assets;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * esbuild plugin for code that reads its own package directory at run time, which does not exist
 * inside the executable:
 * - @fastify/swagger-ui reads static/logo.svg and serves static/ relative to `__dirname`: point
 *   that at the unpacked copy (server/sea-assets.ts swaggerUiPackageDir()).
 * - @fastify/swagger reads its own package.json for the default OpenAPI title and version: embed it.
 */
function packageDirPlugin() {
  const seaAssets = join(root, 'server', 'sea-assets.ts');
  const swaggerUi = packageDir('@fastify/swagger-ui');
  const swagger = packageDir('@fastify/swagger');
  const rewrites = new Map([
    [join(swaggerUi, 'index.js'), `require(${JSON.stringify(seaAssets)}).swaggerUiPackageDir()`],
    [join(swaggerUi, 'lib', 'routes.js'), `require('node:path').join(require(${JSON.stringify(seaAssets)}).swaggerUiPackageDir(), 'lib')`],
  ]);
  const readPackageJson = join(swagger, 'lib', 'util', 'read-package-json.js');
  const seen = new Set();
  return {
    name: 'refrocket-package-dirs',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (args.path === readPackageJson) {
          seen.add(args.path);
          const pkg = readFileSync(join(swagger, 'package.json'), 'utf8');
          return { contents: `module.exports = { readPackageJson: () => (${pkg.trim()}) }`, loader: 'js' };
        }
        const replacement = rewrites.get(args.path);
        if (!replacement) return undefined;
        seen.add(args.path);
        const source = readFileSync(args.path, 'utf8');
        if (!/\b__dirname\b/.test(source)) throw new Error(`${args.path} no longer uses __dirname; revisit build-sea.mjs`);
        return { contents: source.replace(/\b__dirname\b/g, `(${replacement})`), loader: 'js' };
      });
      b.onEnd((result) => {
        if (result.errors.length) return;
        const missed = [...rewrites.keys(), readPackageJson].filter((file) => !seen.has(file));
        // Only a problem if the app bundles these packages (app.ts registers /docs).
        if (missed.length && seen.size) throw new Error(`not rewritten: ${missed.join(', ')}`);
      });
    },
  };
}

/** postject narrates every step and its ELF library warns about harmless section names: show that only on failure. */
async function quietly(fn) {
  const saved = { log: console.log, warn: console.warn, error: console.error };
  const lines = [];
  console.log = console.warn = console.error = (...args) => void lines.push(args.join(' '));
  try {
    return await fn();
  } catch (error) {
    Object.assign(console, saved);
    console.error(lines.join('\n'));
    throw error;
  } finally {
    Object.assign(console, saved);
  }
}

/**
 * Builds the single executable at `outfile` (default dist/refrocket), with intermediate files in a
 * fresh .tmp/sea-* directory (removed afterwards). Returns { outfile, bytes, ms }.
 */
export async function buildSea({ trackerScript, webFiles, outfile = join(root, 'dist', 'refrocket'), entry = join(root, 'server', 'sea-main.ts') }) {
  const started = Date.now();
  // The dashboard's files are embedded in the bundle (server/web-assets.ts), as in dist/cli.cjs.
  webFiles ??= (await buildWeb({ write: false })).files;
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const work = mkdtempSync(join(root, '.tmp', 'sea-'));
  try {
    return await buildIn(work, { trackerScript, webFiles, outfile, entry, started });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function buildIn(work, { trackerScript, webFiles, outfile, entry, started }) {
  const assets = collectAssets();
  const files = Object.fromEntries(Object.entries(assets).map(([key, file]) => [key, sha256(readFileSync(file))]));
  const id = `${packageVersion}-${sha256(JSON.stringify(files)).slice(0, 12)}`;

  const bundle = join(work, 'refrocket.cjs');
  await build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    legalComments: 'none',
    define: {
      __REFROCKET_TRACKER__: JSON.stringify(trackerScript),
      __REFROCKET_VERSION__: JSON.stringify(packageVersion),
      __REFROCKET_SEA_MANIFEST__: JSON.stringify({ id, files }),
      __REFROCKET_WEB__: JSON.stringify(webFiles),
      // Only in the unbundled fallback of server/tracker-asset.ts, dead once the script is defined.
      'import.meta.url': JSON.stringify('file:///refrocket/sea'),
    },
    plugins: [packageDirPlugin()],
    logLevel: 'warning',
  });

  const blob = join(work, 'sea-prep.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(
    config,
    JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }, null, 2),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });

  // Inject into a copy of this very node binary (the blob and code cache are tied to its version).
  mkdirSync(dirname(outfile), { recursive: true });
  const temp = `${outfile}.${process.pid}.tmp`;
  try {
    copyFileSync(process.execPath, temp);
    chmodSync(temp, 0o755);
    const { inject } = require('postject');
    await quietly(() => inject(temp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SENTINEL_FUSE }));
    renameSync(temp, outfile);
  } finally {
    rmSync(temp, { force: true });
  }
  return { outfile, bytes: statSync(outfile).size, ms: Date.now() - started };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { buildClient } = await import('./build-client.mjs');
  const { code } = await buildClient({ write: false });
  const { outfile, bytes, ms } = await buildSea({ trackerScript: code });
  console.log(`${outfile}  ${(bytes / 1e6).toFixed(1)} MB in ${(ms / 1000).toFixed(1)} s`);
}
