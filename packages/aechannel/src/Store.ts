/**
 * Durable storage of channel records, in the spirit of LDK's `Persist`/`KVStore`.
 *
 * A `Store` is a small key-value store of strings. A `Channel` writes one record per
 * channel (key: the channel id, `ch_...`) holding the latest co-signed state, the fsm id
 * and the open parameters (see `ChannelRecord`), and it acknowledges a new state to the
 * node only after `write` resolved (PROTOCOL.md §9.14: "always keep the latest
 * `channels.update.state` and the latest `fsm_id`").
 *
 * The contract every implementation must keep:
 *
 * - **`write` resolves only once the value is durable** by the store's own standard (in
 *   memory for `createMemoryStore`; fsynced and renamed for `createFileStore`; a completed
 *   IndexedDB transaction, strict durability, for `createIndexedDbStore`). A
 *   channel treats resolution as "this state survives a crash of this process".
 * - **A write is atomic**: after a crash, `read` returns either the previous value or the
 *   new one, never a mix. A value that cannot be read back intact makes `read` throw
 *   `CHANNEL_STORE_CORRUPT` rather than return garbage.
 * - **Writes to one key happen in call order.** A channel never has two writes to the
 *   same key in flight, but an implementation must not reorder them if it had.
 * - `write` rejects (preferably with `CHANNEL_STORE_WRITE_FAILED`) when it could not make
 *   the value durable; the channel then stays frozen and reports the error.
 */
import { ChannelError } from './errors.js';

/** Options accepted by every store method. */
export interface StoreCallOptions {
  /** Aborts the operation (a write already made durable stays written). */
  signal?: AbortSignal;
}

/** A durable key-value store of strings. See the module doc for the contract. */
export interface Store {
  /**
   * Reads a value.
   * @returns the value, or `undefined` when the key was never written (or was deleted)
   * @throws {ChannelError} `CHANNEL_STORE_CORRUPT` when the stored value is unreadable
   */
  read(key: string, options?: StoreCallOptions): Promise<string | undefined>;
  /**
   * Writes a value; resolves once it is durable.
   * @throws {ChannelError} `CHANNEL_STORE_WRITE_FAILED`, `CHANNEL_STORE_INVALID_KEY`
   */
  write(key: string, value: string, options?: StoreCallOptions): Promise<void>;
  /** Deletes a value (no error when absent). */
  delete(key: string, options?: StoreCallOptions): Promise<void>;
  /** Lists the keys holding a value, sorted. */
  list(options?: StoreCallOptions): Promise<string[]>;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

const isStoreKey = (key: unknown): key is string => typeof key === 'string' && KEY.test(key);

/**
 * Checks a store key: 1–200 characters of `[A-Za-z0-9_.-]`, not starting with `.`, `_` or `-`
 * (channel ids `ch_...` qualify). Keys double as file names in {@link createFileStore}.
 * @param key - the value to check
 * @returns nothing; narrows `key` to `string`
 * @throws {ChannelError} `CHANNEL_STORE_INVALID_KEY`
 * @example assertIsStoreKey('ch_2AyHHNYjSLCJ7PSHVTpgxjbQhCBkKZqwcuKXByPvBVKbEoK92b'); // passes
 */
export function assertIsStoreKey(key: unknown): asserts key is string {
  if (!isStoreKey(key)) {
    throw new ChannelError('CHANNEL_STORE_INVALID_KEY', `Invalid store key ${JSON.stringify(String(key)).slice(0, 80)}.`, {
      details: 'Keys are 1-200 characters of [A-Za-z0-9_.-] starting with a letter or digit.',
      context: { key: String(key) },
    });
  }
}

/** Rejects with `CHANNEL_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw new ChannelError('CHANNEL_ABORTED', 'The store operation was aborted.', { cause: signal.reason });
  }
}

/**
 * Checks `write`'s arguments (for the store implementations, which reject with the error).
 * @throws {ChannelError} `CHANNEL_ABORTED`, `CHANNEL_STORE_INVALID_KEY`, `CHANNEL_INVALID_ARGUMENT`
 */
export function assertWriteArguments(key: string, value: string, signal: AbortSignal | undefined): void {
  throwIfAborted(signal);
  assertIsStoreKey(key);
  if (typeof value !== 'string') {
    throw new ChannelError('CHANNEL_INVALID_ARGUMENT', 'Store values are strings.', { context: { argument: 'value' } });
  }
}

/** The store keys among `names`, sorted: `list` passes over entries something else put there. */
export function sortedStoreKeys(names: readonly unknown[]): string[] {
  return names.filter(isStoreKey).sort();
}

/** Per-key serialization of a store's operations (see {@link createKeyQueue}). */
export interface KeyQueue {
  /** Runs `operation` once every earlier operation on `key` settled (whatever its outcome). */
  enqueue<T>(key: string, operation: () => Promise<T>): Promise<T>;
  /** Resolves once every operation queued on `key` so far settled; never rejects. */
  settled(key: string): Promise<void>;
}

/**
 * A queue per key, so that writes of one key land in call order and a read waits for the
 * writes before it; a key's queue is dropped once its last operation settled.
 * @returns the queue
 */
export function createKeyQueue(): KeyQueue {
  const queues = new Map<string, Promise<unknown>>();
  return {
    enqueue<T>(key: string, operation: () => Promise<T>): Promise<T> {
      const previous = queues.get(key) ?? Promise.resolve();
      const next = previous.catch(() => {}).then(operation);
      queues.set(key, next);
      const cleanup = (): void => {
        if (queues.get(key) === next) queues.delete(key);
      };
      next.then(cleanup, cleanup);
      return next;
    },
    async settled(key: string): Promise<void> {
      await queues.get(key)?.catch(() => {});
    },
  };
}
