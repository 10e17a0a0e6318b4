/**
 * The persistent map against a plain Map model: random change sequences give the same
 * contents, sizes and lookups in every version, and old versions never change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PMap } from './pmap.js';

describe('PMap', () => {
  it('behaves like a copied Map in every version', () => {
    const op = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.integer(), { nil: undefined }));
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 6 }), { maxLength: 60 }), (batches) => {
        let p = PMap.empty<number>();
        let model = new Map<string, number>();
        const versions: [PMap<number>, Map<string, number>][] = [];
        for (const batch of batches) {
          const changes = new Map<string, number | undefined>();
          for (const [k, v] of batch) changes.set(String(k), v);
          p = p.with(changes);
          model = new Map(model);
          for (const [k, v] of changes) {
            if (v === undefined) model.delete(k);
            else model.set(k, v);
          }
          versions.push([p, model]);
        }
        for (const [v, m] of versions) {
          expect(v.size).toBe(m.size);
          expect(new Map(v.entries())).toEqual(m);
          for (let k = 0; k <= 40; k += 1) expect(v.get(String(k))).toBe(m.get(String(k)));
        }
      }),
      { numRuns: 200 },
    );
  });
});
