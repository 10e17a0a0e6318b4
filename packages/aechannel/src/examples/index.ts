/**
 * `aechannel examples`: runs the declarative scenarios of the repository's `examples/`
 * directory (one JSON file per flow; format in `scenario.ts`) with two real `Channel`
 * clients, against an embedded devnode started for each scenario, or against any node
 * with `--url`. Shows live progress, a summary table, and writes the transcript of each
 * run to `examples/transcripts/<scenario>.md` in the fixture format.
 *
 * @module
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAechannelError } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { createChannelDriverFactory } from './channelDriver.js';
import { createDevnodeDriverFactory } from './devnodeDrivers.js';
import { defaultScenarioDir, loadScenarios } from './loadScenarios.js';
import { createReporter } from './reporter.js';
import { runExamples, type RecordingDriverFactory } from './runExamples.js';

export { createChannelDriverFactory, type ExamplesEnvironment } from './channelDriver.js';
export { createDevnodeDriverFactory, type DevnodeDriverOptions } from './devnodeDrivers.js';
export { defaultScenarioDir, loadScenarios } from './loadScenarios.js';
export { findMismatch } from './match.js';
export { createReporter, formatFailure, formatSummary, type ExamplesReporter, type ReportedResult } from './reporter.js';
export { runExamples, type RecordingDriverFactory, type RunExamplesOptions } from './runExamples.js';
export {
  describeError,
  runScenario,
  type CommandStep,
  type RoleBalances,
  type RunScenarioOptions,
  type ScenarioDriver,
  type ScenarioDriverContext,
  type ScenarioDriverFactory,
  type ScenarioResult,
  type StepFailure,
} from './runScenario.js';
export {
  commandArguments,
  parseScenario,
  ScenarioError,
  type Scenario,
  type ScenarioChannel,
  type ScenarioCommandName,
  type ScenarioExpectation,
  type ScenarioRole,
  type ScenarioStep,
  type SignDecision,
} from './scenario.js';
export { SignDecisions, type SignRequestInfo } from './signDecisions.js';

/** Usage text of `aechannel examples`. */
export const examplesUsage = `Usage: aechannel examples [options]

Runs every scenario in examples/ with two Channel clients against an embedded devnode
(a fresh one per scenario), with live progress and a summary table. The transcript of
each run is written to examples/transcripts/<scenario>.md.

Options:
  --only NAME              run only the scenario NAME (repeatable)
  --list                   list the scenarios and exit
  --dir PATH               scenario directory (default: <repo>/examples)
  --transcripts PATH       transcript directory (default: <dir>/transcripts)
  --no-transcripts         do not write transcripts
  --step-timeout MS        time limit of one step (default 30000)
  --url URL                run against the node at ws://host:port/channel instead
  --initiator-key KEY      initiator secret key (sk_…), with --url
  --responder-key KEY      responder secret key (sk_…), with --url
  --network-id ID          network id of the node, with --url
  --peer-host HOST         responder node host given to the initiator (default localhost)
  --peer-port PORT         responder port of the first scenario, +1 per scenario (default 13179)
  -h, --help               show this help

Exits 1 when a scenario fails (naming the scenario, the step, what was expected and what
happened), 2 on bad usage.
`;

function usageError(message: string): number {
  process.stderr.write(`aechannel examples: ${message}\n\n${examplesUsage}`);
  return 2;
}

/**
 * Runs `aechannel examples`.
 * @param argv - the arguments after `examples`
 * @returns the process exit code (0 when every scenario passed)
 * @example process.exitCode = await runExamplesCommand(['--only', 'transfer']);
 */
export async function runExamplesCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        only: { type: 'string', multiple: true },
        list: { type: 'boolean', default: false },
        dir: { type: 'string' },
        transcripts: { type: 'string' },
        'no-transcripts': { type: 'boolean', default: false },
        'step-timeout': { type: 'string' },
        url: { type: 'string' },
        'initiator-key': { type: 'string' },
        'responder-key': { type: 'string' },
        'network-id': { type: 'string' },
        'peer-host': { type: 'string', default: 'localhost' },
        'peer-port': { type: 'string', default: '13179' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usageError(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(examplesUsage);
    return 0;
  }
  const stepTimeoutMs = values['step-timeout'] === undefined ? undefined : Number(values['step-timeout']);
  if (stepTimeoutMs !== undefined && !(Number.isInteger(stepTimeoutMs) && stepTimeoutMs > 0)) return usageError('--step-timeout must be a positive integer');
  const peerPort = Number(values['peer-port']);
  if (!(Number.isInteger(peerPort) && peerPort > 0 && peerPort < 65000)) return usageError('--peer-port must be a port number');
  const remote = values.url !== undefined;
  if (remote && (values['initiator-key'] === undefined || values['responder-key'] === undefined || values['network-id'] === undefined)) {
    return usageError('--url needs --initiator-key, --responder-key and --network-id');
  }
  if (!remote && (values['initiator-key'] !== undefined || values['responder-key'] !== undefined)) {
    return usageError('--initiator-key and --responder-key are for --url (the devnode has its own accounts)');
  }

  const cwd = process.cwd();
  // Paths are shown relative to where the user ran the command (pnpm runs scripts in the
  // package directory and passes the original directory as INIT_CWD).
  const shownFrom = process.env.INIT_CWD ?? cwd;
  const dir = values.dir === undefined ? defaultScenarioDir() : resolve(cwd, values.dir);
  let scenarios;
  try {
    scenarios = loadScenarios(dir, { ...(values.only === undefined ? {} : { only: values.only }), cwd: shownFrom });
  } catch (error) {
    process.stderr.write(`aechannel examples: ${error instanceof Error ? error.message : String(error)}${isAechannelError(error) ? ` [${error.code}]` : ''}\n`);
    return 1;
  }
  if (values.list) {
    for (const scenario of scenarios) process.stdout.write(`${scenario.name}${scenario.description ? `  ${scenario.description}` : ''}\n`);
    return 0;
  }
  const transcriptDir = values['no-transcripts'] ? undefined : values.transcripts === undefined ? resolve(dir, 'transcripts') : resolve(cwd, values.transcripts);
  const peer = (index: number) => ({ host: values['peer-host'], port: peerPort + index });

  let createDriver: RecordingDriverFactory;
  if (remote) {
    let keys;
    try {
      keys = { initiator: values['initiator-key']!, responder: values['responder-key']! };
      for (const key of Object.values(keys)) memorySigner(key);
    } catch (error) {
      return usageError(`invalid secret key: ${error instanceof Error ? error.message : String(error)}`);
    }
    createDriver = createChannelDriverFactory({ url: values.url!, networkId: values['network-id']!, keys, peer });
  } else {
    createDriver = createDevnodeDriverFactory({ peer });
  }

  const reporter = createReporter(process.stdout);
  const where = remote ? values.url! : 'an embedded devnode per scenario';
  process.stdout.write(`Running ${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'} from ${relative(shownFrom, dir) || '.'} against ${where}\n`);
  const results = await runExamples({
    scenarios,
    createDriver,
    reporter,
    transcriptDir,
    cwd: shownFrom,
    ...(stepTimeoutMs === undefined ? {} : { stepTimeoutMs }),
  });
  reporter.summary(results);
  return results.every((result) => result.ok) ? 0 : 1;
}
