/**
 * The IndexedDB store over fake-indexeddb (a complete IndexedDB in memory, one fresh
 * `IDBFactory` per test): the Store contract, when a write counts as done, atomic failed
 * writes, checksummed entries and bounded waits. The same store runs in headless Chromium
 * in `packages/browser-tests`.
 */
import { isAechannelError } from '@aechannel/codec';
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStore } from '../test/describeStore.js';
import { rawIndexedDbRequest } from '../test/rawIndexedDb.js';
import { createIndexedDbStore, INDEXEDDB_STORE_DATABASE } from './createIndexedDbStore.js';
import { FILE_STORE_FORMAT } from './storeEnvelope.js';

describeStore('createIndexedDbStore', () => createIndexedDbStore({ indexedDB: new IDBFactory() }));

const raw = rawIndexedDbRequest;
const corrupt = (e: unknown) => isAechannelError(e, 'CHANNEL_STORE_CORRUPT');

describe('createIndexedDbStore: durability', () => {
  it('a write counts as done when it resolves: another connection (a reloaded page) reads it', async () => {
    const factory = new IDBFactory();
    const store = createIndexedDbStore({ indexedDB: factory });
    await store.write('ch_done', 'durable');
    store.close();
    expect(await createIndexedDbStore({ indexedDB: factory }).read('ch_done')).toBe('durable');
    // stored as the file store's checksummed envelope
    const stored = await raw(factory, 'readonly', (objects) => objects.get('ch_done'));
    expect(JSON.parse(stored as string)).toMatchObject({ format: FILE_STORE_FORMAT, value: 'durable', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('writes use a strict-durability transaction unless relaxed is asked for', async () => {
    const seen: string[] = [];
    const original = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof original>) {
      seen.push(this.transaction.durability);
      return original.apply(this, args);
    };
    try {
      await createIndexedDbStore({ indexedDB: new IDBFactory() }).write('ch_s', 'v');
      await createIndexedDbStore({ indexedDB: new IDBFactory(), durability: 'relaxed' }).write('ch_r', 'v');
    } finally {
      IDBObjectStore.prototype.put = original;
    }
    expect(seen).toEqual(['strict', 'relaxed']);
  });

  describe('a write whose transaction does not complete', () => {
    const original = IDBObjectStore.prototype.put;
    afterEach(() => {
      IDBObjectStore.prototype.put = original;
    });

    it('rejects with CHANNEL_STORE_WRITE_FAILED and leaves the previous value (the transaction aborts whole)', async () => {
      const factory = new IDBFactory();
      const store = createIndexedDbStore({ indexedDB: factory });
      await store.write('ch_torn', 'previous state');
      // the browser gives up after the put was issued (quota, crash of the storage backend)
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof original>) {
        const request = original.apply(this, args);
        this.transaction.abort();
        return request;
      };
      await expect(store.write('ch_torn', 'next state')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_WRITE_FAILED'));
      IDBObjectStore.prototype.put = original;
      expect(await createIndexedDbStore({ indexedDB: factory }).read('ch_torn')).toBe('previous state');
      await store.write('ch_torn', 'after the failure');
      expect(await store.read('ch_torn')).toBe('after the failure');
    });

    it('a put the browser refuses (a DataError) is CHANNEL_STORE_WRITE_FAILED with the cause', async () => {
      const store = createIndexedDbStore({ indexedDB: new IDBFactory() });
      IDBObjectStore.prototype.put = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
      const error = await store.write('ch_q', 'v').catch((e: unknown) => e);
      expect(isAechannelError(error, 'CHANNEL_STORE_WRITE_FAILED')).toBe(true);
      expect((error as Error).message).toContain('ch_q');
      expect((error as { details?: string }).details).toContain('QuotaExceededError');
    });

    it('an abort signal that fires while the transaction runs aborts it: CHANNEL_ABORTED, nothing written', async () => {
      const factory = new IDBFactory();
      const store = createIndexedDbStore({ indexedDB: factory });
      await store.write('ch_abort', 'previous');
      const controller = new AbortController();
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof original>) {
        const request = original.apply(this, args);
        controller.abort(new Error('user left'));
        return request;
      };
      await expect(store.write('ch_abort', 'next', { signal: controller.signal })).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_ABORTED'));
      IDBObjectStore.prototype.put = original;
      expect(await store.read('ch_abort')).toBe('previous');
    });
  });

  it('applies writes and deletes to one key in call order', async () => {
    const store = createIndexedDbStore({ indexedDB: new IDBFactory() });
    const done = [store.write('ch_o', '1'), store.delete('ch_o'), store.write('ch_o', '2'), store.write('ch_o', '3')];
    const read = store.read('ch_o');
    await Promise.all(done);
    expect(await read).toBe('3');
  });

  it('reopens after another tab deletes the database (versionchange)', async () => {
    const factory = new IDBFactory();
    const store = createIndexedDbStore({ indexedDB: factory });
    await store.write('ch_v', 'before');
    await new Promise<void>((resolve, reject) => {
      const request = factory.deleteDatabase(INDEXEDDB_STORE_DATABASE);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    expect(await store.read('ch_v')).toBeUndefined();
    await store.write('ch_v', 'after');
    expect(await store.read('ch_v')).toBe('after');
  });
});

describe('createIndexedDbStore: entries are checksummed', () => {
  const cases: [string, (envelope: string) => unknown][] = [
    ['a flipped character (checksum mismatch)', (e) => e.replace('balance 100', 'balance 900')],
    ['a truncated envelope', (e) => e.slice(0, Math.floor(e.length / 2))],
    ['an unknown format', (e) => e.replace(FILE_STORE_FORMAT, 'other/1')],
    ['a value that is not a string', () => ({ round: 7 })],
    ['a missing checksum', (e) => JSON.stringify({ ...(JSON.parse(e) as object), sha256: undefined })],
  ];
  for (const [name, damage] of cases) {
    it(`${name} is CHANNEL_STORE_CORRUPT, never a wrong value`, async () => {
      const factory = new IDBFactory();
      const store = createIndexedDbStore({ indexedDB: factory });
      await store.write('ch_c', 'round 7 balance 100');
      const envelope = (await raw(factory, 'readonly', (objects) => objects.get('ch_c'))) as string;
      await raw(factory, 'readwrite', (objects) => objects.put(damage(envelope), 'ch_c'));
      const error = await store.read('ch_c').catch((e: unknown) => e);
      expect(corrupt(error), String(error)).toBe(true);
      expect((error as { context: { key: string } }).context.key).toBe('ch_c');
    });
  }

  it('lists only valid store keys (foreign entries are ignored)', async () => {
    const factory = new IDBFactory();
    const store = createIndexedDbStore({ indexedDB: factory });
    await store.write('ch_b', 'x');
    await raw(factory, 'readwrite', (objects) => objects.put('x', '../evil'));
    await raw(factory, 'readwrite', (objects) => objects.put('x', 42));
    expect(await store.list()).toEqual(['ch_b']);
  });
});

describe('createIndexedDbStore: platform and bounds', () => {
  it('without IndexedDB (Node) is CHANNEL_STORE_UNAVAILABLE at creation', () => {
    expect(() => createIndexedDbStore()).toThrow(expect.objectContaining({ code: 'CHANNEL_STORE_UNAVAILABLE' }));
  });

  it('a database that never opens (blocked by another tab) rejects within timeoutMs with CHANNEL_STORE_UNAVAILABLE', async () => {
    const opened: IDBOpenDBRequest[] = [];
    const stuck = {
      open: () => {
        const request = {} as IDBOpenDBRequest;
        opened.push(request);
        return request;
      },
    } as unknown as IDBFactory;
    const store = createIndexedDbStore({ indexedDB: stuck, timeoutMs: 20 });
    await expect(store.read('ch_x')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_UNAVAILABLE'));
    await expect(store.write('ch_x', 'v')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_UNAVAILABLE'));
    expect(opened).toHaveLength(2); // a failed open is retried on the next call
  });

  it('a refused open (private mode, storage disabled) is CHANNEL_STORE_UNAVAILABLE with the cause', async () => {
    const refusing = {
      open: () => {
        const request = { error: new DOMException('The user denied permission.', 'InvalidStateError') } as unknown as IDBOpenDBRequest;
        queueMicrotask(() => request.onerror?.(new Event('error')));
        return request;
      },
    } as unknown as IDBFactory;
    const error = await createIndexedDbStore({ indexedDB: refusing }).list().catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_STORE_UNAVAILABLE')).toBe(true);
    expect((error as { details?: string }).details).toContain('InvalidStateError');
  });

  it('rejects invalid options with CHANNEL_INVALID_ARGUMENT naming them', () => {
    const indexedDB = new IDBFactory();
    for (const [options, argument] of [
      [{ indexedDB, databaseName: '' }, 'databaseName'],
      [{ indexedDB, timeoutMs: 0 }, 'timeoutMs'],
      [{ indexedDB, timeoutMs: 1.5 }, 'timeoutMs'],
      [{ indexedDB, durability: 'never' }, 'durability'],
    ] as const) {
      expect(() => createIndexedDbStore(options as never)).toThrow(expect.objectContaining({ code: 'CHANNEL_INVALID_ARGUMENT', context: expect.objectContaining({ argument }) }));
    }
  });

  it('separate database names are separate stores', async () => {
    const factory = new IDBFactory();
    await createIndexedDbStore({ indexedDB: factory, databaseName: 'wallet-a' }).write('ch_k', 'a');
    expect(await createIndexedDbStore({ indexedDB: factory, databaseName: 'wallet-b' }).read('ch_k')).toBeUndefined();
    expect(await createIndexedDbStore({ indexedDB: factory, databaseName: 'wallet-a' }).read('ch_k')).toBe('a');
  });
});
