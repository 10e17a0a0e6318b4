/**
 * @packageDocumentation
 * `@aechannel/codec`: the bottom layer of aechannel. Prefixed encodings (`ak_`, `tx_`,
 * `ch_`, ...), æternity RLP for every channel transaction, ids, hashes, Merkle-Patricia
 * state hashing, fees, bigint-safe JSON, and the `AechannelError` base every package uses.
 *
 * It does no I/O and reads no clock or global state. Runtime dependencies: `rlp`,
 * `@noble/hashes`, `@scure/base`, `lossless-json`. No workspace imports.
 */
export { AechannelError, isAechannelError, type AechannelErrorOptions } from './errors.js';
export { parseJson, stringifyJson, type JsonValue } from './json.js';
export {
  assertIsEncoded,
  decode,
  encode,
  isEncoded,
  prefixes,
  type Encoded,
  type EncodingErrorCode,
  type Prefix,
} from './encoding.js';
export * from './trees.js';
