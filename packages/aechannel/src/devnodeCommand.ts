/**
 * `aechannel devnode`: the devnode's own command line (`aechannel-devnode`), under the
 * `aechannel` name, so both commands take the same options and print the same thing.
 */
import { runDevnodeCli } from '@aechannel/devnode';
import type { CliIo } from './runCli.js';

/**
 * Runs `aechannel devnode`.
 * @param args - the arguments after `devnode`
 * @param io - where to write and when to stop
 * @returns the exit code (0 stopped, 1 could not start, 2 usage error)
 */
export function runDevnodeCommand(args: readonly string[], io: CliIo): Promise<number> {
  return runDevnodeCli(args, io, { program: 'aechannel devnode' });
}
