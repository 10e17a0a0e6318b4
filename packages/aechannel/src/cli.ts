#!/usr/bin/env node
/**
 * The `aechannel` executable: `aechannel decode|devnode|examples|conformance ...`.
 * All logic lives in {@link runCli}; this file only wires it to the process.
 */
import { runCli } from './runCli.js';

// Output piped into a reader that stopped early (`aechannel --help | head`): stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
