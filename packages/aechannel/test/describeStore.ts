/**
 * The contract every `Store` keeps (Store.ts), run against each implementation: the memory
 * and file stores in `src/createFileStore.test.ts`, the IndexedDB store over fake-indexeddb
 * in `src/createIndexedDbStore.test.ts`.
 */
import { isAechannelError } from '@aechannel/codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Store } from '../src/Store.js';

/** The contract every store keeps. */
export function describeStore(name: string, make: () => Store): void {
  describe(`${name}: Store contract`, () => {
    it('reads back what was written, lists and deletes', async () => {
      const store = make();
      expect(await store.read('ch_a')).toBeUndefined();
      await store.write('ch_a', 'one');
      await store.write('ch_b', 'two');
      await store.write('ch_a', 'three');
      expect(await store.read('ch_a')).toBe('three');
      expect(await store.list()).toEqual(['ch_a', 'ch_b']);
      await store.delete('ch_a');
      await store.delete('ch_missing');
      expect(await store.read('ch_a')).toBeUndefined();
      expect(await store.list()).toEqual(['ch_b']);
    });

    it('rejects invalid keys with CHANNEL_STORE_INVALID_KEY', async () => {
      const store = make();
      for (const key of ['', '../x', 'a/b', '.hidden', 'x'.repeat(201)]) {
        await expect(store.write(key, 'v')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_INVALID_KEY'));
      }
    });

    it('keeps call order for concurrent writes to one key', async () => {
      const store = make();
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.write('ch_order', String(i))));
      expect(await store.read('ch_order')).toBe('19');
    });

    it('honours an aborted signal', async () => {
      const store = make();
      await expect(store.write('ch_a', 'v', { signal: AbortSignal.abort() })).rejects.toSatisfy((e) =>
        isAechannelError(e, 'CHANNEL_ABORTED'),
      );
      expect(await store.read('ch_a')).toBeUndefined();
    });

    it('round-trips arbitrary strings', async () => {
      const store = make();
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (value) => {
          await store.write('ch_prop', value);
          expect(await store.read('ch_prop')).toBe(value);
        }),
        { numRuns: 40 },
      );
    });
  });
}
