import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { getAsset, isSea } from 'node:sea';

/**
 * Files the single executable (dist/refrocket, built by scripts/build-sea.mjs) carries as SEA
 * assets and unpacks on first use: the better-sqlite3 addon (native code cannot be loaded from
 * memory) and the Swagger UI static files that @fastify/static serves from disk for /docs.
 *
 * They go to one private cache directory per build, `<root>/<version>-<hash>/`, written atomically
 * (temp file + rename) and re-hashed before every reuse, so a truncated or tampered file is
 * rewritten rather than loaded. `<root>` is the first usable of:
 *   $REFROCKET_CACHE_DIR, $CACHE_DIRECTORY (systemd CacheDirectory=), $XDG_CACHE_HOME/refrocket,
 *   ~/.cache/refrocket, <os tmpdir>/refrocket-<uid>
 * where usable means: a real directory owned by this user and not group/world-writable.
 */

/** Defined by scripts/build-sea.mjs: the asset keys and their sha256 (hex). */
declare const __REFROCKET_SEA_MANIFEST__: SeaManifest | undefined;

export interface SeaManifest {
  /** `<version>-<first 12 hex of the hash of all assets>`: names the cache subdirectory. */
  id: string;
  /** Asset key (a relative path, also its path in the cache directory) → sha256 hex. */
  files: Record<string, string>;
}

export const ADDON_ASSET = 'better_sqlite3.node';
export const SWAGGER_UI_ASSET_DIR = 'swagger-ui';

export class SeaAssetError extends Error {}

function manifest(): SeaManifest {
  if (typeof __REFROCKET_SEA_MANIFEST__ === 'undefined' || !isSea()) {
    throw new SeaAssetError('embedded assets exist only inside the refrocket single executable');
  }
  return __REFROCKET_SEA_MANIFEST__;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Candidate cache roots, most specific first. Only an explicit REFROCKET_CACHE_DIR is created with its parents. */
function cacheRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const roots: string[] = [];
  const under = (base: string | undefined, ...parts: string[]) => {
    if (!base || !isAbsolute(base)) return;
    try {
      if (statSync(base).isDirectory()) roots.push(join(base, ...parts));
    } catch {
      // no such base directory (e.g. a service user's HOME=/nonexistent): skip it
    }
  };
  if (env.REFROCKET_CACHE_DIR && isAbsolute(env.REFROCKET_CACHE_DIR)) roots.push(env.REFROCKET_CACHE_DIR);
  under(env.CACHE_DIRECTORY?.split(':')[0]);
  under(env.XDG_CACHE_HOME, 'refrocket');
  let home: string | undefined;
  try {
    home = homedir();
  } catch {
    // no home directory
  }
  under(home, '.cache', 'refrocket');
  under(tmpdir(), `refrocket-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`);
  return roots;
}

/** Creates `dir` (mode 0700) if needed and refuses it unless it is ours and private enough. */
function ensurePrivateDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) throw new SeaAssetError(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
    throw new SeaAssetError(`${dir} belongs to another user`);
  }
  if (stat.mode & 0o022) chmodSync(dir, stat.mode & 0o755);
}

let cacheDir: string | undefined;

/** This build's private cache directory, created on first call. */
export function seaCacheDir(): string {
  if (cacheDir) return cacheDir;
  const { id } = manifest();
  const failures: string[] = [];
  for (const root of cacheRoots()) {
    const dir = join(root, id);
    try {
      ensurePrivateDir(root);
      ensurePrivateDir(dir);
      return (cacheDir = dir);
    } catch (error) {
      failures.push(`${dir}: ${(error as Error).message}`);
    }
  }
  throw new SeaAssetError(
    `no usable cache directory for the embedded files (set REFROCKET_CACHE_DIR to a private writable directory)\n  ${failures.join('\n  ')}`,
  );
}

/** Writes one asset into the cache directory unless an identical copy is there; returns its path. */
function extractAsset(key: string): string {
  const expected = manifest().files[key];
  if (!expected) throw new SeaAssetError(`no embedded asset ${key}`);
  const file = join(seaCacheDir(), key);
  try {
    if (sha256(readFileSync(file)) === expected) return file;
  } catch {
    // missing or unreadable: (re)write it
  }
  const data = new Uint8Array(getAsset(key));
  if (sha256(data) !== expected) throw new SeaAssetError(`embedded asset ${key} is corrupt`);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temp, data, { flag: 'wx', mode: 0o600 });
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return file;
}

let addon: object | undefined;

/** The better-sqlite3 addon, unpacked and loaded once (for better-sqlite3's `nativeBinding`). */
export function loadNativeAddon(): object {
  if (addon) return addon;
  const file = extractAsset(ADDON_ASSET);
  const module = { exports: {} as object };
  process.dlopen(module, file);
  return (addon = module.exports);
}

/**
 * A stand-in for the addon that loads it on first use, so commands that never open a database
 * (--help, --version) neither write to the cache directory nor fail when it is unusable.
 */
export function lazyNativeAddon(): object {
  return new Proxy(
    {},
    {
      get: (_target, key) => Reflect.get(loadNativeAddon(), key),
      set: (_target, key, value) => Reflect.set(loadNativeAddon(), key, value),
      has: (_target, key) => Reflect.has(loadNativeAddon(), key),
    },
  );
}

let swaggerUiDir: string | undefined;

/**
 * A directory laid out like the @fastify/swagger-ui package (`static/` inside), unpacked on first
 * call. The single-executable build points that package's `__dirname` here, so /docs serves its
 * files without any option in app.ts.
 */
export function swaggerUiPackageDir(): string {
  if (swaggerUiDir) return swaggerUiDir;
  const prefix = `${SWAGGER_UI_ASSET_DIR}/`;
  for (const key of Object.keys(manifest().files)) {
    if (key.startsWith(prefix)) extractAsset(key);
  }
  return (swaggerUiDir = join(seaCacheDir(), SWAGGER_UI_ASSET_DIR));
}
