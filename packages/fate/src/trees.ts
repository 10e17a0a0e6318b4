/**
 * The off-chain state trees of a channel (PROTOCOL.md §2.11, CONTRACTS.md §2.5) as an
 * immutable value with structural sharing: accounts, contracts (each with its store) and
 * calls are persistent maps ({@link PMap}), so applying an update that touches two
 * accounts and one store shares everything else with the previous state. Channels, names
 * and oracles trees are carried through unchanged.
 *
 * Conversions from and to the codec's representations (`ss_`, {@link StateTrees}), and the
 * state hash through the codec's Merkle-Patricia roots (memoized per tree version, and each
 * computed from the previous one with what changed).
 */
import {
  createIncrementalRoot,
  decode,
  deserializeObject,
  encode,
  mptRoot,
  packAccount,
  packStateTrees,
  serializeObject,
  stateHashFromRoots,
  Tag,
  unpackAccount,
  unpackStateTrees,
  type Account,
  type Balances,
  type Encoded,
  type StateTrees,
  type TreeEntry,
} from '@aechannel/codec';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { FateError } from './errors.js';
import { PMap } from './pmap.js';

/** A contract of the contracts tree with its store. */
export interface ContractRecord {
  /** Owner public key and whether it is an account or a contract (CREATE/CLONE). */
  readonly owner: Uint8Array;
  readonly ownerIsContract: boolean;
  readonly vm: number;
  readonly abi: number;
  /** Stored code-object bytes (empty for clones). */
  readonly code: Uint8Array;
  /** Public key of the contract whose code a clone uses. */
  readonly codeRef: Uint8Array | undefined;
  /** Contract object version: 1 (no code_ref) or 2. */
  readonly objectVersion: 1 | 2;
  readonly active: boolean;
  /** Referrer ids, kept as serialized. */
  readonly referrers: readonly Encoded[];
  readonly deposit: bigint;
  /** Store: hex of the key relative to `pk ‖ 0x10` (non-empty) → value bytes. */
  readonly store: PMap<Uint8Array>;
  /** The serialized contract object (tag 40). */
  readonly object: Uint8Array;
}

/** The channel's off-chain state trees. */
export interface ChannelTrees {
  /** Public key hex → account. */
  readonly accounts: PMap<Account>;
  /** Contract public key hex → contract. */
  readonly contracts: PMap<ContractRecord>;
  /** Call key hex (`contract ‖ call id`) → serialized call object. */
  readonly calls: PMap<Uint8Array>;
  readonly channels: readonly TreeEntry[];
  readonly ns: readonly TreeEntry[];
  readonly oracles: readonly TreeEntry[];
}

/**
 * Packs a VM and an ABI version into the `ct_version` of a create-contract update and a
 * contract object (CONTRACTS.md §1.1): `(vm << 16) | abi`, except the single value `abi`
 * when `vm == abi` and `abi ≤ 2`.
 * @param vm - the VM version (number or bigint, e.g. a `vm_version` read from JSON)
 * @param abi - the ABI version
 * @returns the packed `ct_version`
 * @throws {RangeError} when a number is not an integer (from `BigInt`)
 * @example packCtVersion(8, 3) // 0x80003n (FATE_03, Sophia ABI)
 */
export function packCtVersion(vm: number | bigint, abi: number | bigint): bigint {
  const v = BigInt(vm);
  const a = BigInt(abi);
  return v === a && a <= 2n ? a : (v << 16n) | a;
}

/** `ct_version` unpacking. */
export function unpackCtVersion(v: bigint): { vm: number; abi: number } {
  const abi = Number(v & 0xffffn);
  const vm = Number(v >> 16n);
  return { vm: vm === 0 ? abi : vm, abi };
}

/** The store of a new contract: only the metadata register (`00 00`), holding the empty map. */
export function newContractStore(): PMap<Uint8Array> {
  return PMap.from([['0000', Uint8Array.of(0x2f, 0x00)]]);
}

/** Parameters of {@link makeContractRecord}. */
export type MakeContractRecordParameters = Omit<ContractRecord, 'object'>;

/** A contract record with its serialized object computed. */
export function makeContractRecord(p: MakeContractRecordParameters): ContractRecord {
  const owner = encode(p.owner, p.ownerIsContract ? 'ct' : 'ak') as Encoded<'ak' | 'ct'>;
  const common = { owner, ctVersion: packCtVersion(p.vm, p.abi), code: p.code, log: new Uint8Array(0), active: p.active, referrers: [...p.referrers] as never[], deposit: p.deposit };
  const object =
    p.objectVersion === 1
      ? serializeObject({ tag: Tag.Contract, version: 1, ...common })
      : serializeObject({ tag: Tag.Contract, version: 2, ...common, codeRef: p.codeRef === undefined ? [] : [encode(p.codeRef, 'ct')] });
  return { ...p, object };
}

/** Empty trees. */
export function emptyTrees(): ChannelTrees {
  return { accounts: PMap.empty(), contracts: PMap.empty(), calls: PMap.empty(), channels: [], ns: [], oracles: [] };
}

/**
 * Trees holding only accounts (v1, nonce 0), the state of a payment channel.
 * @param balances - `ak_` id → balance
 * @returns the trees
 * @example treesFromBalances({ [initiator]: 1000n, [responder]: 2000n })
 */
export function treesFromBalances(balances: Readonly<Record<string, bigint>>): ChannelTrees {
  const accounts = PMap.from<Account>(
    Object.entries(balances).map(([id, balance]) => {
      if (typeof balance !== 'bigint' || balance < 0n) throw new FateError('FATE_INVALID_ARGUMENT', 'A balance must be a non-negative bigint.', { context: { argument: id } });
      return [bytesToHex(decode(id, ['ak', 'ct'])), { version: 1, nonce: 0n, balance }];
    }),
  );
  return { ...emptyTrees(), accounts };
}

/**
 * Trees from the codec's state trees (`ss_`, its bytes or decoded entries).
 * @param trees - serialized or decoded state trees
 * @returns the trees
 * @throws {AechannelError} codec decoding errors; {@link FateError} `FATE_INVALID_VALUE` on a malformed contracts tree
 */
export function treesFromStateTrees(trees: Encoded<'ss'> | Uint8Array | StateTrees): ChannelTrees {
  const t: StateTrees = typeof trees === 'string' || trees instanceof Uint8Array ? unpackStateTrees(trees) : trees;
  const accounts = PMap.from<Account>(t.accounts.map((e) => [bytesToHex(e.key), unpackAccount(e.value)]));
  const calls = PMap.from<Uint8Array>(t.calls.map((e) => [bytesToHex(e.key), e.value]));
  const objects = new Map<string, Uint8Array>();
  const stores = new Map<string, [string, Uint8Array][]>();
  for (const { key, value } of t.contracts) {
    const pk = bytesToHex(key.subarray(0, 32));
    if (key.length === 32) objects.set(pk, value);
    else if (key.length === 33 && key[32] === 0x10) continue;
    else if (key.length > 33 && key[32] === 0x10) {
      let list = stores.get(pk);
      if (list === undefined) stores.set(pk, (list = []));
      list.push([bytesToHex(key.subarray(33)), value]);
    } else {
      throw new FateError('FATE_INVALID_VALUE', 'Unexpected key in the contracts tree.', { context: { reason: 'contracts_key', offset: 0 } });
    }
  }
  const contracts = PMap.from<ContractRecord>(
    [...objects].map(([pk, object]) => {
      const o = deserializeObject(object);
      if (o.tag !== Tag.Contract) throw new FateError('FATE_INVALID_VALUE', 'Not a contract object.', { context: { reason: 'contract_object', offset: 0 } });
      const { vm, abi } = unpackCtVersion(o.ctVersion);
      const rec: ContractRecord = {
        owner: decode(o.owner, ['ak', 'ct']),
        ownerIsContract: o.owner.startsWith('ct_'),
        vm,
        abi,
        code: o.code,
        codeRef: o.version === 2 && o.codeRef.length > 0 ? decode(o.codeRef[0]!, 'ct') : undefined,
        objectVersion: o.version,
        active: o.active,
        referrers: o.referrers,
        deposit: o.deposit,
        store: PMap.from(stores.get(pk) ?? []),
        object,
      };
      return [pk, rec];
    }),
  );
  return { accounts, contracts, calls, channels: t.channels, ns: t.ns, oracles: t.oracles };
}

function contractEntries(contracts: PMap<ContractRecord>): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  for (const [pkHex, c] of contracts.entries()) {
    const pk = hexToBytes(pkHex);
    out.push([pk, c.object]);
    const prefix = new Uint8Array(33);
    prefix.set(pk);
    prefix[32] = 0x10;
    out.push([prefix, Uint8Array.of(0)]);
    for (const [k, v] of c.store.entries()) {
      const kb = hexToBytes(k);
      const full = new Uint8Array(33 + kb.length);
      full.set(prefix);
      full.set(kb, 33);
      out.push([full, v]);
    }
  }
  return out;
}

/**
 * The trees as the codec's entries.
 * @param trees - the trees
 * @returns entries per tree (unordered)
 */
export function treesToStateTrees(trees: ChannelTrees): StateTrees {
  const toEntries = (l: [Uint8Array, Uint8Array][]): TreeEntry[] => l.map(([key, value]) => ({ key, value }));
  return {
    accounts: toEntries([...trees.accounts.entries()].map(([k, a]) => [hexToBytes(k), packAccount(a)])),
    contracts: toEntries(contractEntries(trees.contracts)),
    calls: toEntries([...trees.calls.entries()].map(([k, v]) => [hexToBytes(k), v])),
    channels: trees.channels,
    ns: trees.ns,
    oracles: trees.oracles,
  };
}

/**
 * Serializes the trees as `ss_` (codec `packStateTrees`).
 * @param trees - the trees
 * @returns `ss_...`
 */
export function packTrees(trees: ChannelTrees): Encoded<'ss'> {
  return packStateTrees(treesToStateTrees(trees));
}

// The roots of the last trees hashed, updated with what changed since (codec's
// createIncrementalRoot): a round that touches two accounts and a store slot re-hashes
// those paths, not every account, contract and store entry.
const accountsRoot = createIncrementalRoot();
const contractsRoot = createIncrementalRoot();
const callsRoot = createIncrementalRoot();

const accountsRoots = new WeakMap<PMap<Account>, Uint8Array>();
const contractsRoots = new WeakMap<PMap<ContractRecord>, Uint8Array>();
const callsRoots = new WeakMap<PMap<Uint8Array>, Uint8Array>();
// (the channels, names and oracles trees a channel carries over unchanged: usually empty)
const entryRoots = new WeakMap<readonly TreeEntry[], Uint8Array>();

function memo<K extends object>(cache: WeakMap<K, Uint8Array>, key: K, compute: () => Uint8Array): Uint8Array {
  let r = cache.get(key);
  if (r === undefined) {
    r = compute();
    cache.set(key, r);
  }
  return r;
}

/**
 * The state hash of the trees (PROTOCOL.md §2.11), roots computed by the codec and
 * memoized per tree version.
 * @param trees - the trees
 * @returns `st_...`
 * @example stateHash(treesFromBalances({ [a]: 1n })) // same as codec computeStateHash
 */
export function stateHash(trees: ChannelTrees): Encoded<'st'> {
  return stateHashFromRoots({
    accounts: memo(accountsRoots, trees.accounts, () => accountsRoot([...trees.accounts.entries()].map(([k, a]) => [hexToBytes(k), packAccount(a)] as const))),
    contracts: memo(contractsRoots, trees.contracts, () => contractsRoot(contractEntries(trees.contracts))),
    calls: memo(callsRoots, trees.calls, () => callsRoot([...trees.calls.entries()].map(([k, v]) => [hexToBytes(k), v] as const))),
    channels: memo(entryRoots, trees.channels, () => mptRoot(trees.channels)),
    ns: memo(entryRoots, trees.ns, () => mptRoot(trees.ns)),
    oracles: memo(entryRoots, trees.oracles, () => mptRoot(trees.oracles)),
  });
}

// The `ak_` ids of the account keys (hex) seen last: a channel has the same few in every
// round, and each id costs a base58 pass and two SHA-256 runs.
const ACCOUNT_IDS = 4096;
const accountIds = new Map<string, Encoded<'ak'>>();

function accountIdOf(hex: string): Encoded<'ak'> {
  let id = accountIds.get(hex);
  if (id === undefined) {
    id = encode(hexToBytes(hex), 'ak');
    if (accountIds.size >= ACCOUNT_IDS) accountIds.delete(accountIds.keys().next().value as string);
    accountIds.set(hex, id);
  }
  return id;
}

/** The balances of every account, by `ak_` id. */
export function treesBalances(trees: ChannelTrees): Balances {
  const out: Record<string, bigint> = {};
  for (const [k, a] of trees.accounts.entries()) out[accountIdOf(k)] = a.balance;
  return out as Balances;
}
