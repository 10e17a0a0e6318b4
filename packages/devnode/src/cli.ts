#!/usr/bin/env node
/**
 * `aechannel-devnode`: starts a devnode from the command line and prints its URL, network
 * id and prefunded accounts. All logic lives in {@link runDevnodeCli} (shared with
 * `aechannel devnode`); this file only wires it to the process.
 */
import { runDevnodeCli } from './runDevnodeCli.js';

// Output piped into a reader that stopped early (`aechannel-devnode --help | head`): stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runDevnodeCli(process.argv.slice(2));
