/**
 * Proof of inclusion `pi_`, tag 60 version 1 (PROTOCOL.md §2.11).
 *
 * ```
 * S([60, 1, accounts, calls, channels, contracts, ns, oracles])
 * part = []                                                  empty (root counts as 32 zero bytes)
 *      | [[root_hash, [[node_hash, node :: [binary]], ...]]]  nodes sorted ascending by hash
 * ```
 *
 * The node list holds every node referenced by hash on the path from the root to each
 * proven key, the root included; nodes a branch embeds (RLP < 32 bytes) are not listed.
 *
 * {@link unpackPoi}/{@link packPoi} only check the structure (and round-trip byte for
 * byte). {@link verifyPoi} checks the content: hashes strictly ascending, every listed
 * node hashing to its listed hash and reachable from the root, every leaf reachable
 * through the listed nodes decoded (accounts as tag-10 objects). What a PoI proves is the
 * set of leaves it reaches plus the state hash its roots give; any change to its bytes
 * either fails verification or changes one of those.
 */
import { decode, encode, type Encoded } from '../encoding.js';
import { AechannelError, isAechannelError } from '../errors.js';
import { unpackAccount, type Account } from './account.js';
import { MerklePatriciaTree, mptLeaves, type TreeEntry } from './mpt.js';
import { balancesToEntries, stateHashFromRoots, type Balances } from './stateHash.js';
import type { TreeName } from './stateTrees.js';
import { asBytes, asList, compareBytes, decodeObject, decodeRlp, encodeObject, encodeRlp, equalBytes, hash32, toHex, type RlpItem } from './rlpFields.js';

/** Object tag of a PoI (§2.3). */
export const POI_TAG = 60;

/** One listed node of a PoI part: its hash and its RLP items. */
export interface PoiNode {
  readonly hash: Uint8Array;
  readonly node: readonly Uint8Array[];
}

/** A non-empty part of a PoI: the tree's root hash and the listed nodes. */
export interface PoiPart {
  readonly rootHash: Uint8Array;
  readonly nodes: readonly PoiNode[];
}

/** A decoded PoI: one part per state tree, `null` when empty. */
export type Poi = { readonly [K in TreeName]: PoiPart | null };

/** Serialization order of the PoI parts (§2.11). */
const POI_ORDER: readonly TreeName[] = ['accounts', 'calls', 'channels', 'contracts', 'ns', 'oracles'];

const fieldError = (message: string, field: string, context: Record<string, unknown> = {}): AechannelError =>
  new AechannelError('CODEC_INVALID_FIELD', message, { context: { field, ...context } });

function readPart(item: RlpItem | undefined, name: TreeName): PoiPart | null {
  const outer = asList(item, `poi.${name}`);
  if (outer.length === 0) return null;
  if (outer.length !== 1) throw fieldError(`PoI part ${name} must hold at most one proof.`, `poi.${name}`, { got: outer.length });
  const proof = asList(outer[0], `poi.${name}[0]`);
  if (proof.length !== 2) throw fieldError(`PoI part ${name} must be [root_hash, nodes].`, `poi.${name}[0]`, { got: proof.length });
  const rootHash = asBytes(proof[0], `poi.${name}.rootHash`);
  if (rootHash.length !== 32) throw fieldError(`PoI ${name} root hash must be 32 bytes.`, `poi.${name}.rootHash`, { got: rootHash.length });
  const nodes = asList(proof[1], `poi.${name}.nodes`).map((entry, i): PoiNode => {
    const field = `poi.${name}.nodes[${i}]`;
    const pair = asList(entry, field);
    if (pair.length !== 2) throw fieldError(`A PoI node must be [hash, node].`, field, { got: pair.length });
    const hash = asBytes(pair[0], `${field}.hash`);
    if (hash.length !== 32) throw fieldError('A PoI node hash must be 32 bytes.', `${field}.hash`, { got: hash.length });
    const node = asList(pair[1], `${field}.node`).map((x, j) => asBytes(x, `${field}.node[${j}]`));
    return { hash, node };
  });
  return { rootHash, nodes };
}

/**
 * Decodes a PoI's structure (§2.11) without checking hashes (see {@link verifyPoi}).
 * @param poi - `pi_...` or its bytes
 * @returns one part per tree, `null` for empty parts, nodes in their serialized order
 * @throws {AechannelError} decoding errors of `pi_`, `CODEC_INVALID_RLP`, `CODEC_INVALID_FIELD`,
 *   `CODEC_UNSUPPORTED_OBJECT` (context `{tag, version}`)
 * @example unpackPoi(buildPoi(balances, [id])).accounts?.nodes.length
 */
export function unpackPoi(poi: Encoded<'pi'> | Uint8Array): Poi {
  const bytes = poi instanceof Uint8Array ? poi : decode(poi, 'pi');
  const { fields } = decodeObject(bytes, POI_TAG, { 1: 6 }, 'poi');
  const out = {} as Record<TreeName, PoiPart | null>;
  POI_ORDER.forEach((name, i) => {
    out[name] = readPart(fields[i], name);
  });
  return out;
}

/**
 * Serializes a PoI (§2.11); `packPoi(unpackPoi(x))` gives `x` back byte for byte.
 * @param poi - parts per tree (`null` or omitted for empty), nodes in the order given
 * @returns `pi_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` on a hash that is not 32 bytes or a non-byte node item
 * @example packPoi(unpackPoi(pi)) === pi
 */
export function packPoi(poi: Partial<Poi>): Encoded<'pi'> {
  if (typeof poi !== 'object' || poi === null) throw fieldError('A PoI must be an object.', 'poi');
  const parts = POI_ORDER.map((name): RlpItem => {
    const part = poi[name];
    if (part === null || part === undefined) return [];
    if (!(part.rootHash instanceof Uint8Array) || part.rootHash.length !== 32) {
      throw fieldError(`PoI ${name} root hash must be 32 bytes.`, `poi.${name}.rootHash`);
    }
    if (!Array.isArray(part.nodes)) throw fieldError(`PoI ${name} nodes must be a list.`, `poi.${name}.nodes`);
    const nodes = part.nodes.map((n: PoiNode, i): RlpItem => {
      const field = `poi.${name}.nodes[${i}]`;
      if (!(n?.hash instanceof Uint8Array) || n.hash.length !== 32) throw fieldError('A PoI node hash must be 32 bytes.', `${field}.hash`);
      if (!Array.isArray(n.node) || !n.node.every((x) => x instanceof Uint8Array)) {
        throw fieldError('A PoI node must be a list of byte strings.', `${field}.node`);
      }
      return [n.hash, [...n.node]];
    });
    return [[part.rootHash, nodes]];
  });
  return encode(encodeObject(POI_TAG, 1, parts), 'pi');
}

/** The PoI part proving `keys` of the tree holding `entries`. */
function proofPart(tree: MerklePatriciaTree, keys: readonly Uint8Array[]): PoiPart {
  const nodes = tree.proofNodes(keys).map(({ hash, rlp }) => ({ hash, node: asList(decodeRlp(rlp, 'node'), 'node') as Uint8Array[] }));
  return { rootHash: tree.rootHash, nodes };
}

/**
 * Builds the PoI of accounts in a payment-channel state (§2.11): the accounts part proves
 * each listed account, every other part is empty.
 * @param balances - the whole accounts tree: `ak_`/`ct_` id -> balance (accounts v1, nonce 0)
 * @param accounts - the ids to prove; each must be in `balances`
 * @returns `pi_...` whose {@link poiStateHash} equals `computeStateHash(balances)`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` when an id is not in `balances` (or on bad
 *   amounts); id decoding errors
 * @example buildPoi({ [a]: 1n, [b]: 2n }, [a, b]) // 'pi_...'
 */
export function buildPoi(balances: Balances, accounts: readonly (Encoded<'ak'> | Encoded<'ct'>)[]): Encoded<'pi'> {
  if (!Array.isArray(accounts)) throw fieldError('Accounts to prove must be a list of ids.', 'accounts');
  const tree = new MerklePatriciaTree(balancesToEntries(balances));
  const keys = accounts.map((id) => decode(id, ['ak', 'ct']));
  return packPoi({ accounts: proofPart(tree, keys) });
}

/**
 * Builds a PoI of keys of any state trees (§2.11). A tree gets a part only when keys of it
 * are requested (as the node does); other parts are empty.
 * @param trees - entries per tree (e.g. from `unpackStateTrees`)
 * @param include - keys to prove per tree
 * @returns `pi_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` when a key is not in its tree
 * @example buildPoiFromTrees(unpackStateTrees(ss), { accounts: [key] })
 */
export function buildPoiFromTrees(
  trees: Partial<Record<TreeName, readonly TreeEntry[]>>,
  include: Partial<Record<TreeName, readonly Uint8Array[]>>,
): Encoded<'pi'> {
  const poi: Partial<Record<TreeName, PoiPart>> = {};
  for (const name of POI_ORDER) {
    const keys = include[name];
    if (keys === undefined || keys.length === 0) continue;
    poi[name] = proofPart(new MerklePatriciaTree(trees[name] ?? []), keys);
  }
  return packPoi(poi);
}

/**
 * The state hash a PoI claims: its part roots combined as in §2.11 (empty part -> zeros).
 * Does not check the nodes; see {@link verifyPoi}.
 * @param poi - `pi_...`, its bytes, or a decoded PoI
 * @returns `st_...`
 * @throws {AechannelError} as {@link unpackPoi}
 * @example poiStateHash(buildPoi(balances, ids)) === computeStateHash(balances)
 */
export function poiStateHash(poi: Encoded<'pi'> | Uint8Array | Poi): Encoded<'st'> {
  const p = typeof poi === 'string' || poi instanceof Uint8Array ? unpackPoi(poi) : poi;
  const roots: Partial<Record<TreeName, Uint8Array>> = {};
  for (const name of POI_ORDER) {
    const part = p[name];
    if (part !== null && part !== undefined) roots[name] = part.rootHash;
  }
  return stateHashFromRoots(roots);
}

/** What {@link verifyPoi} returns. */
export interface VerifyPoiReturnType {
  /** The state hash the PoI proves. */
  readonly stateHash: Encoded<'st'>;
  /** Every account the PoI proves, by `ak_` id (a contract account is written `ak_` too). */
  readonly accounts: Readonly<Record<Encoded<'ak'>, Account>>;
  /** Every proven leaf of every tree, ascending by key. */
  readonly entries: Readonly<Record<TreeName, readonly TreeEntry[]>>;
}

const poiError = (message: string, context: Record<string, unknown>, cause?: unknown): AechannelError =>
  new AechannelError('CODEC_INVALID_POI', message, { cause, context });

function verifyPart(part: PoiPart, name: TreeName): TreeEntry[] {
  // A tree none of whose keys is proven comes as its root hash alone (the node sends the calls
  // tree of a contract round so): it counts in the state hash and proves no leaf.
  if (part.nodes.length === 0) return [];
  const byHash = new Map<string, Uint8Array>();
  let previous: Uint8Array | undefined;
  for (const { hash, node } of part.nodes) {
    if (previous !== undefined && compareBytes(previous, hash) >= 0) {
      throw poiError(`PoI ${name} nodes are not strictly ascending by hash.`, { tree: name, hash: toHex(hash) });
    }
    previous = hash;
    const rlp = encodeRlp([...node]);
    if (!equalBytes(hash32(rlp), hash)) throw poiError(`A PoI ${name} node does not match its hash.`, { tree: name, hash: toHex(hash) });
    byHash.set(toHex(hash), rlp);
  }
  const used = new Set<string>();
  const leaves = mptLeaves(part.rootHash, (hash) => {
    const hex = toHex(hash);
    const rlp = byHash.get(hex);
    if (rlp !== undefined) used.add(hex);
    return rlp;
  });
  if (used.size !== byHash.size) {
    const unused = [...byHash.keys()].find((h) => !used.has(h));
    throw poiError(`A PoI ${name} node is not reachable from the root.`, { tree: name, hash: unused });
  }
  return leaves;
}

/**
 * Verifies a PoI (§2.11) and returns what it proves.
 *
 * Checks: structure; node hashes strictly ascending; each node's RLP hashes to its listed
 * hash; the root is listed (a part with no nodes at all is a tree proven by its root hash
 * alone, no leaf); every node is reachable from the root; every leaf has a whole-byte key;
 * accounts-tree leaves are 32-byte keys holding account objects.
 * @param poi - `pi_...` or its bytes
 * @returns the state hash (from the part roots), the proven accounts and all proven leaves
 * @throws {AechannelError} `CODEC_INVALID_POI` on any content mismatch; structure errors as {@link unpackPoi}
 * @example verifyPoi(buildPoi(balances, ids)).accounts[id]?.balance
 */
export function verifyPoi(poi: Encoded<'pi'> | Uint8Array): VerifyPoiReturnType {
  const p = unpackPoi(poi);
  const entries = {} as Record<TreeName, TreeEntry[]>;
  for (const name of POI_ORDER) {
    const part = p[name];
    entries[name] = part === null ? [] : verifyPart(part, name);
  }
  const accounts: Record<Encoded<'ak'>, Account> = {};
  for (const { key, value } of entries.accounts) {
    if (key.length !== 32) throw poiError('A proven account key is not 32 bytes.', { tree: 'accounts', got: key.length });
    try {
      accounts[encode(key, 'ak')] = unpackAccount(value);
    } catch (cause) {
      if (!isAechannelError(cause)) throw cause;
      throw poiError('A proven account value is not an account object.', { tree: 'accounts', key: toHex(key) }, cause);
    }
  }
  return { stateHash: poiStateHash(p), accounts, entries };
}

/**
 * Verifies a PoI and returns the balance of every account it proves.
 * @param poi - `pi_...` or its bytes
 * @returns `ak_` id -> balance
 * @throws {AechannelError} as {@link verifyPoi}
 * @example getPoiBalances(buildPoi({ [a]: 1n }, [a])) // { [a]: 1n }
 */
export function getPoiBalances(poi: Encoded<'pi'> | Uint8Array): Record<Encoded<'ak'>, bigint> {
  const out: Record<Encoded<'ak'>, bigint> = {};
  for (const [id, account] of Object.entries(verifyPoi(poi).accounts)) out[id as Encoded<'ak'>] = account.balance;
  return out;
}
