/**
 * @packageDocumentation
 * `aechannel/cli`: the command-line tools of `aechannel` as a library: {@link runCli} runs
 * `aechannel decode|devnode|examples|conformance ...` with injectable I/O. They reach the
 * devnode and `node:*`, which is why they live here and not in the main entry a web app
 * imports. The `aechannel` command (`bin/aechannel.js`) runs this.
 */
export { cliUsage, runCli, type CliIo } from './runCli.js';
