/**
 * Client mode: plays the node side of a recording to the `Channel` client.
 */
import type { Section } from '@aechannel/transcript';
import type { ModeResult } from './checkDevnodeMode.js';

/** Options of {@link checkClientMode}. */
export interface CheckClientModeOptions {
  networkId: string | undefined;
}

/**
 * Checks one recording in client mode.
 * @returns pass, or the first difference
 */
export async function checkClientMode(_sections: readonly Section[], _options: CheckClientModeOptions): Promise<ModeResult> {
  return { ok: false, difference: undefined, problem: 'client mode needs the Channel client (not available yet)', sections: [] };
}
