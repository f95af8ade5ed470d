#!/usr/bin/env node
// Runs the compiled CLI (npm ci builds it through the prepare script).
const { run } = require('../dist/apps/cli/main.js');
run(process.argv.slice(2)).then((code) => process.exit(code));
