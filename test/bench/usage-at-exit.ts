import { writeFileSync } from 'node:fs';

/**
 * Preloaded (`NODE_OPTIONS=--require …`) into a command a benchmark runs in its own process: at
 * exit the process writes its own peak resident memory and CPU time to USAGE_FILE, from the
 * kernel's accounting, so no peak falls between the samples of an outside observer.
 */
const file = process.env.USAGE_FILE;
if (file) {
  process.once('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        peakRssKb: usage.maxRSS,
        cpuMicros: usage.userCPUTime + usage.systemCPUTime,
      }),
    );
  });
}
