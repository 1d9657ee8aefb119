// Preloaded by scripts/bench.ts into a measured process: writes its peak resident set size (KiB)
// to the file named by BENCH_RSS_FILE when the process exits.
const fs = require('node:fs');
process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) fs.writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
