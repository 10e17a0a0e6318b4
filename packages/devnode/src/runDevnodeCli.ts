/**
 * The devnode command line, shared by the two commands that start a devnode:
 * `aechannel-devnode` (this package's bin) and `aechannel devnode` (the `aechannel` CLI
 * delegates here), so both take the same options and print the same thing.
 *
 * Usage errors go to stderr with exit code 2, a devnode that cannot start (a port in use)
 * exits with 1, and a devnode stopped by Ctrl-C (SIGINT/SIGTERM) exits with 0.
 */
import { readFileSync } from 'node:fs';
import { isAechannelError, stringifyJson } from '@aechannel/codec';
import { compatPresets, type CompatPreset } from './compat.js';
import { startDevnode, type StartDevnodeOptions } from './startDevnode.js';

/** Where the devnode command writes, and when it stops. */
export interface DevnodeCliIo {
  /** Writes to standard output. */
  stdout: (text: string) => void;
  /** Writes to standard error. */
  stderr: (text: string) => void;
  /** Resolves when the devnode should stop (Ctrl-C). Without it the devnode stops at once. */
  untilStopped?: () => Promise<void>;
}

/** Options of {@link runDevnodeCli}. */
export interface RunDevnodeCliOptions {
  /** The command name shown in the usage text and messages (default `aechannel-devnode`). */
  program?: string;
}

/** Most prefunded accounts the command creates (each one is a key derivation at startup). */
const MAX_ACCOUNTS = 1000;
/** Longest value an option accepts (a balance in aettos has far fewer digits). */
const MAX_VALUE_LENGTH = 200;

/**
 * The usage text of the devnode command.
 * @param program - the command name to show (`aechannel-devnode` or `aechannel devnode`)
 * @returns the text, ending with a newline
 */
export function devnodeUsage(program = 'aechannel-devnode'): string {
  return `Usage: ${program} [options]

Starts a devnode: the node side of the æternity channel WebSocket API with a simulated
chain. Prints its URL, network id, block mode and prefunded accounts (address, secret
key, balance), then runs until interrupted (Ctrl-C).

Options:
  --port <n>            WebSocket port (default 3014; 0 = any free port)
  --host <addr>         listen address (default 127.0.0.1)
  --network-id <id>     network id signatures are checked against (default ae_devnet)
  --seed <text>         seed of the prefunded accounts (default aechannel-devnode)
  --accounts <n>        number of prefunded accounts, 0 to ${MAX_ACCOUNTS} (default 10)
  --balance <aettos>    balance of each account (default 10^24)
  --blocks <mode>       instant (default), manual, or a block interval in ms
  --protocol <p>        ceres (default: create tx v2, Ceres contract rules) or iris
                        (create tx v1, Iris contract rules)
  --compat <preset>     ${Object.keys(compatPresets).join(', ')} (default current;
                        early-iris is the node of the contract recordings)
  --json                print the startup information as one JSON object
  -h, --help            show this help
  --version             print the version

Exits with 0 when stopped, 1 when the devnode cannot start, 2 on a usage error.
`;
}

/** The version of this package (read from its package.json, next to `src/` and `dist/`). */
export function devnodeVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

const processIo: DevnodeCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  untilStopped: () =>
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

interface ParsedFlags {
  options: StartDevnodeOptions;
  json: boolean;
}

const valueOptions = new Set(['--port', '--host', '--network-id', '--seed', '--accounts', '--balance', '--blocks', '--protocol', '--compat']);

/** Parses the arguments; a string is a usage error. */
function parseFlags(args: readonly string[]): ParsedFlags | string {
  const options: StartDevnodeOptions = { port: 3014 };
  let json = false;
  for (let i = 0; i < args.length; i++) {
    let arg = args[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--json') {
      if (value !== undefined) return '--json takes no value';
      json = true;
      continue;
    }
    if (!valueOptions.has(arg)) return arg.startsWith('-') ? `unknown option ${JSON.stringify(arg)}` : `unexpected argument ${JSON.stringify(arg)}`;
    if (value === undefined) {
      value = args[i + 1];
      i++;
    }
    if (value === undefined || value === '' || value.startsWith('--')) return `${arg} expects a value`;
    if (value.length > MAX_VALUE_LENGTH) return `${arg}: the value is longer than ${MAX_VALUE_LENGTH} characters`;
    const integer = (): number | undefined => (/^\d{1,9}$/.test(value) ? Number(value) : undefined);
    switch (arg) {
      case '--port': {
        const port = integer();
        if (port === undefined || port > 65535) return `--port expects a port number (0 to 65535), got ${JSON.stringify(value)}`;
        options.port = port;
        break;
      }
      case '--host':
        options.host = value;
        break;
      case '--network-id':
        options.networkId = value;
        break;
      case '--seed':
        options.seed = value;
        break;
      case '--accounts': {
        const count = integer();
        if (count === undefined || count > MAX_ACCOUNTS) return `--accounts expects a number from 0 to ${MAX_ACCOUNTS}, got ${JSON.stringify(value)}`;
        options.accounts = count;
        break;
      }
      case '--balance':
        if (!/^\d+$/.test(value)) return `--balance expects a whole number of aettos, got ${JSON.stringify(value)}`;
        options.balance = BigInt(value);
        break;
      case '--blocks': {
        if (value === 'instant' || value === 'manual') {
          options.blocks = value;
          break;
        }
        const ms = integer();
        if (ms === undefined || ms < 1) return `--blocks expects instant, manual or an interval in ms, got ${JSON.stringify(value)}`;
        options.blocks = ms;
        break;
      }
      case '--protocol':
        if (value !== 'ceres' && value !== 'iris') return `--protocol expects ceres or iris, got ${JSON.stringify(value)}`;
        options.protocol = value;
        break;
      case '--compat':
        if (!Object.hasOwn(compatPresets, value)) return `--compat expects one of ${Object.keys(compatPresets).join(', ')}, got ${JSON.stringify(value)}`;
        options.compat = value as CompatPreset;
        break;
    }
  }
  return { options, json };
}

/**
 * Runs the devnode command: starts a devnode with the options of {@link devnodeUsage},
 * prints how to reach it, and stops it when `io.untilStopped` resolves. Never throws.
 * @param argv - the arguments after the command name
 * @param io - where to write and when to stop (default: the process's streams and signals)
 * @param options - the command name to show
 * @returns the exit code: 0 after a clean stop (or `--help`, `--version`), 1 when the
 *   devnode cannot start, 2 on a usage error
 * @example process.exitCode = await runDevnodeCli(process.argv.slice(2));
 */
export async function runDevnodeCli(argv: readonly string[], io: DevnodeCliIo = processIo, options: RunDevnodeCliOptions = {}): Promise<number> {
  const program = options.program ?? 'aechannel-devnode';
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(devnodeUsage(program));
    return 0;
  }
  if (argv.includes('--version')) {
    io.stdout(`${devnodeVersion()}\n`);
    return 0;
  }
  const flags = parseFlags(argv);
  if (typeof flags === 'string') {
    io.stderr(`${program}: ${flags}\n\n${devnodeUsage(program)}`);
    return 2;
  }
  let devnode;
  try {
    devnode = await startDevnode(flags.options);
  } catch (error) {
    const code = isAechannelError(error) ? ` [${error.code}]` : '';
    io.stderr(`${program}: ${error instanceof Error ? error.message : String(error)}${code}\n`);
    return 1;
  }
  try {
    const blockMode = devnode.chain.blockMode.mode;
    const accounts = devnode.accounts.map((a) => ({ address: a.address, secretKey: a.secretKey, balance: devnode.chain.getBalance(a.address) }));
    if (flags.json) {
      io.stdout(`${stringifyJson({ url: devnode.url, networkId: devnode.networkId, blockMode, accounts })}\n`);
    } else {
      io.stdout(
        [
          `devnode listening on ${devnode.url}`,
          `network id: ${devnode.networkId}`,
          `block mode: ${blockMode}`,
          'accounts (address, secret key, balance in aettos):',
          ...accounts.map((a, i) => `  ${i}: ${a.address} ${a.secretKey} ${a.balance}`),
          'Press Ctrl-C to stop.',
          '',
        ].join('\n'),
      );
    }
    await (io.untilStopped?.() ?? Promise.resolve());
  } finally {
    await devnode.stop();
  }
  return 0;
}
