/**
 * Runs the conformance checks of several transcripts in the chosen modes and formats
 * one line per transcript and mode.
 */
import type { Section } from '@aechannel/transcript';
import { analyzeRecording, type RecordingAnalysis } from './analyzeRecording.js';
import type { ModeResult } from './checkDevnodeMode.js';
import { formatDifference, type ConformanceMode } from './compareSections.js';
import { detectNetworkId } from './detectNetworkId.js';

/** A transcript to check. */
export interface TranscriptInput {
  /** Shown in the report, e.g. the file name. */
  name: string;
  sections: Section[];
  /** Its network id; detected from its signatures when not given. */
  networkId?: string | undefined;
}

/** What a mode runner gets besides the sections. */
export interface ModeContext {
  name: string;
  networkId: string | undefined;
  analysis: RecordingAnalysis;
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
): Promise<TranscriptCheck[]> {
  const checks: TranscriptCheck[] = [];
  for (const input of inputs) {
    const analysis = analyzeRecording(input.sections, input.networkId);
    const networkId = input.networkId ?? (await detectNetworkId(input.sections, analysis.accounts));
    const withNetwork = networkId === undefined ? analysis : analyzeRecording(input.sections, networkId);
    for (const mode of ['client', 'devnode'] as const) {
      const runner = runners[mode];
      if (runner === undefined) continue;
      const started = performance.now();
      let result: ModeResult;
      try {
        result = await runner(input.sections, { name: input.name, networkId, analysis: withNetwork });
      } catch (error) {
        result = { ok: false, difference: undefined, problem: error instanceof Error ? error.message : String(error), sections: [] };
      }
      const check = { name: input.name, mode, result, durationMs: performance.now() - started };
      checks.push(check);
      onCheck?.(check);
    }
  }
  return checks;
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
  return `${head}  ${why}`;
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
