/**
 * An in-memory {@link Store}: for tests, examples and short-lived channels.
 *
 * **When a write counts as done:** when the promise returned by `write` resolves, the
 * value is in this process's memory. It survives nothing: a process exit loses it. Use
 * {@link createFileStore} in Node, `createIndexedDbStore` in a browser (or your own durable
 * store) for anything with real funds.
 */
import { assertIsStoreKey, throwIfAborted, type Store } from './Store.js';

/** A memory store, with two extra helpers for tests and tooling. */
export interface MemoryStore extends Store {
  /** A copy of every entry. */
  entries(): Map<string, string>;
  /** The number of writes made so far (per key when given). */
  writeCount(key?: string): number;
}

/**
 * Creates an in-memory store.
 * @param initial - entries to start with
 * @returns a {@link MemoryStore}
 * @example
 * const store = createMemoryStore();
 * await store.write('ch_abc', '{"round":1}');
 * await store.read('ch_abc'); // '{"round":1}'
 */
export function createMemoryStore(initial?: Iterable<readonly [string, string]>): MemoryStore {
  const data = new Map<string, string>();
  const writes = new Map<string, number>();
  let totalWrites = 0;
  for (const [key, value] of initial ?? []) {
    assertIsStoreKey(key);
    data.set(key, value);
  }
  return {
    async read(key, options) {
      throwIfAborted(options?.signal);
      assertIsStoreKey(key);
      return data.get(key);
    },
    async write(key, value, options) {
      throwIfAborted(options?.signal);
      assertIsStoreKey(key);
      data.set(key, value);
      writes.set(key, (writes.get(key) ?? 0) + 1);
      totalWrites++;
    },
    async delete(key, options) {
      throwIfAborted(options?.signal);
      assertIsStoreKey(key);
      data.delete(key);
    },
    async list(options) {
      throwIfAborted(options?.signal);
      return [...data.keys()].sort();
    },
    entries() {
      return new Map(data);
    },
    writeCount(key) {
      return key === undefined ? totalWrites : (writes.get(key) ?? 0);
    },
  };
}
