/**
 * Transcript conformance: checks recordings against the `Channel` client (client mode)
 * and the devnode (devnode mode).
 *
 * @module
 */

/** Usage text of `aechannel conformance`. */
export const conformanceUsage = `Usage: aechannel conformance [options] <transcript...>

Checks each recorded transcript in client mode and in devnode mode.

Options:
  --fixtures               check the bundled fixture transcripts
  --mode client|devnode    check only one mode (default: both)
  -h, --help               show this help
`;

/**
 * Runs `aechannel conformance`.
 * @param argv - the arguments after `conformance`
 * @returns the process exit code (0 when every transcript conforms)
 */
export async function runConformanceCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
    process.stdout.write(conformanceUsage);
    return argv.length === 0 ? 2 : 0;
  }
  process.stderr.write('aechannel conformance: not implemented yet\n');
  return 1;
}
