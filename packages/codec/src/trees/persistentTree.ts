/**
 * The node's Merkle-Patricia tree (PROTOCOL.md §2.11) as a persistent value: `set` and
 * `delete` return a new tree that shares every untouched subtree with the old one, and each
 * node remembers its encoding and hash. A channel round changes two accounts (or a few
 * contract-store slots): the new root costs the nodes on those paths, not the whole tree.
 *
 * Theory of operation. The tree of a set of entries is canonical (it is what
 * {@link MerklePatriciaTree} builds from scratch, §2.11), and every operation here returns
 * exactly that tree for the new set:
 *
 * - one entry: a leaf holding its whole remaining path;
 * - two or more entries sharing a prefix of length >= 1: an extension over a branch (an
 *   extension always points to a branch, by hash);
 * - otherwise a branch: child *i* is the tree of the entries continuing with nibble *i*, and
 *   the branch value is the entry whose path ends there (a key that is a prefix of others,
 *   as contract-store keys can be).
 *
 * Insertion splits a leaf or an extension where the new path leaves it; deletion collapses
 * a branch left with one slot into its child (prefixing the nibble: a leaf or extension
 * grows, a branch gets an extension) and merges an extension with the extension or leaf
 * below it. A property test builds random sets, including keys that are prefixes of one
 * another, both ways and compares the roots.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { AechannelError } from '../errors.js';
import { EMPTY_ROOT, hexPrefix, toNibbles, type TreeEntry } from './mpt.js';
import { encodeRlp, equalBytes, hash32, toHex } from './rlpFields.js';

type Nibbles = readonly number[];

interface Leaf {
  readonly kind: 'leaf';
  readonly path: Nibbles;
  readonly value: Uint8Array;
  rlp?: Uint8Array;
  hash?: Uint8Array;
}

interface Extension {
  readonly kind: 'extension';
  readonly path: Nibbles;
  readonly child: Branch;
  rlp?: Uint8Array;
  hash?: Uint8Array;
}

interface Branch {
  readonly kind: 'branch';
  readonly children: readonly (Node | null)[];
  readonly value: Uint8Array | null;
  rlp?: Uint8Array;
  hash?: Uint8Array;
}

type Node = Leaf | Extension | Branch;

const EMPTY = new Uint8Array(0);
const NO_CHILDREN: readonly null[] = Object.freeze(Array.from({ length: 16 }, () => null));

const leaf = (path: Nibbles, value: Uint8Array): Leaf => ({ kind: 'leaf', path, value });
const branch = (children: readonly (Node | null)[], value: Uint8Array | null): Branch => ({ kind: 'branch', children, value });

function rlpOf(node: Node): Uint8Array {
  if (node.rlp !== undefined) return node.rlp;
  let rlp: Uint8Array;
  if (node.kind === 'leaf') rlp = encodeRlp([hexPrefix(node.path, true), node.value]);
  else if (node.kind === 'extension') rlp = encodeRlp([hexPrefix(node.path, false), hashOf(node.child)]);
  else rlp = encodeRlp([...node.children.map((child) => (child === null ? EMPTY : refOf(child))), node.value ?? EMPTY]);
  node.rlp = rlp;
  return rlp;
}

function hashOf(node: Node): Uint8Array {
  node.hash ??= hash32(rlpOf(node));
  return node.hash;
}

/** A branch child: its RLP when shorter than 32 bytes, else its hash (§2.11). */
function refOf(node: Node): Uint8Array {
  const rlp = rlpOf(node);
  return rlp.length < 32 ? rlp : hashOf(node);
}

function commonPrefix(a: Nibbles, b: Nibbles, from = 0): number {
  let i = 0;
  while (from + i < b.length && i < a.length && a[i] === b[from + i]) i += 1;
  return i;
}

/** The tree of the entries under `node` continuing with nibble `nibble` as one branch child, prefixed. */
function prefixed(nibbles: Nibbles, node: Node): Node {
  if (nibbles.length === 0) return node;
  if (node.kind === 'leaf') return leaf([...nibbles, ...node.path], node.value);
  if (node.kind === 'extension') return { kind: 'extension', path: [...nibbles, ...node.path], child: node.child };
  return { kind: 'extension', path: [...nibbles], child: node };
}

/** `node` (the tree of its entries, paths relative to `path[from..]`) with `path` set to `value`. */
function insert(node: Node | null, path: Nibbles, from: number, value: Uint8Array): Node {
  if (node === null) return leaf(path.slice(from), value);
  if (node.kind === 'leaf') {
    const shared = commonPrefix(node.path, path, from);
    if (shared === node.path.length && from + shared === path.length) return leaf(node.path, value);
    // two entries: a branch where they part, under an extension for what they share
    const children: (Node | null)[] = [...NO_CHILDREN];
    let branchValue: Uint8Array | null = null;
    const place = (rest: Nibbles, v: Uint8Array): void => {
      if (rest.length === 0) branchValue = v;
      else children[rest[0] as number] = leaf(rest.slice(1), v);
    };
    place(node.path.slice(shared), node.value);
    place(path.slice(from + shared), value);
    return prefixed(node.path.slice(0, shared), branch(children, branchValue));
  }
  if (node.kind === 'extension') {
    const shared = commonPrefix(node.path, path, from);
    if (shared === node.path.length) return { kind: 'extension', path: node.path, child: insert(node.child, path, from + shared, value) as Branch };
    // the new path leaves the extension at `shared`: a branch there
    const children: (Node | null)[] = [...NO_CHILDREN];
    children[node.path[shared] as number] = prefixed(node.path.slice(shared + 1), node.child);
    let branchValue: Uint8Array | null = null;
    const rest = from + shared;
    if (rest === path.length) branchValue = value;
    else children[path[rest] as number] = leaf(path.slice(rest + 1), value);
    return prefixed(node.path.slice(0, shared), branch(children, branchValue));
  }
  if (from === path.length) return branch(node.children, value);
  const nibble = path[from] as number;
  const children = [...node.children];
  children[nibble] = insert(node.children[nibble] ?? null, path, from + 1, value);
  return branch(children, node.value);
}

/** `node` without `path`; the same node when the path is absent. */
function remove(node: Node | null, path: Nibbles, from: number): Node | null {
  if (node === null) return null;
  if (node.kind === 'leaf') {
    const shared = commonPrefix(node.path, path, from);
    return shared === node.path.length && from + shared === path.length ? null : node;
  }
  if (node.kind === 'extension') {
    const shared = commonPrefix(node.path, path, from);
    if (shared < node.path.length) return node;
    const child = remove(node.child, path, from + shared);
    if (child === node.child) return node;
    // (a branch holds two entries at least, so one remains)
    return prefixed(node.path, child as Node);
  }
  let children = node.children;
  let value = node.value;
  if (from === path.length) {
    if (value === null) return node;
    value = null;
  } else {
    const nibble = path[from] as number;
    const before = node.children[nibble] ?? null;
    const after = remove(before, path, from + 1);
    if (after === before) return node;
    const copy = [...node.children];
    copy[nibble] = after;
    children = copy;
  }
  const used = children.reduce((n, child) => n + (child === null ? 0 : 1), 0) + (value === null ? 0 : 1);
  if (used >= 2) return branch(children, value);
  if (value !== null) return leaf([], value);
  const nibble = children.findIndex((child) => child !== null);
  return prefixed([nibble], children[nibble] as Node);
}

function find(node: Node | null, path: Nibbles): Uint8Array | undefined {
  let from = 0;
  while (node !== null) {
    if (node.kind === 'leaf') {
      return node.path.length === path.length - from && commonPrefix(node.path, path, from) === node.path.length ? node.value : undefined;
    }
    if (node.kind === 'extension') {
      if (commonPrefix(node.path, path, from) < node.path.length) return undefined;
      from += node.path.length;
      node = node.child;
      continue;
    }
    if (from === path.length) return node.value ?? undefined;
    node = node.children[path[from] as number] ?? null;
    from += 1;
  }
  return undefined;
}

function checkEntry(key: unknown, value?: unknown): void {
  if (!(key instanceof Uint8Array) || (value !== undefined && !(value instanceof Uint8Array))) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'Tree keys and values must be Uint8Array.', { context: { field: 'entries' } });
  }
  if (value !== undefined && (value as Uint8Array).length === 0) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'A tree value may not be empty.', { context: { field: 'value', key: toHex(key) } });
  }
}

// `tree` with `key` set to `value`, an array no caller holds (checked, copied): the tree keeps it.
let setOwned: (tree: PersistentTree, key: Uint8Array, value: Uint8Array) => PersistentTree;

/**
 * A Merkle-Patricia tree (§2.11) as a persistent value: {@link PersistentTree.set} and
 * {@link PersistentTree.delete} return a new tree sharing every untouched node, whose
 * encodings and hashes are kept, so the root after a change costs the changed paths. The
 * root is the one {@link MerklePatriciaTree} computes for the same entries.
 *
 * @example
 * let tree = PersistentTree.from([[alice, packAccount({ nonce: 0n, balance: 10n })]]);
 * tree = tree.set(bob, packAccount({ nonce: 0n, balance: 5n }));
 * tree.rootHash; // the same as mptRoot of both entries
 */
export class PersistentTree {
  /** The tree with no entries. */
  static readonly empty: PersistentTree = new PersistentTree(null, 0);

  private constructor(
    private readonly root: Node | null,
    /** Number of entries. */
    readonly size: number,
  ) {}

  /**
   * A tree of `entries` (distinct keys; a repeated key keeps its last value).
   * @param entries - `[key, value]` pairs or {@link TreeEntry}s, non-empty values
   * @returns the tree
   * @throws {AechannelError} `CODEC_INVALID_FIELD` on a non-byte key or value or an empty value
   */
  static from(entries: Iterable<readonly [key: Uint8Array, value: Uint8Array]> | Iterable<TreeEntry>): PersistentTree {
    let tree = PersistentTree.empty;
    for (const entry of entries) {
      const [key, value] = Array.isArray(entry) ? entry : [(entry as TreeEntry).key, (entry as TreeEntry).value];
      tree = tree.set(key as Uint8Array, value as Uint8Array);
    }
    return tree;
  }

  /** The root hash; {@link EMPTY_ROOT} when there are no entries. */
  get rootHash(): Uint8Array {
    return this.root === null ? EMPTY_ROOT : hashOf(this.root);
  }

  /** The value at `key`, or undefined. */
  get(key: Uint8Array): Uint8Array | undefined {
    checkEntry(key);
    return find(this.root, toNibbles(key));
  }

  /**
   * The tree with `key` set to (a copy of) `value`: changing the array afterwards changes no tree.
   * @throws {AechannelError} `CODEC_INVALID_FIELD` on a non-byte key or value or an empty value
   */
  set(key: Uint8Array, value: Uint8Array): PersistentTree {
    checkEntry(key, value);
    return setOwned(this, key, value.slice());
  }

  static {
    setOwned = (tree, key, value) => {
      const path = toNibbles(key);
      const had = find(tree.root, path) !== undefined;
      return new PersistentTree(insert(tree.root, path, 0, value), had ? tree.size : tree.size + 1);
    };
  }

  /** The tree without `key` (the same tree when it is absent). */
  delete(key: Uint8Array): PersistentTree {
    checkEntry(key);
    const root = remove(this.root, toNibbles(key), 0);
    return root === this.root ? this : new PersistentTree(root, this.size - 1);
  }
}

/** What {@link createIncrementalRoot} returns. */
export type IncrementalRoot = (entries: Iterable<readonly [key: Uint8Array, value: Uint8Array]> | Iterable<TreeEntry>) => Uint8Array;

/**
 * A drop-in for `mptRoot` that keeps the tree of the last entry set it was given and
 * computes the next root from the difference (the entries whose value changed, appeared or
 * disappeared), as a {@link PersistentTree}: for the next state of a channel, the cost of
 * what the round changed. Same roots as `mptRoot`, same errors. It keeps copies of the
 * values it was given (made when a value changes), so a caller may reuse its arrays.
 * @returns a root function with its own memory of the last tree
 * @example
 * const accountsRoot = createIncrementalRoot();
 * accountsRoot(entriesOfRound1); // built once
 * accountsRoot(entriesOfRound2); // only the changed accounts' paths are hashed again
 */
export function createIncrementalRoot(): IncrementalRoot {
  let last = new Map<string, Uint8Array>();
  let tree = PersistentTree.empty;
  return (entries) => {
    const next = new Map<string, Uint8Array>();
    let updated = tree;
    for (const entry of entries) {
      const [key, value] = Array.isArray(entry) ? entry : [(entry as TreeEntry).key, (entry as TreeEntry).value];
      checkEntry(key, value);
      const id = toHex(key as Uint8Array);
      if (next.has(id)) throw new AechannelError('CODEC_INVALID_FIELD', `Duplicate tree key ${id}.`, { context: { field: 'key', key: id } });
      // What is kept (here and in the tree) is a copy made once when the value changes: the
      // caller's array may be reused and changed after the call.
      const before = last.get(id);
      if (before !== undefined && equalBytes(before, value as Uint8Array)) {
        next.set(id, before);
        continue;
      }
      const owned = (value as Uint8Array).slice();
      next.set(id, owned);
      updated = setOwned(updated, key as Uint8Array, owned);
    }
    for (const id of last.keys()) {
      if (!next.has(id)) updated = updated.delete(hexToBytes(id));
    }
    last = next;
    tree = updated;
    return tree.rootHash;
  };
}
