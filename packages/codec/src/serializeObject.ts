/**
 * Raw object serialization, `S(obj)` of PROTOCOL.md §2.2, without the `tx_` string layer.
 */
import * as RLP from 'rlp';
import { decodeObjectItem, decodeRlp, encodeObjectItem } from './schema.js';
import type { Tx } from './tx.js';

/**
 * Serializes an object to its RLP bytes `S(obj)` (§2.2).
 * @param tx - any object of {@link Tx}
 * @returns the RLP bytes
 * @throws {AechannelError} `CODEC_UNSUPPORTED_OBJECT` for an unknown tag/version,
 *   `CODEC_INVALID_FIELD` (context names tag, version and field) for a value of the wrong type
 * @example serializeObject({ tag: Tag.Account, version: 1, nonce: 0n, balance: 1n }) // c4 0a 01 00 01
 */
export function serializeObject(tx: Tx): Uint8Array {
  return RLP.encode(encodeObjectItem(tx));
}

/**
 * Reads `S(obj)` bytes strictly (§2.1): no trailing bytes, minimal ints, exact field count,
 * valid ids and bools.
 * @param bytes - the RLP bytes
 * @returns the decoded object
 * @throws {AechannelError} `CODEC_INVALID_RLP` for malformed RLP, `CODEC_UNSUPPORTED_OBJECT`
 *   (context `{ tag, version }`) for an unknown tag/version, `CODEC_INVALID_FIELD` for a bad field
 * @example deserializeObject(Uint8Array.of(0xc4, 0x0a, 0x01, 0x00, 0x01)) // { tag: 10, version: 1, nonce: 0n, balance: 1n }
 */
export function deserializeObject(bytes: Uint8Array): Tx {
  return decodeObjectItem(decodeRlp(bytes));
}
