// Builds what ships: dist/referral-tracker.js (the browser script) and dist/cli.mjs (collector +
// CLI with the script embedded). `npm ci` runs this through the `prepare` script.
import { buildClient } from './scripts/build-client.mjs';
import { buildServer } from './scripts/build-server.mjs';

const started = Date.now();
const client = await buildClient();
const { raw, gzip, brotli } = client.sizes;
console.log(`dist/referral-tracker.js  ${raw} B raw, ${gzip} B gzip, ${brotli} B brotli`);
await buildServer({ trackerScript: client.code });
console.log(`dist/cli.mjs              built in ${Date.now() - started} ms`);
