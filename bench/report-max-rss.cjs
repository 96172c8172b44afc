// Preloaded by bench/export-memory.mjs: prints the process's peak RSS (kB) to stderr at exit.
process.on('exit', () => process.stderr.write(`max-rss-kb ${process.resourceUsage().maxRSS}\n`));
