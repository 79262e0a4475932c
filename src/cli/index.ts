#!/usr/bin/env node
/**
 * The `routilux` command: validate and draw flow definitions, serve flows with the monitor. See `routilux --help`.
 * @module
 */
import { runCli } from './run.js';

void runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
