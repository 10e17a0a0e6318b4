/**
 * The transaction layer the signer needs (PROTOCOL.md §2.4, §3.1, §3.3), on top of codec:
 * read a `tx_` signed transaction into its signatures and *raw* inner bytes, build the
 * signing payloads, and write the inner bytes back with a sorted signature list.
 * A tx a generalized participant already authenticated carries GA meta layers (§2.9): the
 * signatures and inner bytes are then those of the innermost signed tx, the channel tx
 * itself, and the layers are written back around it unchanged.
 * Codec errors become `SIGNER_NOT_A_TRANSACTION` with the codec error as `cause`.
 */
import {
  buildSignedTx,
  buildUnwrappedTx,
  hashSigningPayload,
  signingPayload,
  unwrapSignedTx,
  type Encoded,
  type GaMetaFields,
  type GaMetaLayer,
} from '@aechannel/codec';
import { signerError } from './errors.js';
import { compareBytes, equalBytes } from './keys.js';

/** A signed transaction split into what the signer works with. @internal */
export interface SignedTxParts {
  signatures: Uint8Array[];
  innerBytes: Uint8Array;
  /** GA meta layers around the channel tx, outermost first (§2.9); empty for most txs. */
  layers: readonly GaMetaLayer[];
}

/**
 * Splits a `tx_` signed transaction.
 * @internal
 * @throws {AechannelError} `SIGNER_NOT_A_TRANSACTION`
 */
export function readSignedTx(tx: unknown): SignedTxParts {
  if (typeof tx !== 'string' || !tx.startsWith('tx_')) {
    throw signerError('SIGNER_NOT_A_TRANSACTION', 'Expected a tx_ signed transaction', {
      context: { got: typeof tx === 'string' ? tx.slice(0, 12) : typeof tx },
    });
  }
  try {
    // One reading (codec's memo for a tx decoded before), through the GA layers if there are any.
    return unwrapSignedTx(tx as Encoded<'tx'>);
  } catch (cause) {
    throw signerError('SIGNER_NOT_A_TRANSACTION', 'Expected a tx_ signed transaction (tag 11)', {
      cause,
      details: cause instanceof Error ? cause.message : undefined,
      context: { got: tx.slice(0, 12) },
    });
  }
}

/** `utf8(networkId) ++ innerBytes`, the plain-mode payload (§3.1). @internal */
export function plainPayload(innerBytes: Uint8Array, networkId: string): Uint8Array {
  return signingPayload(innerBytes, networkId);
}

/** `utf8(networkId) ++ blake2b(innerBytes)`, the hash-mode payload (§3.1). @internal */
export function hashPayload(innerBytes: Uint8Array, networkId: string): Uint8Array {
  return hashSigningPayload(innerBytes, networkId);
}

/**
 * Writes `innerBytes` (untouched) with `signatures` plus `added`, without duplicates, sorted
 * bytewise (§2.4, §3.3), inside `layers` when the tx has GA meta layers (§2.9).
 * @internal
 */
export function writeSignedTx(
  innerBytes: Uint8Array,
  signatures: readonly Uint8Array[],
  added: readonly Uint8Array[],
  layers: readonly GaMetaFields[] = [],
): Encoded<'tx'> {
  const all = [...signatures];
  for (const signature of added) {
    if (!all.some((present) => equalBytes(present, signature))) all.push(signature);
  }
  all.sort(compareBytes);
  return layers.length === 0 ? buildSignedTx(innerBytes, all) : buildUnwrappedTx({ layers, signatures: all, innerBytes });
}
