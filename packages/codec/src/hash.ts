/**
 * Hashes and derived identifiers, PROTOCOL.md §4.
 */
import * as RLP from 'rlp';
import { decode, encode, type Encoded } from './encoding.js';
import { blake2b256 } from './platform.js';
import { AechannelError } from './errors.js';
import { intToBytes, type RlpItem } from './fields.js';
import { compareBytes } from './bytes.js';
import { decodeRlp } from './schema.js';
import { Tag } from './tag.js';

/**
 * BLAKE2b with a 32-byte digest, unkeyed: the `blake2b` of the protocol.
 * @param bytes - input
 * @returns 32 bytes
 * @throws {AechannelError} `CODEC_INVALID_FIELD` when `bytes` is not a Uint8Array
 * @example hash(new Uint8Array()) // 0e5751c0...
 */
export function hash(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Expected bytes to hash, got ${typeof bytes}.`, { context: { field: 'bytes', got: typeof bytes } });
  }
  return blake2b256(bytes);
}

/**
 * Transaction hash (§4): `blake2b(S(signed tx))` over the whole tag-11 object with its
 * signatures in canonical (sorted) order; other objects are hashed as they are.
 * @param tx - `tx_...`
 * @returns `th_...`
 * @throws {AechannelError} the codes of `decode` and `CODEC_INVALID_RLP`
 * @example txHash(signedCreateTx) // 'th_...'
 */
export function txHash(tx: Encoded<'tx'>): Encoded<'th'> {
  let bytes = decode(tx, 'tx');
  const item = decodeRlp(bytes);
  if (Array.isArray(item) && item.length === 4 && item[0] instanceof Uint8Array && item[0].length === 1 && item[0][0] === Tag.SignedTx) {
    const signatures = item[2];
    if (Array.isArray(signatures) && signatures.length > 1) {
      const sorted = [...signatures].sort((a: RlpItem, b: RlpItem) =>
        a instanceof Uint8Array && b instanceof Uint8Array ? compareBytes(a, b) : 0,
      );
      if (sorted.some((s, i) => s !== signatures[i])) bytes = RLP.encode([item[0], item[1], sorted, item[3]] as Uint8Array[]);
    }
  }
  return encode(hash(bytes), 'th');
}

/**
 * Channel id (§4): `blake2b(initiator ++ uint256be(nonce) ++ responder)`. A generalized
 * initiator's create tx has nonce 0; the 32-byte auth id of its GA meta layer
 * (`authId`, §2.9) takes the nonce's place: pass it as bytes.
 * @param initiator - the initiator's `ak_`
 * @param nonce - the create tx nonce, or the initiator's 32-byte auth id
 * @param responder - the responder's `ak_`
 * @returns `ch_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for a negative nonce, one beyond 256 bits or an
 *   auth id that is not 32 bytes; the codes of `decode` for bad accounts
 * @example computeChannelId('ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS', 185n, 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W')
 * // 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1'
 */
export function computeChannelId(initiator: Encoded<'ak'>, nonce: bigint | Uint8Array, responder: Encoded<'ak'>): Encoded<'ch'> {
  const input = new Uint8Array(96);
  if (nonce instanceof Uint8Array) {
    if (nonce.length !== 32) {
      throw new AechannelError('CODEC_INVALID_FIELD', 'A channel id auth id must be 32 bytes.', { context: { field: 'nonce', got: nonce.length } });
    }
    input.set(nonce, 32);
  } else {
    if (typeof nonce !== 'bigint' || nonce < 0n || nonce >= 1n << 256n) {
      throw new AechannelError('CODEC_INVALID_FIELD', 'Channel id nonce must be a bigint in [0, 2^256).', {
        context: { field: 'nonce', got: String(nonce) },
      });
    }
    const nonceBytes = intToBytes(nonce);
    input.set(nonceBytes, 64 - nonceBytes.length);
  }
  input.set(decode(initiator, 'ak'));
  input.set(decode(responder, 'ak'), 64);
  return encode(hash(input), 'ch');
}

/**
 * Id of a contract created inside a channel (§4): `blake2b(owner ++ minimal_be(round))`.
 * @param owner - the owner's `ak_`
 * @param round - the round of the update creating the contract
 * @returns `ct_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for a negative round; the codes of `decode`
 * @example computeContractId(owner, 3n) // 'ct_...'
 */
export function computeContractId(owner: Encoded<'ak'>, round: bigint): Encoded<'ct'> {
  if (typeof round !== 'bigint' || round < 0n) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Contract id round must be a non-negative bigint.', {
      context: { field: 'round', got: String(round) },
    });
  }
  const ownerBytes = decode(owner, 'ak');
  const roundBytes = intToBytes(round);
  const input = new Uint8Array(32 + roundBytes.length);
  input.set(ownerBytes);
  input.set(roundBytes, 32);
  return encode(hash(input), 'ct');
}
