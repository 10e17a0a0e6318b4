/**
 * The node's Merkle-Patricia tree (PROTOCOL.md §2.11), built from a set of entries.
 *
 * Theory of operation. Keys are walked as 4-bit nibbles, high nibble first. A set of
 * (nibble path, value) items becomes:
 *
 * - one item: a leaf `[hp(path, leaf), value]`;
 * - items sharing a common prefix of length >= 1: an extension `[hp(prefix, ext), hash]`
 *   whose child is **always referenced by its 32-byte hash**, even when small;
 * - otherwise a branch `[c0..c15, value]`, child *i* built from the items starting with
 *   nibble *i*, and referenced by its raw RLP when that RLP is shorter than 32 bytes,
 *   by `blake2b(rlp)` otherwise.
 *
 * The root is always the hash of the root node (forced, even when small). Building from
 * the whole set at once gives the same tree as repeated inserts, so there is no mutable
 * insert/delete code to get wrong: a new state is a new tree.
 *
 * Every node referenced by hash (and the root) is kept in a node map (hash -> RLP), which
 * is what a proof of inclusion lists (§2.11). Embedded nodes live inside their parent.
 *
 * Reading goes the other way: {@link mptGet} walks a key from a root through a node
 * resolver and {@link mptLeaves} lists every leaf reachable with the nodes at hand. Both
 * check every node they touch and throw `CODEC_INVALID_POI` on anything malformed or
 * missing, never loop and never recurse deeper than the key length.
 */
import { AechannelError } from '../errors.js';
import { compareBytes, decodeRlp, encodeRlp, equalBytes, hash32, toHex, type RlpItem } from './rlpFields.js';

/** The root used for an empty tree in the state hash: 32 zero bytes (§2.11). */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(32);

/** A key/value pair of a tree. */
export interface TreeEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Node kinds of §2.11. */
export type MptNode =
  | { readonly kind: 'leaf'; readonly path: readonly number[]; readonly value: Uint8Array }
  | { readonly kind: 'extension'; readonly path: readonly number[]; readonly child: Uint8Array }
  | { readonly kind: 'branch'; readonly children: readonly Uint8Array[]; readonly value: Uint8Array };

const LEAF = 2;
const EXT = 0;

/** Splits bytes into nibbles, high nibble first. */
export function toNibbles(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes) out.push(b >> 4, b & 15);
  return out;
}

/**
 * Hex-prefix encoding (§2.11): flag nibble 0 ext/even, 1 ext/odd, 2 leaf/even, 3 leaf/odd.
 * @param nibbles - the path, values 0 to 15
 * @param leaf - true for a leaf, false for an extension
 * @returns the packed path
 * @example hexPrefix([1, 2, 3], true) // Uint8Array [0x31, 0x23]
 */
export function hexPrefix(nibbles: readonly number[], leaf: boolean): Uint8Array {
  const flag = (leaf ? LEAF : EXT) + (nibbles.length % 2);
  const all = nibbles.length % 2 === 1 ? [flag, ...nibbles] : [flag, 0, ...nibbles];
  const out = new Uint8Array(all.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = ((all[2 * i] as number) << 4) | (all[2 * i + 1] as number);
  return out;
}

/** Inverse of {@link hexPrefix}; undefined when the flag or padding is invalid. */
function fromHexPrefix(bytes: Uint8Array): { leaf: boolean; path: number[] } | undefined {
  if (bytes.length === 0) return undefined;
  const nibbles = toNibbles(bytes);
  const flag = nibbles[0] as number;
  if (flag > 3) return undefined;
  const odd = (flag & 1) === 1;
  if (!odd && nibbles[1] !== 0) return undefined;
  return { leaf: flag >= 2, path: nibbles.slice(odd ? 1 : 2) };
}

function invalid(message: string, context: Record<string, unknown> = {}): AechannelError {
  return new AechannelError('CODEC_INVALID_POI', message, { context });
}

/**
 * Decodes the RLP of a node into its kind; the RLP must be a list of byte strings with 2
 * (leaf, extension) or 17 (branch) items, with a valid hex prefix and a 32-byte
 * extension child.
 * @param rlp - the node's RLP bytes
 * @returns the node
 * @throws {AechannelError} `CODEC_INVALID_POI` for anything else (including invalid RLP)
 * @example decodeNode(encodeNode({ kind: 'leaf', path: [1, 2], value: Uint8Array.of(7) })).kind // 'leaf'
 */
export function decodeNode(rlp: Uint8Array): MptNode {
  let item: RlpItem;
  try {
    item = decodeRlp(rlp, 'Merkle-Patricia node');
  } catch (cause) {
    throw new AechannelError('CODEC_INVALID_POI', 'A Merkle-Patricia node is not valid RLP.', { cause, context: { node: toHex(rlp) } });
  }
  return nodeFromItems(item);
}

/**
 * Reads a node from its decoded RLP items (as a PoI lists it).
 * @throws {AechannelError} `CODEC_INVALID_POI`
 */
export function nodeFromItems(item: RlpItem): MptNode {
  if (!Array.isArray(item) || !item.every((x): x is Uint8Array => x instanceof Uint8Array)) {
    throw invalid('A Merkle-Patricia node must be a list of byte strings.');
  }
  if (item.length === 17) {
    const children = item.slice(0, 16);
    for (const child of children) {
      if (child.length > 32) throw invalid('A branch child reference is longer than 32 bytes.', { got: child.length });
    }
    return { kind: 'branch', children, value: item[16] as Uint8Array };
  }
  if (item.length === 2) {
    const hp = fromHexPrefix(item[0] as Uint8Array);
    if (hp === undefined) throw invalid('Invalid hex-prefix path in a Merkle-Patricia node.', { got: toHex(item[0] as Uint8Array) });
    const second = item[1] as Uint8Array;
    if (hp.leaf) return { kind: 'leaf', path: hp.path, value: second };
    if (hp.path.length === 0) throw invalid('An extension node has an empty path.');
    if (second.length !== 32) throw invalid('An extension child must be a 32-byte hash.', { got: second.length });
    return { kind: 'extension', path: hp.path, child: second };
  }
  throw invalid(`A Merkle-Patricia node has ${item.length} items, expected 2 or 17.`, { got: item.length });
}

/**
 * Encodes a node to its RLP (§2.11), the inverse of {@link decodeNode}.
 * @param node - a leaf, extension or branch
 * @returns the node's RLP bytes
 * @example encodeNode({ kind: 'leaf', path: [1, 2], value: Uint8Array.of(7) }) // c4 82 20 12 07
 */
export function encodeNode(node: MptNode): Uint8Array {
  switch (node.kind) {
    case 'leaf':
      return encodeRlp([hexPrefix(node.path, true), node.value]);
    case 'extension':
      return encodeRlp([hexPrefix(node.path, false), node.child]);
    case 'branch':
      return encodeRlp([...node.children, node.value]);
  }
}

interface Item {
  readonly path: readonly number[];
  readonly value: Uint8Array;
}

/**
 * A Merkle-Patricia tree built from a fixed set of entries: its root hash and every node
 * referenced by hash (hex of the hash -> node RLP).
 *
 * @example
 * const tree = new MerklePatriciaTree([[key, value]]);
 * tree.rootHash; // 32 bytes
 * tree.get(key); // value
 */
export class MerklePatriciaTree {
  /** The root hash; {@link EMPTY_ROOT} when there are no entries. */
  readonly rootHash: Uint8Array;
  /** Nodes referenced by hash, including the root: hex(hash) -> RLP. */
  readonly nodes: ReadonlyMap<string, Uint8Array>;
  /** Number of entries. */
  readonly size: number;

  /**
   * @param entries - distinct keys with their values (values may not be empty)
   * @throws {AechannelError} `CODEC_INVALID_FIELD` on a duplicate key, an empty value or
   *   a non-byte key/value
   */
  constructor(entries: Iterable<readonly [key: Uint8Array, value: Uint8Array]> | Iterable<TreeEntry>) {
    const items: Item[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      const [key, value] = Array.isArray(entry) ? entry : [(entry as TreeEntry).key, (entry as TreeEntry).value];
      if (!(key instanceof Uint8Array) || !(value instanceof Uint8Array)) {
        throw new AechannelError('CODEC_INVALID_FIELD', 'Tree keys and values must be Uint8Array.', { context: { field: 'entries' } });
      }
      if (value.length === 0) {
        throw new AechannelError('CODEC_INVALID_FIELD', 'A tree value may not be empty.', { context: { field: 'value', key: toHex(key) } });
      }
      const hex = toHex(key);
      if (seen.has(hex)) {
        throw new AechannelError('CODEC_INVALID_FIELD', `Duplicate tree key ${hex}.`, { context: { field: 'key', key: hex } });
      }
      seen.add(hex);
      items.push({ path: toNibbles(key), value });
    }
    const nodes = new Map<string, Uint8Array>();
    this.nodes = nodes;
    this.size = items.length;
    const byHash = (rlp: Uint8Array): Uint8Array => {
      const hash = hash32(rlp);
      nodes.set(toHex(hash), rlp);
      return hash;
    };
    const build = (group: readonly Item[]): Uint8Array => {
      const first = group[0] as Item;
      if (group.length === 1) return encodeRlp([hexPrefix(first.path, true), first.value]);
      let common = first.path.length;
      for (const it of group) {
        let i = 0;
        while (i < common && i < it.path.length && it.path[i] === first.path[i]) i += 1;
        common = i;
      }
      if (common > 0) {
        const child = build(group.map((it) => ({ path: it.path.slice(common), value: it.value })));
        return encodeRlp([hexPrefix(first.path.slice(0, common), false), byHash(child)]);
      }
      const slots: Uint8Array[] = Array.from({ length: 16 }, () => new Uint8Array(0));
      let value: Uint8Array = new Uint8Array(0);
      const buckets: Item[][] = Array.from({ length: 16 }, () => []);
      for (const it of group) {
        if (it.path.length === 0) value = it.value;
        else (buckets[it.path[0] as number] as Item[]).push({ path: it.path.slice(1), value: it.value });
      }
      buckets.forEach((bucket, i) => {
        if (bucket.length === 0) return;
        const child = build(bucket);
        slots[i] = child.length < 32 ? child : byHash(child);
      });
      return encodeRlp([...slots, value]);
    };
    this.rootHash = items.length === 0 ? EMPTY_ROOT : byHash(build(items));
  }

  /** Looks up a key; undefined when absent. */
  get(key: Uint8Array): Uint8Array | undefined {
    if (this.size === 0) return undefined;
    return mptGet(this.rootHash, key, (hash) => this.nodes.get(toHex(hash)));
  }

  /**
   * The nodes referenced by hash on the paths from the root to each key (the root
   * included), sorted ascending by hash: what a PoI lists (§2.11).
   * @throws {AechannelError} `CODEC_INVALID_FIELD` when a key is not in the tree
   */
  proofNodes(keys: Iterable<Uint8Array>): { hash: Uint8Array; rlp: Uint8Array }[] {
    const picked = new Map<string, { hash: Uint8Array; rlp: Uint8Array }>();
    for (const key of keys) {
      const found = mptGet(this.rootHash, key, (hash) => {
        const hex = toHex(hash);
        const rlp = this.nodes.get(hex);
        if (rlp !== undefined) picked.set(hex, { hash, rlp });
        return rlp;
      });
      if (found === undefined) {
        throw new AechannelError('CODEC_INVALID_FIELD', `Key ${toHex(key)} is not in the tree.`, { context: { field: 'key', key: toHex(key) } });
      }
    }
    return [...picked.values()].sort((a, b) => compareBytes(a.hash, b.hash));
  }
}

/**
 * Root hash of the tree holding `entries` (§2.11); {@link EMPTY_ROOT} for no entries.
 * @param entries - `[key, value]` pairs with distinct keys and non-empty values
 * @returns the 32-byte root hash
 * @throws {AechannelError} `CODEC_INVALID_FIELD` on a duplicate key or empty value
 * @example mptRoot([[new Uint8Array(32), Uint8Array.of(1)]]) // 32 bytes
 */
export function mptRoot(entries: Iterable<readonly [key: Uint8Array, value: Uint8Array]> | Iterable<TreeEntry>): Uint8Array {
  return new MerklePatriciaTree(entries).rootHash;
}

/** Resolves a 32-byte node hash to the node's RLP, or undefined when not available. */
export type NodeResolver = (hash: Uint8Array) => Uint8Array | undefined;

/** Reads the node behind a branch/extension/root reference. */
function resolveRef(ref: Uint8Array, resolve: NodeResolver): MptNode | undefined {
  if (ref.length === 32) {
    const rlp = resolve(ref);
    if (rlp === undefined) return undefined;
    if (!equalBytes(hash32(rlp), ref)) throw invalid('A node does not match its hash.', { hash: toHex(ref) });
    return decodeNode(rlp);
  }
  // Embedded child (§2.11: only branch children whose RLP is < 32 bytes).
  return decodeNode(ref);
}

/**
 * Walks `key` from `rootHash` (§2.11).
 * @param rootHash - 32-byte root
 * @param key - the key bytes
 * @param resolve - gives the RLP of a node by hash; each returned node is checked against the hash
 * @returns the value, or undefined when the tree proves the key absent
 * @throws {AechannelError} `CODEC_INVALID_POI` when a node on the path is missing or malformed
 * @example
 * const tree = new MerklePatriciaTree([[key, value]]);
 * mptGet(tree.rootHash, key, (h) => tree.nodes.get(Buffer.from(h).toString('hex'))) // value
 */
export function mptGet(rootHash: Uint8Array, key: Uint8Array, resolve: NodeResolver): Uint8Array | undefined {
  let path = toNibbles(key);
  let ref: Uint8Array = rootHash;
  if (ref.length !== 32) throw invalid('A root hash must be 32 bytes.', { got: ref.length });
  // Each step consumes at least one nibble or returns, so the walk is bounded by the key.
  for (;;) {
    const node = resolveRef(ref, resolve);
    if (node === undefined) throw invalid('A node on the path of a key is missing.', { hash: toHex(ref), key: toHex(key) });
    if (node.kind === 'leaf') {
      return node.path.length === path.length && node.path.every((n, i) => n === path[i]) ? node.value : undefined;
    }
    if (node.kind === 'extension') {
      if (node.path.length > path.length || !node.path.every((n, i) => n === path[i])) return undefined;
      path = path.slice(node.path.length);
      ref = node.child;
      continue;
    }
    if (path.length === 0) return node.value.length === 0 ? undefined : node.value;
    const child = node.children[path[0] as number] as Uint8Array;
    if (child.length === 0) return undefined;
    path = path.slice(1);
    ref = child;
  }
}

/** Maximum number of node visits of {@link mptLeaves}, against proofs built to blow up. */
export const MAX_LEAF_WALK = 100_000;

/**
 * Lists every leaf reachable from `rootHash` through the nodes `resolve` knows; subtrees
 * whose node is not available are skipped (they are not proven).
 * @param rootHash - 32-byte root
 * @param resolve - gives the RLP of a node by hash; each returned node is checked against the hash
 * @returns entries in ascending key order; keys with an odd number of nibbles are rejected
 * @throws {AechannelError} `CODEC_INVALID_POI` on a missing root, a malformed node, a hash
 *   mismatch, an odd-length key or more than {@link MAX_LEAF_WALK} visits
 * @example
 * const tree = new MerklePatriciaTree(entries);
 * mptLeaves(tree.rootHash, (h) => tree.nodes.get(Buffer.from(h).toString('hex'))) // entries, ascending by key
 */
export function mptLeaves(rootHash: Uint8Array, resolve: NodeResolver): TreeEntry[] {
  if (rootHash.length !== 32) throw invalid('A root hash must be 32 bytes.', { got: rootHash.length });
  const out: TreeEntry[] = [];
  let visits = 0;
  const emit = (path: readonly number[], value: Uint8Array): void => {
    if (path.length % 2 === 1) throw invalid('A leaf has a key with an odd number of nibbles.', { nibbles: path.length });
    const key = new Uint8Array(path.length / 2);
    for (let i = 0; i < key.length; i += 1) key[i] = ((path[2 * i] as number) << 4) | (path[2 * i + 1] as number);
    out.push({ key, value });
  };
  // Explicit stack (depth first, children pushed in reverse) so ordering is ascending.
  const root = resolveRef(rootHash, resolve);
  if (root === undefined) throw invalid('The root node is missing.', { hash: toHex(rootHash) });
  const stack: { node: MptNode; path: number[] }[] = [{ node: root, path: [] }];
  while (stack.length > 0) {
    visits += 1;
    if (visits > MAX_LEAF_WALK) throw invalid('Too many nodes to walk in a proof.', { limit: MAX_LEAF_WALK });
    const { node, path } = stack.pop() as { node: MptNode; path: number[] };
    if (node.kind === 'leaf') {
      emit([...path, ...node.path], node.value);
      continue;
    }
    if (node.kind === 'extension') {
      const child = resolveRef(node.child, resolve);
      if (child !== undefined) stack.push({ node: child, path: [...path, ...node.path] });
      continue;
    }
    for (let i = 15; i >= 0; i -= 1) {
      const ref = node.children[i] as Uint8Array;
      if (ref.length === 0) continue;
      const child = resolveRef(ref, resolve);
      if (child !== undefined) stack.push({ node: child, path: [...path, i] });
    }
    if (node.value.length > 0) emit(path, node.value);
  }
  return out;
}
