// Builds what ships: dist/referral-tracker.js (the browser script), dist/cli.cjs (collector + CLI
// with the script embedded) and dist/refrocket (the Linux x64 single executable, ~100 MB).
// `npm ci` runs `node build.mjs --no-sea` through the `prepare` script; REFROCKET_SKIP_SEA=1 also
// skips the executable.
import { buildClient, measure } from './scripts/build-client.mjs';
import { buildWeb } from './scripts/build-web.mjs';
import { buildSea } from './scripts/build-sea.mjs';
import { buildServer } from './scripts/build-server.mjs';
import { buildSdk } from './scripts/build-sdk.mjs';

const started = Date.now();
const client = await buildClient();
const { raw, gzip, brotli } = client.sizes;
console.log(`dist/referral-tracker.js  ${raw} B raw, ${gzip} B gzip, ${brotli} B brotli`);
const web = await buildWeb();
for (const [name, text] of Object.entries(web.files)) console.log(`dist/web/${name}`.padEnd(26), `${Buffer.byteLength(text)} B raw, ${measure(text).gzip} B gzip`);
await buildServer({ trackerScript: client.code, webFiles: web.files });
console.log(`dist/cli.cjs              built in ${Date.now() - started} ms`);
await buildSdk();
console.log('dist/sdk/index.js         refrocket/sdk, with declarations in dist/types/');

if (process.argv.includes('--no-sea') || process.env.REFROCKET_SKIP_SEA === '1') {
  // skipped on request
} else if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`dist/refrocket            skipped (built on Linux x64 only, this is ${process.platform}-${process.arch})`);
} else {
  const { bytes, ms } = await buildSea({ trackerScript: client.code, webFiles: web.files });
  console.log(`dist/refrocket            ${(bytes / 1e6).toFixed(1)} MB single executable in ${(ms / 1000).toFixed(1)} s`);
}
