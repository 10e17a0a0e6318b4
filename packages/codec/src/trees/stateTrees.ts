/**
 * Serialized state trees `ss_` and calls trees `cs_` (PROTOCOL.md §2.11).
 *
 * ```
 * ss_  = S([62, 0, contracts, calls, channels, ns, oracles, accounts])
 * part = S([62x, 1, mtree])            62x = 621 contracts ... 626 accounts
 * cs_  = S([622, 1, mtree])
 * mtree       = S([63, 1, [S([64, 1, key, value]), ...]])   values in DESCENDING key order
 * ```
 *
 * Decoding is strict so that `pack(unpack(x))` gives `x` back byte for byte: keys must be
 * strictly descending, values non-empty, accounts-tree keys 32 bytes with account values.
 */
import { decode, encode, type Encoded } from '../encoding.js';
import { AechannelError } from '../errors.js';
import { unpackAccount, type Account } from './account.js';
import { mptRoot, type TreeEntry } from './mpt.js';
import { balancesToEntries, stateHashFromRoots, type Balances } from './stateHash.js';
import { asBytes, asList, compareBytes, decodeObject, encodeObject, toHex, type RlpItem } from './rlpFields.js';

/** Names of the six state trees. */
export type TreeName = 'accounts' | 'calls' | 'channels' | 'contracts' | 'ns' | 'oracles';

/** The six state trees, each as a list of entries. */
export interface StateTrees {
  readonly contracts: readonly TreeEntry[];
  readonly calls: readonly TreeEntry[];
  readonly channels: readonly TreeEntry[];
  readonly ns: readonly TreeEntry[];
  readonly oracles: readonly TreeEntry[];
  readonly accounts: readonly TreeEntry[];
}

/** What {@link unpackStateTrees} returns: the trees (entries in descending key order, as serialized) and the decoded accounts. */
export interface UnpackStateTreesReturnType extends StateTrees {
  /** Every account of the accounts tree by `ak_` id (contract accounts too, written `ak_`). */
  readonly decodedAccounts: Readonly<Record<Encoded<'ak'>, Account>>;
  /** Balance of every account of the accounts tree. */
  readonly balances: Readonly<Record<Encoded<'ak'>, bigint>>;
}

/** What {@link packStateTrees} takes: any tree may be omitted (empty); accounts may be balances. */
export type PackStateTreesParameters = {
  readonly [K in Exclude<TreeName, 'accounts'>]?: readonly TreeEntry[];
} & { readonly accounts?: readonly TreeEntry[] | Balances };

/** Object tags of §2.3 used here. */
export const TreeTag = {
  StateTrees: 62,
  ContractsTree: 621,
  CallsTree: 622,
  ChannelsTree: 623,
  NameServiceTree: 624,
  OraclesTree: 625,
  AccountsTree: 626,
  Mtree: 63,
  MtreeValue: 64,
} as const;

/** Serialization order of the `ss_` fields and their tags. */
const SS_ORDER: readonly (readonly [TreeName, number])[] = [
  ['contracts', TreeTag.ContractsTree],
  ['calls', TreeTag.CallsTree],
  ['channels', TreeTag.ChannelsTree],
  ['ns', TreeTag.NameServiceTree],
  ['oracles', TreeTag.OraclesTree],
  ['accounts', TreeTag.AccountsTree],
];

/** The empty calls tree, `S([622, 1, S([63, 1, []])])` (§2.11). */
export const EMPTY_CALLS_TREE: Encoded<'cs'> = 'cs_yYICbgGEwz8BwHtqgWY=';

function checkEntries(entries: readonly TreeEntry[], field: string): TreeEntry[] {
  if (!Array.isArray(entries)) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Tree ${field} must be a list of { key, value }.`, { context: { field } });
  }
  const sorted = entries.map((entry: TreeEntry) => {
    if (typeof entry !== 'object' || entry === null || !(entry.key instanceof Uint8Array) || !(entry.value instanceof Uint8Array)) {
      throw new AechannelError('CODEC_INVALID_FIELD', `Entries of tree ${field} must have Uint8Array key and value.`, { context: { field } });
    }
    if (entry.value.length === 0) {
      throw new AechannelError('CODEC_INVALID_FIELD', `An entry of tree ${field} has an empty value.`, { context: { field, key: toHex(entry.key) } });
    }
    return { key: entry.key, value: entry.value };
  });
  // Descending key order, as the node writes it (§2.11).
  sorted.sort((a, b) => compareBytes(b.key, a.key));
  for (let i = 1; i < sorted.length; i += 1) {
    if (compareBytes((sorted[i - 1] as TreeEntry).key, (sorted[i] as TreeEntry).key) === 0) {
      throw new AechannelError('CODEC_INVALID_FIELD', `Duplicate key in tree ${field}.`, { context: { field, key: toHex((sorted[i] as TreeEntry).key) } });
    }
  }
  return sorted;
}

/** `S([63, 1, [S([64, 1, key, value]) ...]])` in descending key order. */
function packMtree(entries: readonly TreeEntry[], field: string): Uint8Array {
  const values = checkEntries(entries, field).map((e) => encodeObject(TreeTag.MtreeValue, 1, [e.key, e.value]));
  return encodeObject(TreeTag.Mtree, 1, [values]);
}

function unpackMtree(bytes: Uint8Array, field: string): TreeEntry[] {
  const { fields } = decodeObject(bytes, TreeTag.Mtree, { 1: 1 }, `${field} mtree`);
  const values = asList(fields[0], `${field}.values`);
  const entries = values.map((item: RlpItem, i) => {
    const { fields: kv } = decodeObject(asBytes(item, `${field}.values[${i}]`), TreeTag.MtreeValue, { 1: 2 }, `${field}.values[${i}]`);
    const key = asBytes(kv[0], `${field}.values[${i}].key`);
    const value = asBytes(kv[1], `${field}.values[${i}].value`);
    if (value.length === 0) {
      throw new AechannelError('CODEC_INVALID_FIELD', `An entry of tree ${field} has an empty value.`, { context: { field, key: toHex(key) } });
    }
    return { key, value };
  });
  for (let i = 1; i < entries.length; i += 1) {
    if (compareBytes((entries[i - 1] as TreeEntry).key, (entries[i] as TreeEntry).key) <= 0) {
      throw new AechannelError('CODEC_INVALID_FIELD', `Keys of tree ${field} are not in strictly descending order.`, {
        context: { field, index: i },
      });
    }
  }
  return entries;
}

function accountsEntries(accounts: PackStateTreesParameters['accounts']): readonly TreeEntry[] {
  if (accounts === undefined) return [];
  if (Array.isArray(accounts)) return accounts as readonly TreeEntry[];
  return balancesToEntries(accounts as Balances).map(([key, value]) => ({ key, value }));
}

/**
 * Serializes the state trees (§2.11, tag 62 v0).
 * @param trees - entries per tree (any omitted tree is empty); `accounts` may be balances
 *   (`ak_`/`ct_` -> bigint, accounts v1 with nonce 0)
 * @returns the `ss_` value, every tree's values in descending key order
 * @throws {AechannelError} `CODEC_INVALID_FIELD` on duplicate keys, empty values or bad amounts;
 *   id decoding errors for bad balance keys
 * @example packStateTrees({ accounts: { ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS: 5n } }) // 'ss_...'
 */
export function packStateTrees(trees: PackStateTreesParameters): Encoded<'ss'> {
  if (typeof trees !== 'object' || trees === null) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'State trees must be an object.', { context: { field: 'trees' } });
  }
  const parts = SS_ORDER.map(([name, tag]) => {
    const entries = name === 'accounts' ? accountsEntries(trees.accounts) : (trees[name] ?? []);
    return encodeObject(tag, 1, [packMtree(entries, name)]);
  });
  return encode(encodeObject(TreeTag.StateTrees, 0, parts), 'ss');
}

/**
 * Decodes serialized state trees (§2.11).
 * @param trees - `ss_...` or its bytes
 * @returns the six trees (descending key order) plus the decoded accounts and balances
 * @throws {AechannelError} decoding errors of `ss_`, `CODEC_INVALID_RLP`, `CODEC_INVALID_FIELD`,
 *   `CODEC_UNSUPPORTED_OBJECT` (context `{tag, version}`)
 * @example unpackStateTrees(packStateTrees({})).accounts // []
 */
export function unpackStateTrees(trees: Encoded<'ss'> | Uint8Array): UnpackStateTreesReturnType {
  const bytes = trees instanceof Uint8Array ? trees : decode(trees, 'ss');
  const { fields } = decodeObject(bytes, TreeTag.StateTrees, { 0: 6 }, 'state trees');
  const out: Partial<Record<TreeName, TreeEntry[]>> = {};
  SS_ORDER.forEach(([name, tag], i) => {
    const part = decodeObject(asBytes(fields[i], name), tag, { 1: 1 }, `${name} tree`);
    out[name] = unpackMtree(asBytes(part.fields[0], `${name}.mtree`), name);
  });
  const decodedAccounts: Record<Encoded<'ak'>, Account> = {};
  const balances: Record<Encoded<'ak'>, bigint> = {};
  for (const { key, value } of out.accounts ?? []) {
    if (key.length !== 32) {
      throw new AechannelError('CODEC_INVALID_FIELD', 'An accounts-tree key must be 32 bytes.', { context: { field: 'accounts.key', got: key.length } });
    }
    const id = encode(key, 'ak');
    const account = unpackAccount(value);
    decodedAccounts[id] = account;
    balances[id] = account.balance;
  }
  return {
    contracts: out.contracts ?? [],
    calls: out.calls ?? [],
    channels: out.channels ?? [],
    ns: out.ns ?? [],
    oracles: out.oracles ?? [],
    accounts: out.accounts ?? [],
    decodedAccounts,
    balances,
  };
}

/**
 * The state hash of state trees: every tree's Merkle-Patricia root, combined as in §2.11.
 * @param trees - `ss_`, its bytes, or trees as entries/balances (as {@link packStateTrees} takes)
 * @returns the `st_` state hash
 * @throws {AechannelError} as {@link unpackStateTrees} / {@link packStateTrees}
 * @example stateTreesHash(packStateTrees({ accounts: balances })) === computeStateHash(balances)
 */
export function stateTreesHash(trees: Encoded<'ss'> | Uint8Array | PackStateTreesParameters): Encoded<'st'> {
  const t: PackStateTreesParameters = typeof trees === 'string' || trees instanceof Uint8Array ? unpackStateTrees(trees) : trees;
  if (typeof t !== 'object' || t === null) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'State trees must be an object.', { context: { field: 'trees' } });
  }
  const root = (entries: readonly TreeEntry[] | undefined, name: string): Uint8Array =>
    mptRoot(checkEntries(entries ?? [], name).map((e) => [e.key, e.value] as const));
  return stateHashFromRoots({
    accounts: root(accountsEntries(t.accounts), 'accounts'),
    calls: root(t.calls, 'calls'),
    channels: root(t.channels, 'channels'),
    contracts: root(t.contracts, 'contracts'),
    ns: root(t.ns, 'ns'),
    oracles: root(t.oracles, 'oracles'),
  });
}

/**
 * Serializes a calls tree `S([622, 1, mtree])` (§2.11), the node's archive of call results.
 * @param entries - call id -> serialized call object
 * @returns `cs_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` on duplicate keys or empty values
 * @example packCallsTree([]) // 'cs_yYICbgGEwz8BwHtqgWY='
 */
export function packCallsTree(entries: readonly TreeEntry[]): Encoded<'cs'> {
  return encode(encodeObject(TreeTag.CallsTree, 1, [packMtree(entries, 'calls')]), 'cs');
}

/**
 * Decodes a calls tree (§2.11).
 * @param tree - `cs_...` or its bytes
 * @returns its entries in descending key order
 * @throws {AechannelError} decoding errors of `cs_`, `CODEC_INVALID_RLP`, `CODEC_INVALID_FIELD`, `CODEC_UNSUPPORTED_OBJECT`
 * @example unpackCallsTree('cs_yYICbgGEwz8BwHtqgWY=') // []
 */
export function unpackCallsTree(tree: Encoded<'cs'> | Uint8Array): TreeEntry[] {
  const bytes = tree instanceof Uint8Array ? tree : decode(tree, 'cs');
  const { fields } = decodeObject(bytes, TreeTag.CallsTree, { 1: 1 }, 'calls tree');
  return unpackMtree(asBytes(fields[0], 'calls.mtree'), 'calls');
}
