/**
 * Runs the conformance checks of several transcripts in the chosen modes and formats
 * one line per transcript and mode.
 */
import type { Role, Section } from '@aechannel/transcript';
import { analyzeRecording, classifyClientMessage, type NodeVariant, type RecordingAnalysis } from './analyzeRecording.js';
import type { ModeResult } from './checkDevnodeMode.js';
import { formatDifference, type ConformanceMode } from './compareSections.js';
import { renderValue } from './compareMessages.js';
import type { NamedRecording } from './previousRecording.js';
import { defaultNetworkId, identifySigners, knownNetworkIds } from './detectNetworkId.js';

/** A transcript to check. */
export interface TranscriptInput {
  /** Shown in the report, e.g. the file name. */
  name: string;
  sections: Section[];
  /** Its network id; detected from its signatures when not given. */
  networkId?: string | undefined;
  /** The recording it continues, when it starts mid-channel (see `pickPreviousRecording`). */
  previous?: NamedRecording | undefined;
}

/** What a mode runner gets besides the sections. */
export interface ModeContext {
  name: string;
  /** The recording's network id: given, detected from its signatures, or the default. */
  networkId: string;
  analysis: RecordingAnalysis;
  /** The recording this one continues (same channel, earlier file), if any. */
  previous?: readonly Section[] | undefined;
}

/** Options of {@link checkTranscripts}. */
export interface CheckTranscriptsOptions {
  /** Network ids a recording's signatures are tried against (default `knownNetworkIds`). */
  networkIds?: readonly string[];
  /**
   * The node version every recording is played as (PROTOCOL.md §11; `early-iris`: the
   * contract rules of CONTRACTS.md §10), instead of the one detected from each recording.
   */
  variant?: NodeVariant | undefined;
}

/** Runs one mode for one transcript. */
export type ModeRunner = (sections: readonly Section[], context: ModeContext) => Promise<ModeResult>;

/** The outcome of one transcript in one mode. */
export interface TranscriptCheck {
  name: string;
  mode: ConformanceMode;
  result: ModeResult;
  durationMs: number;
}

/**
 * Checks every transcript in every requested mode, in order.
 * @param inputs - the transcripts
 * @param runners - the runner of each mode to check
 * @param onCheck - called after each check (for live output)
 * @returns one check per transcript and mode
 */
export async function checkTranscripts(
  inputs: readonly TranscriptInput[],
  runners: Partial<Record<ConformanceMode, ModeRunner>>,
  onCheck?: (check: TranscriptCheck) => void,
  options: CheckTranscriptsOptions = {},
): Promise<TranscriptCheck[]> {
  const checks: TranscriptCheck[] = [];
  for (const input of inputs) {
    const identified = await identifyRecording(input, options.networkIds ?? knownNetworkIds);
    const { networkId, notes } = identified;
    const analysis = options.variant === undefined ? identified.analysis : { ...identified.analysis, variant: options.variant };
    for (const mode of ['client', 'devnode'] as const) {
      const runner = runners[mode];
      if (runner === undefined) continue;
      const started = performance.now();
      let result: ModeResult;
      try {
        result = await runner(input.sections, { name: input.name, networkId, analysis, previous: input.previous?.sections });
      } catch (error) {
        result = { ok: false, difference: undefined, problem: error instanceof Error ? error.message : String(error), sections: [] };
      }
      if (notes.length > 0) result = { ...result, notes: [...notes, ...(result.notes ?? [])] };
      const contract = analysis.firstContractUpdate;
      if (!result.ok && contract !== undefined && (result.difference?.line ?? Number.MAX_SAFE_INTEGER) >= contract.line) {
        // The run failed where contracts are in play: the contract rules it ran with are part of
        // the reason (a recording of another node version recomputes to other state hashes).
        const rules = `the contract rounds ran as on the ${analysis.variant} node (${analysis.variant === 'early-iris' ? 'early-Iris contract rules, CONTRACTS.md §10' : 'current contract rules'}; the recording's first contract request: ${contract.what}, line ${contract.line})`;
        result = { ...result, reason: result.reason === undefined ? rules : `${result.reason}; ${rules}` };
      }
      const check = { name: input.name, mode, result, durationMs: performance.now() - started };
      checks.push(check);
      onCheck?.(check);
    }
  }
  return checks;
}

/**
 * The recording's accounts and network id: the analysis, completed by the accounts whose
 * signatures verify; without a verifying signature, the default network id and a note.
 */
async function identifyRecording(input: TranscriptInput, networkIds: readonly string[]): Promise<{ analysis: RecordingAnalysis; networkId: string; notes: string[] }> {
  const first = analyzeRecording(input.sections, input.networkId);
  const tried = input.networkId === undefined ? networkIds : [input.networkId];
  const signers = await identifySigners(input.sections, first.accounts, first.candidates, tried);
  const notes: string[] = input.previous === undefined ? [] : [`continues ${input.previous.name}`];
  // The recording continued names what this one may not: the accounts (its open URLs) and, by its signatures, the network id.
  let before: { accounts: Partial<Record<Role, string>>; networkId: string | undefined } = { accounts: {}, networkId: undefined };
  if (input.previous !== undefined) {
    const earlier = analyzeRecording(input.previous.sections, input.networkId);
    const earlierSigners = await identifySigners(input.previous.sections, earlier.accounts, earlier.candidates, tried);
    before = { accounts: { ...earlier.accounts, ...earlierSigners.accounts }, networkId: earlierSigners.networkId };
  }
  let networkId = input.networkId ?? signers.networkId ?? before.networkId;
  if (networkId === undefined) {
    const why = input.sections.some((s) => s.kind === 'send' && classifyClientMessage(s.message).kind === 'signReply')
      ? 'no client signature verifies under a known network id'
      : 'the recording has no client signature';
    notes.push(`network id unknown (${why}): assumed ${defaultNetworkId}; pass --network-id to set it`);
    networkId = defaultNetworkId;
  }
  const analysis = analyzeRecording(input.sections, networkId);
  return { analysis: { ...analysis, accounts: { ...before.accounts, ...analysis.accounts, ...signers.accounts } }, networkId, notes };
}

/**
 * One line for one check: `pass`, or `FAIL` with the first difference and both messages.
 * @example formatCheckLine(check) // 'pass  abort_withdraw.md  client  (120 ms)'
 */
export function formatCheckLine(check: TranscriptCheck): string {
  const head = `${check.result.ok ? 'pass' : 'FAIL'}  ${check.name}  ${check.mode}`;
  if (check.result.ok) {
    const notes = check.result.notes ?? [];
    return `${head}  (${Math.round(check.durationMs)} ms${notes.length === 0 ? '' : `; ${notes.join('; ')}`})`;
  }
  const why = check.result.difference !== undefined ? formatDifference(check.result.difference) : (check.result.problem ?? 'failed');
  const reason = check.result.reason === undefined ? '' : `; reason: ${check.result.reason}`;
  const notes = check.result.notes ?? [];
  return `${head}  ${why}${reason}${notes.length === 0 ? '' : ` (${notes.join('; ')})`}`;
}

/**
 * The closing line: how many checks passed.
 * @param checks - the checks that ran
 * @param unreadable - files that could not be read, counted as failed checks
 * @returns e.g. `5 checks: 5 passed, 0 failed`
 * @example formatTotal(checks) // '10 checks: 10 passed, 0 failed'
 */
export function formatTotal(checks: readonly TranscriptCheck[], unreadable = 0): string {
  const failed = checks.filter((c) => !c.result.ok).length + unreadable;
  const total = checks.length + unreadable;
  return `${total} checks: ${total - failed} passed, ${failed} failed`;
}

/** One file and mode in the `--json` report. */
export interface ConformanceReportEntry {
  /** The path as given (or the fixture name). */
  path: string;
  /** `client`, `devnode`, or `read` for a file that could not be read. */
  mode: ConformanceMode | 'read';
  ok: boolean;
  durationMs: number;
  /** The first difference; `field.expected`/`field.actual` rendered as JSON text. */
  difference: { role: string; direction: string; index: number; line: number | null; field: { path: string; expected: string; actual: string } | null; expected: string; actual: string } | null;
  problem: string | null;
  reason: string | null;
  notes: string[];
}

/** The `--json` report of `aechannel conformance`. */
export interface ConformanceReport {
  checks: ConformanceReportEntry[];
  /** Files without a single transcript message (not counted as checks). */
  skipped: string[];
  total: { checks: number; passed: number; failed: number };
}

/**
 * The machine-readable report: one object per file and mode.
 * @param checks - the checks that ran
 * @param unreadable - files that could not be read, each counted as one failed check
 * @param skipped - files that held no transcript message
 * @returns the report (plain JSON data)
 * @example stringifyJson(jsonReport(checks)) // '{"checks":[{"path":"a/open.md","mode":"client","ok":true,…}],…}'
 */
export function jsonReport(
  checks: readonly TranscriptCheck[],
  unreadable: readonly { path: string; problem: string }[] = [],
  skipped: readonly string[] = [],
): ConformanceReport {
  const entries: ConformanceReportEntry[] = [
    ...unreadable.map((file) => ({ path: file.path, mode: 'read' as const, ok: false, durationMs: 0, difference: null, problem: file.problem, reason: null, notes: [] })),
    ...checks.map((check) => {
      const d = check.result.difference;
      return {
        path: check.name,
        mode: check.mode,
        ok: check.result.ok,
        durationMs: Math.round(check.durationMs),
        difference:
          d === undefined
            ? null
            : {
                role: d.role,
                direction: d.direction,
                index: d.index,
                line: d.line ?? null,
                field: d.field === undefined ? null : { path: d.field.path, expected: renderValue(d.field.expected, 10_000), actual: renderValue(d.field.actual, 10_000) },
                expected: d.expected,
                actual: d.actual,
              },
        problem: check.result.problem ?? null,
        reason: check.result.reason ?? null,
        notes: check.result.notes ?? [],
      };
    }),
  ];
  const failed = entries.filter((entry) => !entry.ok).length;
  return { checks: entries, skipped: [...skipped], total: { checks: entries.length, passed: entries.length - failed, failed } };
}
