/**
 * The account object, tag 10 (PROTOCOL.md §2.10): the value stored in the accounts tree.
 *
 * Off-chain channel accounts are always v1 `[nonce, balance]` with nonce 0; v2 (generalized
 * account) and v3 (non-zero flags) are read and written too, since a state tree may hold them.
 */
import { decode, encode, type Encoded } from '../encoding.js';
import { AechannelError } from '../errors.js';
import { asBytes, bytesToInt, decodeObject, encodeObject, intToBytes } from './rlpFields.js';

/** Object tag of an account (§2.3). */
export const ACCOUNT_TAG = 10;

/** A decoded account (§2.10). */
export type Account =
  | { readonly version: 1; readonly nonce: bigint; readonly balance: bigint }
  | {
      readonly version: 2;
      readonly flags: bigint;
      readonly nonce: bigint;
      readonly balance: bigint;
      readonly gaContract: Encoded<'ct'>;
      readonly gaAuthFun: Uint8Array;
    }
  | { readonly version: 3; readonly flags: bigint; readonly nonce: bigint; readonly balance: bigint };

/** What {@link packAccount} takes: a full {@link Account}, or `{ nonce, balance }` for v1. */
export type PackAccountParameters = Account | { readonly version?: undefined; readonly nonce: bigint; readonly balance: bigint };

const CONTRACT_ID_TAG = 5;

/**
 * Serializes an account (§2.10); without `version` it is v1 `rlp([10, 1, nonce, balance])`.
 * @param account - nonce and balance (bigint), plus flags/GA fields for v2 and v3
 * @returns the serialized account
 * @throws {AechannelError} `CODEC_INVALID_FIELD` on a negative or non-bigint amount or a bad GA contract
 * @example packAccount({ nonce: 0n, balance: 69999999999999n }) // ca0a0100863faa25225fff
 */
export function packAccount(account: PackAccountParameters): Uint8Array {
  const nonce = intToBytes(account.nonce, 'nonce');
  const balance = intToBytes(account.balance, 'balance');
  switch (account.version) {
    case undefined:
    case 1:
      return encodeObject(ACCOUNT_TAG, 1, [nonce, balance]);
    case 3:
      return encodeObject(ACCOUNT_TAG, 3, [intToBytes(account.flags, 'flags'), nonce, balance]);
    case 2: {
      let contract: Uint8Array;
      try {
        contract = decode(account.gaContract, 'ct');
      } catch (cause) {
        throw new AechannelError('CODEC_INVALID_FIELD', 'Field gaContract must be a ct_ id.', { cause, context: { field: 'gaContract' } });
      }
      const id = new Uint8Array(33);
      id[0] = CONTRACT_ID_TAG;
      id.set(contract, 1);
      if (!(account.gaAuthFun instanceof Uint8Array)) {
        throw new AechannelError('CODEC_INVALID_FIELD', 'Field gaAuthFun must be bytes.', { context: { field: 'gaAuthFun' } });
      }
      return encodeObject(ACCOUNT_TAG, 2, [intToBytes(account.flags, 'flags'), nonce, balance, id, account.gaAuthFun]);
    }
    default:
      throw new AechannelError('CODEC_UNSUPPORTED_OBJECT', 'Unsupported account version.', {
        context: { tag: ACCOUNT_TAG, version: (account as { version: unknown }).version },
      });
  }
}

/**
 * Decodes an account object, v1, v2 or v3 (§2.10).
 * @param bytes - the serialized account
 * @returns the account with bigint fields
 * @throws {AechannelError} `CODEC_INVALID_RLP`, `CODEC_INVALID_FIELD`, `CODEC_UNSUPPORTED_OBJECT` (context `{tag, version}`)
 * @example unpackAccount(packAccount({ nonce: 0n, balance: 5n })) // { version: 1, nonce: 0n, balance: 5n }
 */
export function unpackAccount(bytes: Uint8Array): Account {
  const { version, fields } = decodeObject(bytes, ACCOUNT_TAG, { 1: 2, 2: 5, 3: 3 }, 'account');
  if (version === 1) {
    return { version: 1, nonce: bytesToInt(fields[0], 'nonce'), balance: bytesToInt(fields[1], 'balance') };
  }
  const flags = bytesToInt(fields[0], 'flags');
  const nonce = bytesToInt(fields[1], 'nonce');
  const balance = bytesToInt(fields[2], 'balance');
  if (version === 3) return { version: 3, flags, nonce, balance };
  const id = asBytes(fields[3], 'gaContract');
  if (id.length !== 33 || id[0] !== CONTRACT_ID_TAG) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Field gaContract must be a 33-byte contract id.', {
      context: { field: 'gaContract', got: id.length },
    });
  }
  return { version: 2, flags, nonce, balance, gaContract: encode(id.subarray(1), 'ct'), gaAuthFun: asBytes(fields[4], 'gaAuthFun') };
}
