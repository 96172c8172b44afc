// Preloaded by bench/export-memory.mjs: prints the process's peak RSS (kB) to stderr at exit.
// VmHWM (the high-water mark of this process's own memory map), not getrusage's maxRSS: Linux
// carries maxRSS across fork and exec, so a child spawned by a parent that had just seeded a
// million rows in-process reported the parent's ~400 MB as its own peak.
const { readFileSync } = require('node:fs');
process.on('exit', () => {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stderr.write(`max-rss-kb ${match ? match[1] : process.resourceUsage().maxRSS}\n`);
});
