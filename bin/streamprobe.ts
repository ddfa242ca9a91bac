#!/usr/bin/env node
// The installed command (compiled to dist/bin/streamprobe.js); a clone runs bin/cli.ts through tsx instead.
import { runCli } from './cli';

runCli();
