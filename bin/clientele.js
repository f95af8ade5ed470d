#!/usr/bin/env -S node --max-old-space-size=256
// Runs the compiled CLI (npm ci builds it through the prepare script). The old space is bounded
// because V8 otherwise lets garbage pile up to well past what a command holds: importing 100,000
// clients peaked at 356 MB resident with the default heap, 178-196 MB with this bound, at
// 5,419-6,652 rows/s instead of 8,527 on a quiet machine (docs/benchmarks.md). What an import
// holds grows by about 100 bytes a row (the emails seen).
const { run } = require('../dist/apps/cli/main.js');
run(process.argv.slice(2)).then((code) => process.exit(code));
