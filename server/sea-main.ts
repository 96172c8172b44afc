import { runCli } from './cli.js';
import { lazyNativeAddon } from './sea-assets.js';

// Entry point of the single executable (dist/refrocket, scripts/build-sea.mjs). Inside it,
// require() loads only built-in modules, so everything is bundled, and better-sqlite3 gets its
// addon object from the executable's assets (a path would not load). Node sets process.argv to
// [executable, executable, ...args] in a single executable, the shape commander expects.
//
// @types/better-sqlite3 types nativeBinding as a path only; better-sqlite3 itself also accepts
// the loaded addon object, which is what we pass.
void runCli(process.argv, { nativeBinding: lazyNativeAddon() as unknown as string });
