import { runCli } from './cli.js';

// The npm bin (bin/refrocket.mjs) runs the bundle built from this file.
await runCli();
