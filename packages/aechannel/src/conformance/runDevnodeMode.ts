/**
 * Devnode mode with its own devnode: starts an embedded devnode configured like the node
 * that made the recording (PROTOCOL.md §11), checks, and stops it.
 */
import type { Section } from '@aechannel/transcript';
import type { RecordingAnalysis } from './analyzeRecording.js';
import type { ModeResult } from './checkDevnodeMode.js';

/** Options of {@link runDevnodeMode}. */
export interface RunDevnodeModeOptions {
  analysis: RecordingAnalysis;
  networkId: string | undefined;
  waitMs?: number;
}

/**
 * Checks one recording against a fresh embedded devnode.
 * @returns pass, or the first difference
 */
export async function runDevnodeMode(_sections: readonly Section[], _options: RunDevnodeModeOptions): Promise<ModeResult> {
  return { ok: false, difference: undefined, problem: 'devnode mode needs @aechannel/devnode (not available yet)', sections: [] };
}
