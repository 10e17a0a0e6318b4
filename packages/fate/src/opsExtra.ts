/**
 * Handlers of the string, bytes, crypto and chain-object families (CONTRACTS.md §4.3).
 */
import type { Handler } from './ops.js';

/** Extra handlers by mnemonic. */
export const extraOps: Record<string, Handler> = {};
