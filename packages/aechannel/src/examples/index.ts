/**
 * The examples runner: runs the declarative scenarios of the repository's `examples/`
 * directory against the embedded devnode (or any node given with `--url`).
 *
 * @module
 */

/** Usage text of `aechannel examples`. */
export const examplesUsage = `Usage: aechannel examples [options]

Runs every scenario in examples/ against an embedded devnode.

Options:
  --only NAME              run only the scenario NAME (repeatable)
  --dir PATH               scenario directory (default: <repo>/examples)
  --transcripts PATH       where transcripts go (default: <dir>/transcripts)
  --url URL                run against a node at ws://host:port/channel instead
  --initiator-key KEY      initiator secret key (with --url)
  --responder-key KEY      responder secret key (with --url)
  --network-id ID          network id (with --url)
  -h, --help               show this help
`;

/**
 * Runs `aechannel examples`.
 * @param argv - the arguments after `examples`
 * @returns the process exit code (0 when every scenario passed)
 */
export async function runExamplesCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(examplesUsage);
    return 0;
  }
  process.stderr.write('aechannel examples: not implemented yet\n');
  return 1;
}
