/**
 * The `aechannel` command line (the `bin` runs `cli.ts`, which calls {@link runCli}).
 *
 * Commands: `decode` (print any prefixed value as JSON), `devnode` (start a local node
 * simulator and print how to reach it), `examples` and `conformance` (dispatched to the
 * examples runner and the transcript conformance checker). `runCli` never throws: every
 * failure becomes a message on stderr and a non-zero exit code.
 */
import { isAechannelError, stringifyJson } from '@aechannel/codec';
import type { DevnodeCommandFlags } from './devnodeCommand.js';
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
  examples [...]        Run the examples against a devnode (aechannel examples --help)
  conformance [...]     Check transcripts against the client (aechannel conformance --help)

Options:
  -h, --help            Show this help (also: aechannel <command> --help)
`;

const decodeUsage = `Usage: aechannel decode <value...>

Decodes each prefixed value and prints one JSON object per value: tx_ (signed or
unsigned transactions, with their type and hash), ss_ (state trees), cs_ (calls tree),
pi_ (proof of inclusion); other prefixes print their payload as hex. Integers are
printed exactly (no precision loss), byte strings as 0x-prefixed hex.
`;

const devnodeUsage = `Usage: aechannel devnode [options]

Starts a local devnode: the node side of the channel WebSocket API with a simulated
chain, listening on 127.0.0.1. Prints its URL, network id and funded accounts, then runs
until interrupted (Ctrl-C).

Options:
  --port <n>            Port to listen on (default 0: a free port)
  --network-id <id>     Network id (default: the devnode's)
  --accounts <n>        Number of funded accounts (default: the devnode's)
  --json                Print the details as one JSON object
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
      case '-h':
      case '--help':
      case 'help':
        io.stdout(cliUsage);
        return command === undefined ? 1 : 0;
      case 'decode':
        return runDecode(rest, io);
      case 'devnode':
        return await runDevnode(rest, io);
      case 'examples': {
        const { runExamplesCommand } = await import('./examples/index.js');
        return await runExamplesCommand([...rest]);
      }
      case 'conformance': {
        const { runConformanceCommand } = await import('./conformance/index.js');
        return await runConformanceCommand([...rest]);
      }
      default:
        io.stderr(`aechannel: unknown command ${JSON.stringify(command)}\n\n${cliUsage}`);
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
    io.stderr(decodeUsage);
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

type DevnodeFlags = DevnodeCommandFlags;

function parseDevnodeFlags(args: readonly string[]): DevnodeFlags | string {
  const flags: DevnodeFlags = { port: 0, json: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    const int = (): number | undefined => (value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined);
    switch (arg) {
      case '--port': {
        const port = int();
        if (port === undefined || port > 65535) return `--port expects a port number, got ${JSON.stringify(value)}`;
        flags.port = port;
        i++;
        break;
      }
      case '--network-id':
        if (value === undefined || value === '') return '--network-id expects a value';
        flags.networkId = value;
        i++;
        break;
      case '--accounts': {
        const count = int();
        if (count === undefined || count < 1) return `--accounts expects a positive number, got ${JSON.stringify(value)}`;
        flags.accounts = count;
        i++;
        break;
      }
      case '--json':
        flags.json = true;
        break;
      default:
        return `unknown option ${JSON.stringify(arg)}`;
    }
  }
  return flags;
}

async function runDevnode(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(devnodeUsage);
    return 0;
  }
  const flags = parseDevnodeFlags(args);
  if (typeof flags === 'string') {
    io.stderr(`aechannel devnode: ${flags}\n\n${devnodeUsage}`);
    return 2;
  }
  const { startDevnodeForCli } = await import('./devnodeCommand.js');
  return startDevnodeForCli(flags, io);
}
