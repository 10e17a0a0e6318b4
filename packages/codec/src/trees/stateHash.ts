/**
 * The off-chain state hash (PROTOCOL.md §2.11): blake2b over a version and the roots of
 * the six state trees. A payment channel has only the accounts tree; every other root is
 * 32 zero bytes.
 */
import { decode, encode, type Encoded } from '../encoding.js';
import { AechannelError } from '../errors.js';
import { packAccount } from './account.js';
import { decodeCached } from '../id.js';
import { EMPTY_ROOT } from './mpt.js';
import { createIncrementalRoot } from './persistentTree.js';
import { concatBytes, hash32 } from './rlpFields.js';

/** Roots of the six state trees, 32 bytes each ({@link EMPTY_ROOT} when empty). */
export interface StateRoots {
  readonly accounts: Uint8Array;
  readonly calls: Uint8Array;
  readonly channels: Uint8Array;
  readonly contracts: Uint8Array;
  readonly ns: Uint8Array;
  readonly oracles: Uint8Array;
}

/** Balances of the accounts tree, keyed by account (or contract) id. */
export type Balances = Readonly<Record<Encoded<'ak'> | Encoded<'ct'>, bigint>>;

/** uint64be(1): the state hash version prefix (§2.11). */
const STATE_HASH_VERSION = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 1);

/**
 * State hash from the six roots:
 * `blake2b(uint64be(1) ++ accounts ++ calls ++ channels ++ contracts ++ ns ++ oracles)` (§2.11).
 * @param roots - any root may be omitted, meaning an empty tree
 * @returns the `st_` hash
 * @throws {AechannelError} `CODEC_INVALID_LENGTH` if a root is not 32 bytes
 * @example stateHashFromRoots({ accounts: root }) // 'st_...'
 */
export function stateHashFromRoots(roots: Partial<StateRoots>): Encoded<'st'> {
  const order = ['accounts', 'calls', 'channels', 'contracts', 'ns', 'oracles'] as const;
  const parts = order.map((name) => {
    const root = roots[name] ?? EMPTY_ROOT;
    if (!(root instanceof Uint8Array) || root.length !== 32) {
      throw new AechannelError('CODEC_INVALID_LENGTH', `The ${name} root must be 32 bytes.`, {
        context: { field: name, expected: 32, got: root instanceof Uint8Array ? root.length : typeof root },
      });
    }
    return root;
  });
  return encode(hash32(concatBytes(STATE_HASH_VERSION, ...parts)), 'st');
}

/**
 * Accounts-tree entries for balances: key = 32-byte public key, value = v1 account with nonce 0.
 * @throws {AechannelError} decoding errors of the ids, `CODEC_INVALID_FIELD` on a bad amount
 */
export function balancesToEntries(balances: Balances): [Uint8Array, Uint8Array][] {
  if (typeof balances !== 'object' || balances === null) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Balances must be an object of id -> bigint.', { context: { field: 'balances' } });
  }
  return Object.entries(balances).map(([id, balance]) => [accountKey(id), packAccount({ nonce: 0n, balance: balance as bigint })]);
}

/** The 32-byte key of an `ak_`/`ct_` id (memoized: a channel has the same two in every round; shared, read-only). */
function accountKey(id: string): Uint8Array {
  if (id.startsWith('ak_')) return decodeCached(id, 'ak');
  if (id.startsWith('ct_')) return decodeCached(id, 'ct');
  return decode(id, ['ak', 'ct']);
}

// The accounts tree of the last state hashed: the next round's tree is that one with the
// changed accounts set again (a persistent tree, see persistentTree.ts), not a new build.
const accountsRoot = createIncrementalRoot();

/**
 * The state hash of a channel whose state is only its accounts (§2.11): each balance is an
 * account v1 with nonce 0 in the accounts tree, every other tree empty.
 * @param balances - `ak_`/`ct_` id -> balance in aettos
 * @returns the `st_` state hash
 * @throws {AechannelError} `CODEC_INVALID_PREFIX`/`CODEC_INVALID_CHECKSUM`/... on a bad id,
 *   `CODEC_INVALID_FIELD` on a negative or non-bigint balance or two ids with the same key
 * @example
 * computeStateHash({
 *   ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS: 69999999999999n,
 *   ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W: 40000000000001n,
 * }); // 'st_JDWBAD11XwiJMMVLXmZJYd6krb12dOCG3ND1JHXhDgsqc5lj'
 */
export function computeStateHash(balances: Balances): Encoded<'st'> {
  const key = memoKey(balances);
  const known = key === undefined ? undefined : stateHashes.get(key);
  if (known !== undefined) return known;
  const stateHash = stateHashFromRoots({ accounts: accountsRoot(balancesToEntries(balances)) });
  if (key !== undefined) {
    if (stateHashes.size >= STATE_HASHES) stateHashes.delete(stateHashes.keys().next().value as string);
    stateHashes.set(key, stateHash);
  }
  return stateHash;
}

// The state hashes of the last balances hashed, by their exact content: the fsm of each
// client in a process verifies the same round, a driver can hash the state it expects
// while it waits for the node's proposal (aechannel's Channel does), channels interleave.
// Only well-formed input is remembered (what hashed without an error), and the key is
// unambiguous: ids without the separator, bigint balances in decimal.
const STATE_HASHES = 1024;
const stateHashes = new Map<string, Encoded<'st'>>();
const SEPARATOR = '\u0000';

function memoKey(balances: Balances): string | undefined {
  if (typeof balances !== 'object' || balances === null) return undefined;
  let key = '';
  for (const id in balances) {
    if (!Object.hasOwn(balances, id)) continue;
    const balance = (balances as Record<string, unknown>)[id];
    if (typeof balance !== 'bigint' || id.includes(SEPARATOR)) return undefined;
    key += `${id}${SEPARATOR}${balance}${SEPARATOR}`;
  }
  return key;
}
