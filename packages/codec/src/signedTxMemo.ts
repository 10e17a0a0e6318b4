/**
 * The memo behind `decodeSignedTx`: the last signed txs split and decoded, by their `tx_`
 * string. A channel round hands the same `tx_` to the fsm, the driver, the signer and the
 * store; each would otherwise pay base64, two SHA-256 runs, RLP and the schema again.
 * Entries are frozen (the decoded object and its arrays; byte arrays cannot be frozen and
 * are documented as read-only), bounded in count and in characters.
 */
import type { DecodeSignedTxReturnType } from './signedTx.js';
import type { Tx } from './tx.js';

const ENTRIES = 512;
const CHARACTERS = 4 * 1024 * 1024;
const memo = new Map<string, DecodeSignedTxReturnType>();
let characters = 0;
// The decoded inner tx of the inner bytes of a remembered entry (the same byte array), so a
// signed tx built around those bytes (a signer adding its signature) is remembered as built.
let innerTxs = new WeakMap<Uint8Array, Tx>();

/** @internal */
export function recallSignedTx(tx: string): DecodeSignedTxReturnType | undefined {
  return memo.get(tx);
}

/** @internal */
export function rememberSignedTx(tx: string, decoded: DecodeSignedTxReturnType): DecodeSignedTxReturnType {
  const frozen = deepFreeze(decoded);
  innerTxs.set(frozen.innerBytes, frozen.tx);
  if (tx.length > CHARACTERS / 8) return frozen;
  while (memo.size >= ENTRIES || characters + tx.length > CHARACTERS) {
    const oldest = memo.keys().next().value as string;
    memo.delete(oldest);
    characters -= oldest.length;
  }
  memo.set(tx, frozen);
  characters += tx.length;
  return frozen;
}

/**
 * The decoded inner tx of inner bytes taken from a remembered entry (by identity), if any.
 * @internal
 */
export function recallInnerTx(innerBytes: Uint8Array): Tx | undefined {
  return innerTxs.get(innerBytes);
}

/** Empties the memo (cold-path benchmarks). @internal */
export function clearSignedTxMemo(): void {
  memo.clear();
  characters = 0;
  innerTxs = new WeakMap();
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
