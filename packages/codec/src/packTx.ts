/**
 * `tx_` strings (§1.1 base64check of `S(obj)`, §2.2) to objects and back.
 */
import { decode, encode, type Encoded } from './encoding.js';
import { AechannelError } from './errors.js';
import { deserializeObject, serializeObject } from './serializeObject.js';
import type { Tx } from './tx.js';

/**
 * Decodes a `tx_` string (or raw `S(obj)` bytes) into an object, strictly (§2.1).
 * A signed tx comes back as `{ tag: 11, version: 1, signatures, encodedTx }` with the inner
 * transaction decoded as well.
 * @param tx - `tx_...` or the serialized bytes
 * @returns the decoded object
 * @throws {AechannelError} the codes of `decode` for a bad `tx_` string, `CODEC_INVALID_RLP`,
 *   `CODEC_UNSUPPORTED_OBJECT` (context `{ tag, version }`) or `CODEC_INVALID_FIELD`
 * @example
 * const signed = unpackTx('tx_+IgLAcC4g/iBMgGhAb...');
 * if (signed.tag === Tag.SignedTx && signed.encodedTx.tag === Tag.ChannelCreateTx) console.log(signed.encodedTx.fee);
 */
export function unpackTx(tx: Encoded<'tx'> | Uint8Array): Tx {
  if (tx instanceof Uint8Array) return deserializeObject(tx);
  if (typeof tx !== 'string') {
    throw new AechannelError('CODEC_INVALID_PREFIX', `Expected tx_ string or bytes, got ${typeof tx}.`, { context: { expected: 'tx', got: typeof tx } });
  }
  return deserializeObject(decode(tx, 'tx'));
}

/**
 * Serializes an object and encodes it as `tx_` (base64check).
 * @param tx - any {@link Tx}
 * @returns `tx_...`
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT` or `CODEC_INVALID_FIELD`
 * @example packTx(unpackTx(tx)) === tx // for every canonical tx
 */
export function packTx(tx: Tx): Encoded<'tx'> {
  return encode(serializeObject(tx), 'tx');
}
