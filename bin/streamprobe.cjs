#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so a clone works without a build step.
require('tsx/cjs');
require('./cli.ts').runCli();
