/**
 * The `aechannel` command line (the `bin` runs `cli.ts`, which calls {@link runCli}).
 *
 * Commands: `decode` (print any prefixed value as JSON), `devnode` (start a local node
 * simulator and print how to reach it), `examples` and `conformance` (dispatched to the
 * examples runner and the transcript conformance checker), `--version`. `runCli` never
 * throws: every failure becomes a message on stderr and a non-zero exit code (2 for a usage
 * error, with the usage on stderr; 1 for a failure).
 */
import { isAechannelError, stringifyJson } from '@aechannel/codec';
import { inspectEncoded } from './inspectEncoded.js';

/** Where the CLI writes. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Resolves when the process should stop (SIGINT/SIGTERM); used by `devnode`. */
  untilStopped?: () => Promise<void>;
}

/** The top-level usage text. */
export const cliUsage = `Usage: aechannel <command> [options]

Commands:
  decode <value...>     Decode tx_, ss_, cs_, pi_ (or any prefixed value) and print JSON
  devnode [options]     Start a local devnode (node simulator) and print its URL,
                        network id and funded accounts; runs until interrupted
                        (the same command as aechannel-devnode)
  examples [...]        Run the example scenarios against a devnode; an installed
                        package runs the scenarios it ships (aechannel examples --help)
  conformance [...]     Check transcripts against the client (aechannel conformance --help)

Options:
  -h, --help            Show this help (also: aechannel <command> --help)
  -v, --version         Print the version

Exit codes: 0 success, 1 failure, 2 usage error (the usage is printed on stderr).
`;

const decodeUsage = `Usage: aechannel decode <value...>

Decodes each prefixed value and prints one JSON object per value: tx_ (signed or
unsigned transactions, with their type and hash), ss_ (state trees), cs_ (calls tree),
pi_ (proof of inclusion); other prefixes print their payload as hex. Integers are
printed exactly (no precision loss), byte strings as 0x-prefixed hex.
`;

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  untilStopped: () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

/**
 * Runs the CLI.
 * @param argv - the arguments after the program name
 * @param io - where to write (defaults to the process's stdout/stderr)
 * @returns the exit code
 * @example process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr(cliUsage);
        return 2;
      case '-h':
      case '--help':
      case 'help':
        io.stdout(cliUsage);
        return 0;
      case '-v':
      case '--version': {
        const { aechannelVersion } = await import('./aechannelVersion.js');
        io.stdout(`${aechannelVersion()}\n`);
        return 0;
      }
      case 'decode':
        return runDecode(rest, io);
      case 'devnode': {
        const { runDevnodeCommand } = await import('./devnodeCommand.js');
        return await runDevnodeCommand(rest, io);
      }
      case 'examples': {
        const { runExamplesCommand } = await import('./examples/index.js');
        const { examplesArguments, isRepositoryCheckout, shippedScenariosHelp } = await import('./shippedScenarios.js');
        const code = await runExamplesCommand(examplesArguments(rest));
        if ((rest.includes('--help') || rest.includes('-h')) && !isRepositoryCheckout()) io.stdout(shippedScenariosHelp);
        return code;
      }
      case 'conformance': {
        const { runConformanceCommand } = await import('./conformance/index.js');
        return await runConformanceCommand([...rest]);
      }
      default:
        io.stderr(`aechannel: unknown ${command.startsWith('-') ? 'option' : 'command'} ${JSON.stringify(command)}\n\n${cliUsage}`);
        return 2;
    }
  } catch (error) {
    const code = isAechannelError(error) ? ` [${error.code}]` : '';
    io.stderr(`aechannel ${command}: ${error instanceof Error ? error.message : String(error)}${code}\n`);
    return 1;
  }
}

function runDecode(args: readonly string[], io: CliIo): number {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(decodeUsage);
    return 0;
  }
  if (args.length === 0) {
    io.stderr(`aechannel decode: give at least one value to decode\n\n${decodeUsage}`);
    return 2;
  }
  let failed = false;
  for (const value of args) {
    try {
      const { decoded } = inspectEncoded(value);
      io.stdout(`${stringifyJson(decoded, 2)}\n`);
    } catch (error) {
      failed = true;
      const code = isAechannelError(error) ? ` [${error.code}]` : '';
      io.stderr(`aechannel decode: cannot decode ${JSON.stringify(value.slice(0, 40))}: ${error instanceof Error ? error.message : String(error)}${code}\n`);
    }
  }
  return failed ? 1 : 0;
}
