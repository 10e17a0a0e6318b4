/**
 * Signed transactions (PROTOCOL.md §2.4, §3): reading the signatures and the exact inner
 * bytes, adding signatures, and the bytes a signature covers.
 *
 * The inner transaction is always kept as the bytes received and never re-serialized
 * (§3.3 step 5): a signature covers those exact bytes. Signatures are sorted bytewise
 * ascending whenever we build a signed tx, as the node does (§2.4), so our bytes and tx
 * hashes match the node's.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import * as RLP from 'rlp';
import { compareBytes } from './bytes.js';
import { decode, encode, type Encoded } from './encoding.js';
import { blake2b256 } from './platform.js';
import { AechannelError } from './errors.js';
import type { RlpItem } from './fields.js';
import { decodeObjectItem, decodeRlp } from './schema.js';
import { recallInnerTx, recallSignedTx, rememberSignedTx } from './signedTxMemo.js';
import { Tag } from './tag.js';
import type { SignedTx, Tx } from './tx.js';

/** Size of an ed25519 signature. */
export const SIGNATURE_SIZE = 64;

/**
 * What {@link decodeSignedTx} returns. Frozen and shared between calls with the same `tx_`
 * (the last ones decoded are remembered): read-only, byte arrays included.
 */
export interface DecodeSignedTxReturnType {
  /** The signatures, in the order received. */
  signatures: Uint8Array[];
  /** `S(inner tx)` exactly as received: what every signature covers. */
  innerBytes: Uint8Array;
  /** The inner transaction, decoded. */
  tx: Tx;
}

/** Error codes of the signed-tx helpers (plus those of `decode`). */
export type SignedTxErrorType = 'CODEC_NOT_A_SIGNED_TX' | 'CODEC_INVALID_RLP' | 'CODEC_INVALID_FIELD' | 'CODEC_UNSUPPORTED_OBJECT';

function isSignedTxItem(item: RlpItem): item is RlpItem[] {
  return Array.isArray(item) && item[0] instanceof Uint8Array && item[0].length === 1 && item[0][0] === Tag.SignedTx;
}

function notSigned(item: RlpItem): AechannelError {
  const first = Array.isArray(item) ? item[0] : undefined;
  const tag = first instanceof Uint8Array ? first.reduce((n, b) => n * 256 + b, 0) : undefined;
  return new AechannelError('CODEC_NOT_A_SIGNED_TX', `Expected a signed tx (tag ${Tag.SignedTx}), got tag ${String(tag)}.`, {
    context: { expected: Tag.SignedTx, got: tag },
  });
}

/**
 * Splits a signed tx into signatures, the exact inner bytes and the decoded inner tx (§3.3 step 1–2).
 * @param tx - `tx_...` holding a tag-11 object
 * @returns `{ signatures, innerBytes, tx }`
 * @throws {AechannelError} `CODEC_NOT_A_SIGNED_TX` when the object is not tag 11, and the codes of
 *   `unpackTx` for malformed input
 * @example
 * const { signatures, innerBytes, tx } = decodeSignedTx(signedTx);
 * if (tx.tag === Tag.ChannelWithdrawTx) console.log(tx.amount, signatures.length);
 */
export function decodeSignedTx(tx: Encoded<'tx'>): DecodeSignedTxReturnType {
  const known = typeof tx === 'string' ? recallSignedTx(tx) : undefined;
  if (known !== undefined) return known;
  return rememberSignedTx(tx, readSignedTxBytes(decode(tx, 'tx')));
}

/**
 * Splits `S(signed tx)` (the one reading of a tag-11 object, shared by {@link decodeSignedTx}
 * and the GA unwrapping of codec's `unwrapSignedTx`): new, unfrozen, not remembered.
 * @internal
 * @throws {AechannelError} `CODEC_NOT_A_SIGNED_TX` when the object is not tag 11, and the codes of `unpackTx`
 */
export function readSignedTxBytes(bytes: Uint8Array): DecodeSignedTxReturnType {
  const item = decodeRlp(bytes);
  if (!isSignedTxItem(item)) throw notSigned(item);
  const signed = decodeObjectItem(item) as SignedTx;
  return { signatures: signed.signatures, innerBytes: item[3] as Uint8Array, tx: signed.encodedTx };
}

export { compareBytes };

/** Throws `CODEC_INVALID_FIELD` unless `signatures` is an array of 64-byte signatures. @internal */
export function checkSignatures(signatures: readonly Uint8Array[]): void {
  if (!Array.isArray(signatures)) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Expected an array of signatures.', {
      context: { tag: Tag.SignedTx, version: 1, field: 'signatures' },
    });
  }
  for (const signature of signatures) {
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_SIZE) {
      throw new AechannelError('CODEC_INVALID_FIELD', `Expected ${SIGNATURE_SIZE}-byte signatures.`, {
        context: { tag: Tag.SignedTx, version: 1, field: 'signatures', got: signature instanceof Uint8Array ? signature.length : typeof signature },
      });
    }
  }
}

/**
 * Builds a signed tx around exact inner bytes (§2.4, §3.3 step 4); signatures are sorted
 * bytewise ascending.
 * @param innerBytes - `S(inner tx)`, used as is
 * @param signatures - 64-byte signatures, any order
 * @returns `tx_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for a signature that is not 64 bytes
 * @example buildSignedTx(innerBytes, []) // the "unauthenticated" form the node hands out
 */
export function buildSignedTx(innerBytes: Uint8Array, signatures: readonly Uint8Array[]): Encoded<'tx'> {
  checkSignatures(signatures);
  if (!(innerBytes instanceof Uint8Array)) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Expected the inner tx bytes.', {
      context: { tag: Tag.SignedTx, version: 1, field: 'encodedTx' },
    });
  }
  const sorted = [...signatures].sort(compareBytes);
  const built = encode(signedTxRlp(innerBytes, sorted), 'tx') as Encoded<'tx'>;
  // Around inner bytes this process decoded (a signer adding its signature to a tx it read),
  // the new tx is remembered as built: its next decode (the fsm, the driver) is not a second
  // base64 + checksum + RLP pass over what was just written.
  const inner = recallInnerTx(innerBytes);
  if (inner !== undefined) rememberSignedTx(built, { signatures: sorted.map((signature) => signature.slice()), innerBytes, tx: inner });
  return built;
}

/**
 * `S(signed tx)`, tag 11 v1 (§2.4), around `innerBytes` as they are, with `signatures` in the
 * order given (callers sort them).
 * @internal
 */
export function signedTxRlp(innerBytes: Uint8Array, signatures: readonly Uint8Array[]): Uint8Array {
  return RLP.encode([Uint8Array.of(Tag.SignedTx), Uint8Array.of(1), [...signatures], innerBytes]);
}

/**
 * Adds signatures to a signed tx (§3.3): keeps the ones present, drops duplicates (also
 * ones the received tx already repeated: the node allows no extra signature, §3.2), sorts,
 * and keeps the inner bytes exactly as they were.
 * @param tx - `tx_...` of a signed tx
 * @param signatures - 64-byte signatures to add
 * @returns the new `tx_...`
 * @throws {AechannelError} `CODEC_NOT_A_SIGNED_TX` when `tx` is not tag 11, `CODEC_INVALID_FIELD`
 *   for a signature that is not 64 bytes, and the codes of `unpackTx` for malformed input
 * @example const coSigned = addSignatures(halfSigned, [mySignature]);
 */
export function addSignatures(tx: Encoded<'tx'>, signatures: readonly Uint8Array[]): Encoded<'tx'> {
  checkSignatures(signatures);
  const decoded = decodeSignedTx(tx);
  const sorted = [...decoded.signatures, ...signatures].sort(compareBytes);
  const unique = sorted.filter((signature, i) => i === 0 || compareBytes(sorted[i - 1] as Uint8Array, signature) !== 0);
  return buildSignedTx(decoded.innerBytes, unique);
}

function checkPayloadInput(innerBytes: Uint8Array, networkId: string): void {
  if (!(innerBytes instanceof Uint8Array)) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Expected the inner tx bytes (a Uint8Array).', {
      context: { field: 'innerBytes', got: typeof innerBytes },
    });
  }
  if (typeof networkId !== 'string') {
    throw new AechannelError('CODEC_INVALID_FIELD', `Expected the network id as a string, got ${typeof networkId}.`, {
      context: { field: 'networkId', got: typeof networkId },
    });
  }
}

/**
 * The bytes an ed25519 signature covers in plain mode (§3.1): `utf8(networkId) ++ innerBytes`.
 * @param innerBytes - `S(inner tx)` as received
 * @param networkId - e.g. `ae_mainnet`, `local_iris_testnet` (configuration, never hard-coded)
 * @returns the bytes to sign or verify
 * @throws {AechannelError} `CODEC_INVALID_FIELD` when `innerBytes` is not a Uint8Array or `networkId` not a string
 * @example await ed.verifyAsync(signature, signingPayload(innerBytes, 'local_iris_testnet'), publicKey)
 */
export function signingPayload(innerBytes: Uint8Array, networkId: string): Uint8Array {
  checkPayloadInput(innerBytes, networkId);
  const prefix = utf8ToBytes(networkId);
  const out = new Uint8Array(prefix.length + innerBytes.length);
  out.set(prefix);
  out.set(innerBytes, prefix.length);
  return out;
}

/**
 * The bytes a signature covers in hash mode (§3.1): `utf8(networkId) ++ blake2b(innerBytes)`.
 * @param innerBytes - `S(inner tx)` as received
 * @param networkId - the network id
 * @returns the bytes to sign or verify
 * @throws {AechannelError} `CODEC_INVALID_FIELD` when `innerBytes` is not a Uint8Array or `networkId` not a string
 * @example hashSigningPayload(innerBytes, 'ae_mainnet').length // networkId length + 32
 */
export function hashSigningPayload(innerBytes: Uint8Array, networkId: string): Uint8Array {
  checkPayloadInput(innerBytes, networkId);
  return signingPayload(blake2b256(innerBytes), networkId);
}
