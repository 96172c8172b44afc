import { runCli } from './cli.js';

// The npm bin (bin/refrocket.mjs) runs the CommonJS bundle built from this file.
void runCli();
