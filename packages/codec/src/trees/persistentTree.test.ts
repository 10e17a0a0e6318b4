import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, MerklePatriciaTree } from './mpt.js';
import { createIncrementalRoot, PersistentTree } from './persistentTree.js';
import { codeOf } from '../../test/codeOf.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromScratch = (entries: Map<string, Uint8Array>): string =>
  hex(new MerklePatriciaTree([...entries].map(([k, v]) => [Uint8Array.from(Buffer.from(k, 'hex')), v] as const)).rootHash);

/**
 * Keys drawn from a small alphabet of prefixes, so that keys are often prefixes of one
 * another (as contract-store keys `pk ‖ 0x10 ‖ key` are) and share long runs of nibbles.
 */
const keyArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 4 }).map((tail) => Uint8Array.from([0x10, 0x20, ...tail])),
  fc.uint8Array({ minLength: 1, maxLength: 3 }).map((tail) => Uint8Array.from([0x10, ...tail])),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.constantFrom(Uint8Array.of(0x10), Uint8Array.of(0x11), Uint8Array.of(0x01), new Uint8Array(0)),
);
const valueArb = fc.uint8Array({ minLength: 1, maxLength: 48 });
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, value: valueArb }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
);

describe('PersistentTree', () => {
  it('has the root of the tree built from scratch after every set and delete (keys that are prefixes of one another included)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        let tree = PersistentTree.empty;
        const model = new Map<string, Uint8Array>();
        for (const op of ops) {
          if (op.kind === 'set') {
            tree = tree.set(op.key, op.value);
            model.set(hex(op.key), op.value);
          } else {
            tree = tree.delete(op.key);
            model.delete(hex(op.key));
          }
          expect(hex(tree.rootHash)).toBe(fromScratch(model));
          expect(tree.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(tree.get(Uint8Array.from(Buffer.from(k, 'hex')))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves the tree it came from as it was (persistent)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArb, valueArb), { maxLength: 20 }), keyArb, valueArb, (entries, key, value) => {
        const tree = PersistentTree.from(entries);
        const root = hex(tree.rootHash);
        const size = tree.size;
        tree.set(key, value);
        tree.delete(entries[0]?.[0] ?? key);
        expect(hex(tree.rootHash)).toBe(root);
        expect(tree.size).toBe(size);
      }),
      { numRuns: 200 },
    );
  });

  it('is EMPTY_ROOT when empty, deleting an absent key is the same tree, and bad input is typed', () => {
    expect(PersistentTree.empty.rootHash).toEqual(EMPTY_ROOT);
    const one = PersistentTree.empty.set(Uint8Array.of(1), Uint8Array.of(2));
    expect(one.delete(Uint8Array.of(3))).toBe(one);
    expect(one.delete(Uint8Array.of(1)).rootHash).toEqual(EMPTY_ROOT);
    expect(codeOf(() => one.set(Uint8Array.of(1), new Uint8Array(0)))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => one.set('01' as never, Uint8Array.of(1)))).toBe('CODEC_INVALID_FIELD');
  });

  it('keeps its own values: a caller that reuses and changes its value arrays changes neither a tree nor the next incremental root', () => {
    const key = Uint8Array.of(0x10, 0x20);
    const other = Uint8Array.of(0x11);
    const value = Uint8Array.of(1, 2, 3);
    const tree = PersistentTree.from([[key, value], [other, Uint8Array.of(9)]]);
    const expected = fromScratch(new Map([[hex(key), Uint8Array.of(1, 2, 3)], [hex(other), Uint8Array.of(9)]]));
    value.fill(7); // before the root is computed
    expect(hex(tree.rootHash)).toBe(expected);
    expect(tree.get(key)).toEqual(Uint8Array.of(1, 2, 3));

    const root = createIncrementalRoot();
    const buffer = Uint8Array.of(1, 2, 3);
    expect(hex(root([[key, buffer], [other, Uint8Array.of(9)]]))).toBe(expected);
    buffer.set([4, 5, 6]); // the same array, new content, handed over again
    expect(hex(root([[key, buffer], [other, Uint8Array.of(9)]]))).toBe(fromScratch(new Map([[hex(key), Uint8Array.of(4, 5, 6)], [hex(other), Uint8Array.of(9)]])));
    const again = Uint8Array.of(4, 5, 6);
    const before = hex(root([[key, again], [other, Uint8Array.of(9)]]));
    again.fill(0); // changed after the call: the next call with other arrays of the same content is the same root
    expect(hex(root([[key, Uint8Array.of(4, 5, 6)], [other, Uint8Array.of(9)]]))).toBe(before);
  });
});
