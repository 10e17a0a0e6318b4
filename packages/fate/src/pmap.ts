/**
 * A small persistent map: each version is a layer of changes over its parent, so a new
 * version costs what it changes, not the size of the map. Reads walk at most
 * {@link MAX_DEPTH} layers. Past that depth the change layers are merged into one layer
 * above the big bottom layer, and only when that merged layer grows to a quarter of the
 * bottom is everything flattened, so a change costs amortized O(1) whatever the size of
 * the map. Keys are strings (hex of the byte keys).
 */

const DELETED: unique symbol = Symbol('deleted');
const MAX_DEPTH = 12;

/** An immutable string-keyed map with cheap updates. */
export class PMap<V> {
  private constructor(
    private readonly own: ReadonlyMap<string, V | typeof DELETED>,
    private readonly parent: PMap<V> | undefined,
    /** Number of entries. */
    readonly size: number,
    private readonly depth: number,
  ) {}

  /** An empty map. */
  static empty<V>(): PMap<V> {
    return new PMap<V>(new Map(), undefined, 0, 0);
  }

  /** A map of the given entries (later duplicates win). */
  static from<V>(entries: Iterable<readonly [string, V]>): PMap<V> {
    const m = new Map<string, V>();
    for (const [k, v] of entries) m.set(k, v);
    return new PMap<V>(m, undefined, m.size, 0);
  }

  /** The value at `key`. */
  get(key: string): V | undefined {
    for (let p: PMap<V> | undefined = this; p !== undefined; p = p.parent) {
      const v = p.own.get(key);
      if (v !== undefined) return v === DELETED ? undefined : v;
    }
    return undefined;
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * A new version with `changes` applied (`undefined` deletes).
   * @param changes - key → new value or undefined
   */
  with(changes: ReadonlyMap<string, V | undefined>): PMap<V> {
    if (changes.size === 0) return this;
    const own = new Map<string, V | typeof DELETED>();
    let size = this.size;
    for (const [k, v] of changes) {
      const had = this.has(k);
      if (v === undefined) {
        if (had) size -= 1;
        own.set(k, DELETED);
      } else {
        if (!had) size += 1;
        own.set(k, v);
      }
    }
    const next = new PMap<V>(own, this, size, this.depth + 1);
    return next.depth > MAX_DEPTH ? next.compact() : next;
  }

  /** A new version with one change. */
  set(key: string, value: V | undefined): PMap<V> {
    return this.with(new Map([[key, value]]));
  }

  private compact(): PMap<V> {
    const layers: PMap<V>[] = [];
    for (let p: PMap<V> | undefined = this; p !== undefined; p = p.parent) layers.push(p);
    const bottom = layers[layers.length - 1]!;
    const merged = new Map<string, V | typeof DELETED>();
    for (let i = layers.length - 2; i >= 0; i -= 1) for (const [k, v] of layers[i]!.own) merged.set(k, v);
    if (merged.size * 4 > bottom.own.size) return this.flatten();
    return new PMap<V>(merged, bottom, this.size, 1);
  }

  private flatten(): PMap<V> {
    const m = new Map<string, V>();
    for (const [k, v] of this.entries()) m.set(k, v);
    return new PMap<V>(m, undefined, m.size, 0);
  }

  /** All entries (unordered). */
  *entries(): IterableIterator<[string, V]> {
    if (this.parent === undefined) {
      for (const [k, v] of this.own) if (v !== DELETED) yield [k, v];
      return;
    }
    const seen = new Set<string>();
    for (let p: PMap<V> | undefined = this; p !== undefined; p = p.parent) {
      for (const [k, v] of p.own) {
        if (seen.has(k)) continue;
        seen.add(k);
        if (v !== DELETED) yield [k, v];
      }
    }
  }

  /** All keys. */
  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }
}
