/**
 * A durable {@link Store} for browsers, backed by IndexedDB: a channel's latest co-signed
 * state survives a page reload, a closed tab and a browser restart.
 *
 * **When a write counts as done:** `write(key, value)` resolves only once the IndexedDB
 * transaction that put the value has completed (its `complete` event). Write transactions
 * ask for `durability: 'strict'` by default, so browsers that distinguish it (Chromium)
 * fire `complete` only after the data was flushed to disk, the browser's equivalent of the
 * file store's fsync. A transaction is atomic: if the tab dies or the browser crashes
 * before `complete`, a later `read` returns the previous value, never a mix.
 *
 * Each value is stored inside the same checksummed envelope as the file store writes
 * (`storeEnvelope.ts`: format tag and SHA-256), so an entry damaged in storage, edited by
 * hand (developer tools) or written by something else makes `read` throw
 * `CHANNEL_STORE_CORRUPT` instead of returning it. A channel record read back still proves
 * itself (`verifyChannelRecord`, applied by `Channel.reconnect`/`reestablish` to whatever a
 * store returns) before it is used: a checksum only shows the entry is whole.
 *
 * Writes to one key are applied in call order. Every operation has a bound (`timeoutMs`):
 * opening the database can wait for another tab that holds an older version open, and a
 * transaction can wait behind another tab's; past the bound the operation is aborted and
 * rejects. Tabs of one origin share the database: drive one channel from one tab at a time
 * (the application can hold a Web Lock per channel id).
 *
 * Layout: database `databaseName` (default `aechannel`), version 1, one object store
 * `entries` with the store keys as out-of-line keys and the envelopes as string values.
 */
import { ChannelError, invalidArgument } from './errors.js';
import { assertIsStoreKey, assertWriteArguments, createKeyQueue, sortedStoreKeys, throwIfAborted, type Store, type StoreCallOptions } from './Store.js';
import { openStoreValue, sealStoreValue } from './storeEnvelope.js';

/** Options of {@link createIndexedDbStore}. */
export interface IndexedDbStoreOptions {
  /** Name of the IndexedDB database (default `'aechannel'`); one store per name. */
  databaseName?: string;
  /** The IndexedDB implementation (default `globalThis.indexedDB`). */
  indexedDB?: IDBFactory;
  /**
   * Durability hint of write transactions (default `'strict'`: `complete` fires once the
   * data is on disk). `'relaxed'` is faster and still atomic, but a write may be lost on a
   * power failure or OS crash (not on a closed tab).
   */
  durability?: 'strict' | 'relaxed';
  /** Bound of every operation in ms, including opening the database (default 30 000). */
  timeoutMs?: number;
}

/** A {@link Store} in IndexedDB. */
export interface IndexedDbStore extends Store {
  /** The database name. */
  readonly databaseName: string;
  /**
   * Closes the database connection once its transactions are done (e.g. before deleting
   * the database). A later call opens it again.
   */
  close(): void;
}

/**
 * Default `databaseName` of {@link createIndexedDbStore}.
 * @example createIndexedDbStore().databaseName === INDEXEDDB_STORE_DATABASE // true
 */
export const INDEXEDDB_STORE_DATABASE = 'aechannel';
const OBJECT_STORE = 'entries';
const VERSION = 1;
const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

type Failure = (reason: string, cause?: unknown) => ChannelError;

/**
 * Creates a store in IndexedDB (the database is opened on first use).
 * @param options - database name, IndexedDB implementation, durability, operation bound
 * @returns an {@link IndexedDbStore}
 * @throws {ChannelError} `CHANNEL_STORE_UNAVAILABLE` when the platform has no IndexedDB,
 *   `CHANNEL_INVALID_ARGUMENT` for invalid options. Its methods reject with
 *   `CHANNEL_STORE_WRITE_FAILED` (a write or delete that did not complete),
 *   `CHANNEL_STORE_CORRUPT` (an entry that fails its checksum or cannot be read),
 *   `CHANNEL_STORE_UNAVAILABLE` (the database cannot be opened, or a read waited past
 *   `timeoutMs`), `CHANNEL_STORE_INVALID_KEY`, `CHANNEL_ABORTED`
 * @example
 * import { Channel, createIndexedDbStore } from 'aechannel';
 * const store = createIndexedDbStore();
 * const channel = await Channel.reestablish({ store, channelId, signer, url });
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions = {}): IndexedDbStore {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const databaseName = options.databaseName ?? INDEXEDDB_STORE_DATABASE;
  if (typeof databaseName !== 'string' || databaseName === '' || databaseName.length > 200) {
    throw invalidArgument('databaseName', 'a non-empty string of at most 200 characters', databaseName);
  }
  const durability = options.durability ?? 'strict';
  if (durability !== 'strict' && durability !== 'relaxed') throw invalidArgument('durability', "'strict' or 'relaxed'", durability);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalidArgument('timeoutMs', `an integer number of ms in 1..${MAX_TIMEOUT_MS}`, timeoutMs);
  }
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined || factory === null) {
    throw new ChannelError('CHANNEL_STORE_UNAVAILABLE', 'IndexedDB is not available on this platform.', {
      details: 'Pass `indexedDB` (e.g. from fake-indexeddb in tests), or use createFileStore in Node.',
      context: { databaseName },
    });
  }

  let database: Promise<IDBDatabase> | undefined;
  const queue = createKeyQueue();

  const unavailable: Failure = (reason, cause) =>
    new ChannelError('CHANNEL_STORE_UNAVAILABLE', `IndexedDB database ${databaseName} is not available: ${reason}.`, {
      cause,
      details: describeCause(cause),
      context: { databaseName, reason },
    });

  const openDatabase = (): Promise<IDBDatabase> => {
    const opening = new Promise<IDBDatabase>((resolve, reject) => {
      let request: IDBOpenDBRequest;
      try {
        request = factory.open(databaseName, VERSION);
      } catch (cause) {
        reject(unavailable('opening it threw', cause));
        return;
      }
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        // A connection that still opens later is closed at once.
        request.onsuccess = () => request.result.close();
        reject(unavailable(`it did not open within ${timeoutMs} ms (another tab may hold an older version open)`));
      }, timeoutMs);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(OBJECT_STORE)) db.createObjectStore(OBJECT_STORE);
      };
      request.onsuccess = () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        const db = request.result;
        // Another tab upgrading or deleting the database: let it, and reopen on next use.
        db.onversionchange = () => {
          db.close();
          if (database === opening) database = undefined;
        };
        db.onclose = () => {
          if (database === opening) database = undefined;
        };
        resolve(db);
      };
      request.onerror = () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(unavailable('the browser refused to open it', request.error));
      };
      // `onblocked`: wait for the other connection to close, within the bound above.
    });
    database = opening;
    opening.catch(() => {
      if (database === opening) database = undefined;
    });
    return opening;
  };

  /**
   * Runs one request in its own transaction; resolves with the request's result once the
   * transaction has completed (for a write: once it is durable).
   */
  const run = async <T>(
    mode: IDBTransactionMode,
    call: (objects: IDBObjectStore) => IDBRequest<T>,
    signal: AbortSignal | undefined,
    failed: Failure,
    timedOut: Failure,
  ): Promise<T> => {
    let db = await (database ?? openDatabase());
    throwIfAborted(signal);
    let transaction: IDBTransaction;
    try {
      transaction = begin(db, mode);
    } catch (cause) {
      // The connection was closed under us (another tab's upgrade): reopen once.
      database = undefined;
      db = await openDatabase();
      try {
        transaction = begin(db, mode);
      } catch (again) {
        throw unavailable('no transaction could be started', again ?? cause);
      }
    }
    return await new Promise<T>((resolve, reject) => {
      let request: IDBRequest<T> | undefined;
      let outcome: ChannelError | undefined;
      const stop = (error: ChannelError): void => {
        outcome ??= error;
        try {
          transaction.abort();
        } catch {
          // Already finished: `complete` or `abort` decides.
        }
      };
      const onAbort = (): void => stop(new ChannelError('CHANNEL_ABORTED', 'The store operation was aborted.', { cause: signal?.reason }));
      const timer = setTimeout(() => stop(timedOut(`no result within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      transaction.oncomplete = () => {
        done();
        resolve(request!.result);
      };
      transaction.onabort = () => {
        done();
        reject(outcome ?? failed('the transaction was aborted', transaction.error ?? request?.error));
      };
      // A request's `error` bubbles here; left unhandled (no preventDefault) it aborts the
      // transaction, and `abort` rejects with it. Nothing of a failed write is kept.
      transaction.onerror = () => {
        outcome ??= failed('the transaction failed', request?.error ?? transaction.error);
      };
      try {
        request = call(transaction.objectStore(OBJECT_STORE));
      } catch (cause) {
        stop(failed('the request was refused', cause));
      }
    });
  };

  const begin = (db: IDBDatabase, mode: IDBTransactionMode): IDBTransaction =>
    mode === 'readwrite' ? db.transaction(OBJECT_STORE, mode, { durability }) : db.transaction(OBJECT_STORE, mode);

  /** The error of a write or delete of `key` that did not complete. */
  const writeFailed =
    (key: string): Failure =>
    (reason, cause) =>
      new ChannelError('CHANNEL_STORE_WRITE_FAILED', `Could not write store entry ${key} durably: ${reason}.`, {
        cause,
        details: describeCause(cause),
        context: { key, databaseName },
      });

  return {
    databaseName,
    async read(key: string, callOptions?: StoreCallOptions) {
      throwIfAborted(callOptions?.signal);
      assertIsStoreKey(key);
      await queue.settled(key);
      const stored = await run<unknown>(
        'readonly',
        (objects) => objects.get(key),
        callOptions?.signal,
        (reason, cause) =>
          new ChannelError('CHANNEL_STORE_CORRUPT', `Cannot read store entry ${key}: ${reason}.`, { cause, details: describeCause(cause), context: { key, databaseName, reason } }),
        unavailable,
      );
      if (stored === undefined) return undefined;
      return await openStoreValue(key, stored);
    },
    write(key: string, value: string, callOptions?: StoreCallOptions) {
      try {
        assertWriteArguments(key, value, callOptions?.signal);
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.enqueue(key, async () => {
        const envelope = await sealStoreValue(value);
        await run('readwrite', (objects) => objects.put(envelope, key), callOptions?.signal, writeFailed(key), writeFailed(key));
      });
    },
    delete(key: string, callOptions?: StoreCallOptions) {
      try {
        throwIfAborted(callOptions?.signal);
        assertIsStoreKey(key);
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.enqueue(key, async () => {
        await run('readwrite', (objects) => objects.delete(key), callOptions?.signal, writeFailed(key), writeFailed(key));
      });
    },
    async list(callOptions?: StoreCallOptions) {
      throwIfAborted(callOptions?.signal);
      const keys = await run('readonly', (objects) => objects.getAllKeys(), callOptions?.signal, unavailable, unavailable);
      return sortedStoreKeys(keys);
    },
    close() {
      const current = database;
      database = undefined;
      void current?.then((db) => db.close(), () => {});
    },
  };
}

function describeCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'object' && 'message' in cause && typeof cause.message === 'string') {
    const name = 'name' in cause && typeof cause.name === 'string' ? `${cause.name}: ` : '';
    return `${name}${cause.message}`;
  }
  return String(cause);
}
