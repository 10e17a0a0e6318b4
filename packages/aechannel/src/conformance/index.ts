/**
 * `aechannel conformance`: checks recorded channel transcripts (either fixture format)
 * against this SDK.
 *
 * - **client mode** plays the node side of the recording to the `Channel` client over
 *   the replay transport and drives the client with the actions the recording implies;
 *   the client must send exactly the recorded messages (ids and signatures aside), in
 *   the recorded order per role.
 * - **devnode mode** plays the client side against the embedded devnode and compares
 *   what the devnode sends with the recorded node messages (method, event / info / type
 *   names, error codes, order per role).
 *
 * One line per transcript and mode (the path as given, the first difference and its
 * reason), a total, and exit code 1 on any failure; `--json` for tools. A folder is
 * searched recursively. What the checker reads beyond the fixtures (unsigned or
 * unknown-network recordings, recordings that continue a channel from an earlier file,
 * several channels per role, invalid requests on purpose, reply aliases, queued commands,
 * out-of-band chain actions, tx hashes) is described in the module that handles it:
 * `checkTranscripts`, `previousRecording`, `checkClientMode`, `supplyReplyIds`,
 * `outOfBand`, `checkDevnodeMode`.
 *
 * @module
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringifyJson } from '@aechannel/codec';
import { parseTranscript, writeTranscript } from '@aechannel/transcript';
import { contractFixtureNames, fixtureNames, fixturePath } from '@aechannel/transcript/fixtures';
import type { NodeVariant } from './analyzeRecording.js';
import { checkClientMode } from './checkClientMode.js';
import { checkTranscripts, formatCheckLine, formatTotal, jsonReport, type ModeRunner, type TranscriptCheck, type TranscriptInput } from './checkTranscripts.js';
import { collectRecordingFiles } from './collectRecordingFiles.js';
import { pickPreviousRecording, startsMidChannel, type NamedRecording } from './previousRecording.js';

/** Recordings larger than this are not read as neighbours (a bound on the work per folder). */
const MAX_NEIGHBOUR_BYTES = 32 * 1024 * 1024;
import { runDevnodeMode } from './runDevnodeMode.js';

export { analyzeRecording, classifyClientMessage, closedByNode, signReplyTags, type NodeVariant, type RecordingAnalysis } from './analyzeRecording.js';
export { checkClientMode, type CheckClientModeOptions } from './checkClientMode.js';
export { checkDevnodeMode, type CheckDevnodeModeOptions, type DevnodeTarget, type ModeResult, type NodeAccount } from './checkDevnodeMode.js';
export {
  checkTranscripts,
  formatCheckLine,
  formatTotal,
  jsonReport,
  type ConformanceReport,
  type ConformanceReportEntry,
  type CheckTranscriptsOptions,
  type ModeContext,
  type ModeRunner,
  type TranscriptCheck,
  type TranscriptInput,
} from './checkTranscripts.js';
export { collectRecordingFiles, type RecordingFile } from './collectRecordingFiles.js';
export {
  clientMessageView,
  compareClientMessage,
  compareConnectUrl,
  compareNodeMessage,
  nodeMessageShape,
  REPLY_METHOD_ALIASES,
  type FieldDifference,
} from './compareMessages.js';
export { compareSections, formatDifference, type ConformanceMode, type SectionDifference } from './compareSections.js';
export { defaultNetworkId, detectNetworkId, identifySigners, knownNetworkIds, type IdentifiedSigners } from './detectNetworkId.js';
export {
  applyBalanceUpdates,
  channelIdOf,
  channelPointAfter,
  firstRequestedRound,
  lastCoSignedState,
  pickPreviousRecording,
  revertBalanceUpdates,
  startsMidChannel,
  type ChannelPoint,
  type NamedRecording,
} from './previousRecording.js';
export { createRunStateTracker, findOutOfBandActions, isTimerEffect, type OutOfBandAction, type OutOfBandCloseSolo, type RunState } from './outOfBand.js';
export { runDevnodeMode } from './runDevnodeMode.js';
export { supplyReplyIds, type SuppliedReplyIds } from './supplyReplyIds.js';

/** The node versions `--node-variant` accepts. */
const NODE_VARIANTS: readonly NodeVariant[] = ['current', 'early-iris', 'iris-2020-03', 'iris-2020-01', 'lima-2019'];

/** Usage text of `aechannel conformance`. */
export const conformanceUsage = `Usage: aechannel conformance [options] <transcript or folder...>

Checks recorded channel transcripts (markdown or plain-text fixture format) against
the Channel client (client mode) and the embedded devnode (devnode mode). A folder is
searched recursively for .md and .txt files.

Options:
  --fixtures               also check the fixture transcripts bundled with @aechannel/transcript
  --mode client|devnode    check only one mode (default: both)
  --network-id ID          network id of the recordings (default: detected from their signatures)
  --node-variant NAME      node version the recordings come from: current, early-iris,
                           iris-2020-03, iris-2020-01 or lima-2019 (default: detected from
                           each recording; early-iris when its PoIs hold contracts stored
                           the early-Iris way)
  --wait-ms MS             how long devnode mode waits for a recorded message (default 5000)
  --save-runs DIR          write what each run sent and received to DIR/<transcript>.<mode>.md
  --json                   print one JSON report instead of lines: an object per file and
                           mode (path, mode, ok, difference, problem, reason, notes)
  -h, --help               show this help

Prints one line per transcript and mode (pass, or the first difference with both
messages and the underlying reason when one is known), then a total. Paths are shown
as given. Exits 1 when any check fails, a file cannot be read or nothing
was checked at all, 2 on bad usage.
`;

/**
 * Runs `aechannel conformance`.
 * @param argv - the arguments after `conformance`
 * @returns the process exit code (0 when every transcript conforms)
 */
export async function runConformanceCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        fixtures: { type: 'boolean', default: false },
        mode: { type: 'string' },
        'network-id': { type: 'string' },
        'node-variant': { type: 'string' },
        'wait-ms': { type: 'string' },
        'save-runs': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`aechannel conformance: ${error instanceof Error ? error.message : String(error)}\n\n${conformanceUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(conformanceUsage);
    return 0;
  }
  if (positionals.length === 0 && !values.fixtures) {
    process.stderr.write(`aechannel conformance: give transcript files or --fixtures\n\n${conformanceUsage}`);
    return 2;
  }
  const mode = values.mode;
  if (mode !== undefined && mode !== 'client' && mode !== 'devnode') {
    process.stderr.write(`aechannel conformance: --mode must be client or devnode, not ${mode}\n`);
    return 2;
  }
  const variant = values['node-variant'];
  if (variant !== undefined && !NODE_VARIANTS.includes(variant as NodeVariant)) {
    process.stderr.write(`aechannel conformance: --node-variant must be one of ${NODE_VARIANTS.join(', ')}, not ${variant}\n`);
    return 2;
  }
  const waitMs = values['wait-ms'] === undefined ? undefined : Number(values['wait-ms']);
  if (waitMs !== undefined && !(Number.isInteger(waitMs) && waitMs > 0)) {
    process.stderr.write('aechannel conformance: --wait-ms must be a positive integer\n');
    return 2;
  }

  const bases = [...new Set([process.env.INIT_CWD, process.cwd()].filter((base): base is string => base !== undefined))];
  const files = [
    ...(values.fixtures ? [...fixtureNames, ...contractFixtureNames].map((name) => ({ path: name, fullPath: fixturePath(name) })) : []),
    ...collectRecordingFiles(positionals, bases),
  ];
  const json = values.json;
  const say = (line: string): void => {
    if (!json) process.stdout.write(`${line}\n`);
  };
  const inputs: TranscriptInput[] = [];
  // The other recordings of a file's folder, read once per folder: the one a mid-channel recording continues is among them.
  const folders = new Map<string, NamedRecording[]>();
  const neighboursOf = (fullPath: string): NamedRecording[] => {
    const folder = dirname(fullPath);
    let found = folders.get(folder);
    if (found === undefined) {
      found = [];
      for (const entry of readdirSync(folder).sort()) {
        if (!/\.(md|txt)$/.test(entry) || join(folder, entry) === fullPath) continue;
        try {
          const path = join(folder, entry);
          if (statSync(path).size > MAX_NEIGHBOUR_BYTES) continue;
          found.push({ name: entry, sections: parseTranscript(readFileSync(path, 'utf8')) });
        } catch {
          // Not a recording: not a candidate.
        }
      }
      folders.set(folder, found);
    }
    return found.filter((recording) => join(folder, recording.name) !== fullPath);
  };
  const unreadable: { path: string; problem: string }[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    try {
      const sections = parseTranscript(readFileSync(file.fullPath, 'utf8'));
      // Without a single message there is nothing to play: such a file is not a recording.
      if (!sections.some((section) => section.kind === 'send' || section.kind === 'receive')) {
        skipped.push(file.path);
        say(`skip  ${file.path}  (no transcript messages)`);
        continue;
      }
      const previous = startsMidChannel(sections) ? pickPreviousRecording(sections, neighboursOf(file.fullPath)) : undefined;
      inputs.push({ name: file.path, sections, networkId: values['network-id'], previous });
    } catch (error) {
      // One line for this file, then the others are still checked.
      const problem = error instanceof Error ? error.message : String(error);
      unreadable.push({ path: file.path, problem });
      say(`FAIL  ${file.path}  read  ${problem}`);
    }
  }
  const runners: Partial<Record<'client' | 'devnode', ModeRunner>> = {};
  if (mode === undefined || mode === 'client') runners.client = (sections, context) => checkClientMode(sections, { networkId: context.networkId, analysis: context.analysis, previous: context.previous });
  if (mode === undefined || mode === 'devnode') {
    runners.devnode = (sections, context) => runDevnodeMode(sections, { analysis: context.analysis, networkId: context.networkId, previous: context.previous, ...(waitMs === undefined ? {} : { waitMs }) });
  }
  const saveDir = values['save-runs'] === undefined ? undefined : resolve(process.env.INIT_CWD ?? process.cwd(), values['save-runs']);
  if (saveDir !== undefined) mkdirSync(saveDir, { recursive: true });
  const checks: TranscriptCheck[] = await checkTranscripts(inputs, runners, (check) => {
    say(formatCheckLine(check));
    if (saveDir !== undefined) {
      const title = `${check.name}, ${check.mode} mode: what the run sent and received`;
      // The path as given, flattened: files of the same name in different folders stay apart.
      const file = `${check.name.replace(/\.[^./\\]*$/, '').replace(/^(\.\.?[/\\])+/, '').replace(/[/\\:]+/g, '__')}.${check.mode}.md`;
      writeFileSync(join(saveDir, file), writeTranscript(check.result.sections, title), 'utf8');
    }
  }, { variant: variant as NodeVariant | undefined });
  if (json) process.stdout.write(`${stringifyJson(jsonReport(checks, unreadable, skipped))}\n`);
  else say(formatTotal(checks, unreadable.length));
  if (checks.length + unreadable.length === 0) {
    // A run that checked nothing must not look like a pass.
    process.stderr.write('aechannel conformance: nothing was checked (no file held a transcript message)\n');
    return 1;
  }
  return unreadable.length === 0 && checks.every((check) => check.result.ok) ? 0 : 1;
}
