import { blake2b } from '@noble/hashes/blake2.js';
import fc from 'fast-check';
import * as RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, MerklePatriciaTree, decodeNode, encodeNode, hexPrefix, mptGet, mptLeaves, mptRoot, type TreeEntry } from './mpt.js';
import { codeOf } from '../../test/codeOf.js';

const h = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b2 = (b: Uint8Array): Uint8Array => blake2b(b, { dkLen: 32 });

/** Distinct keys with non-empty values. */
const entriesArb = (keyLength: fc.Arbitrary<number>, maxLength = 12) =>
  fc
    .uniqueArray(
      keyLength.chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
      { maxLength, selector: (k) => hex(k) },
    )
    .chain((keys) =>
      fc.tuple(fc.constant(keys), fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: keys.length, maxLength: keys.length })),
    )
    .map(([keys, values]) => keys.map((key, i): [Uint8Array, Uint8Array] => [key, values[i] as Uint8Array]));

describe('hexPrefix (§2.11)', () => {
  it('writes the flag nibble and pads even paths', () => {
    expect(hex(hexPrefix([1, 2, 3, 4, 5], false))).toBe('112345');
    expect(hex(hexPrefix([0, 1, 2, 3, 4, 5], false))).toBe('00012345');
    expect(hex(hexPrefix([0xf, 1, 0xc, 0xb, 8], true))).toBe('3f1cb8');
    expect(hex(hexPrefix([0, 0xf, 1, 0xc, 0xb, 8], true))).toBe('200f1cb8');
    expect(hex(hexPrefix([], true))).toBe('20');
    expect(hex(hexPrefix([7], false))).toBe('17');
  });
});

describe('mptRoot', () => {
  it('is EMPTY_ROOT (32 zero bytes) for no entries', () => {
    expect(mptRoot([])).toEqual(new Uint8Array(32));
    expect(EMPTY_ROOT).toEqual(new Uint8Array(32));
  });

  it('hashes a single leaf, forcing the small root to a hash', () => {
    const key = h('ab');
    const leaf = RLP.encode([h('20ab'), h('01')]);
    expect(leaf.length).toBeLessThan(32);
    expect(hex(mptRoot([[key, h('01')]]))).toBe(hex(b2(leaf)));
  });

  it('embeds small branch children and hashes large ones', () => {
    // keys 0x1a and 0x2b: a branch with leaves at slots 1 and 2 (remaining path one nibble)
    const small = RLP.encode([h('3a'), h('05')]);
    const bigValue = new Uint8Array(40).fill(7);
    const big = RLP.encode([h('3b'), bigValue]);
    const branch = RLP.encode([new Uint8Array(0), small, b2(big), ...Array.from({ length: 13 }, () => new Uint8Array(0)), new Uint8Array(0)]);
    const tree = new MerklePatriciaTree([
      [h('1a'), h('05')],
      [h('2b'), bigValue],
    ]);
    expect(hex(tree.rootHash)).toBe(hex(b2(branch)));
    // the node map holds the root and the hashed child, not the embedded one
    expect([...tree.nodes.keys()].sort()).toEqual([hex(b2(branch)), hex(b2(big))].sort());
  });

  it('references an extension child by hash even when small', () => {
    // keys 0xaa01 and 0xaa02 share the prefix a,a,0: ext [hp(aa0), hash(branch)]
    const l1 = RLP.encode([h('20'), h('01')]);
    const l2 = RLP.encode([h('20'), h('02')]);
    const slots: Uint8Array[] = Array.from({ length: 17 }, () => new Uint8Array(0));
    slots[1] = l1;
    slots[2] = l2;
    const branch = RLP.encode(slots);
    expect(branch.length).toBeLessThan(32);
    const ext = RLP.encode([h('1aa0'), b2(branch)]);
    const tree = new MerklePatriciaTree([
      [h('aa01'), h('01')],
      [h('aa02'), h('02')],
    ]);
    expect(hex(tree.rootHash)).toBe(hex(b2(ext)));
    expect(tree.nodes.get(hex(b2(branch)))).toEqual(branch);
    expect(tree.proofNodes([h('aa01')]).map((n) => hex(n.hash))).toEqual([hex(b2(branch)), hex(b2(ext))].sort());
  });

  it('keeps the value of a key that is a prefix of another in the branch value slot', () => {
    const tree = new MerklePatriciaTree([
      [h('ab'), h('01')],
      [h('abcd'), h('02')],
    ]);
    expect(tree.get(h('ab'))).toEqual(h('01'));
    expect(tree.get(h('abcd'))).toEqual(h('02'));
    expect(tree.get(h('abce'))).toBeUndefined();
    expect(tree.get(h('a0'))).toBeUndefined();
    expect(mptLeaves(tree.rootHash, (x) => tree.nodes.get(hex(x))).map((e) => hex(e.key))).toEqual(['ab', 'abcd']);
  });

  it('rejects duplicate keys, empty values and non-bytes with CODEC_INVALID_FIELD', () => {
    expect(codeOf(() => mptRoot([[h('01'), h('01')], [h('01'), h('02')]]))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => mptRoot([[h('01'), new Uint8Array(0)]]))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => mptRoot([['01' as unknown as Uint8Array, h('01')]]))).toBe('CODEC_INVALID_FIELD');
  });

  it('does not depend on insertion order, finds every key, and lists every leaf', () => {
    fc.assert(
      fc.property(entriesArb(fc.integer({ min: 0, max: 4 })), fc.integer(), (entries, seed) => {
        const tree = new MerklePatriciaTree(entries);
        const shuffled = [...entries].sort((a, b) => ((hex(a[0]).length * 31 + seed) % 7) - ((hex(b[0]).length * 31 + seed) % 7));
        expect(mptRoot(shuffled)).toEqual(tree.rootHash);
        expect(mptRoot(entries.map(([key, value]): TreeEntry => ({ key, value })))).toEqual(tree.rootHash);
        for (const [key, value] of entries) expect(tree.get(key)).toEqual(value);
        if (entries.length > 0) {
          const leaves = mptLeaves(tree.rootHash, (x) => tree.nodes.get(hex(x)));
          expect(leaves.map((e) => hex(e.key))).toEqual(entries.map(([k]) => hex(k)).sort());
        }
      }),
      { numRuns: 200 },
    );
  });

  it('changes its root when any value changes', () => {
    fc.assert(
      fc.property(entriesArb(fc.constant(32), 6), fc.nat(), (entries, i) => {
        fc.pre(entries.length > 0);
        const j = i % entries.length;
        const changed = entries.map(([k, v], n): [Uint8Array, Uint8Array] => [k, n === j ? Uint8Array.from([...v, 1]) : v]);
        expect(hex(mptRoot(changed))).not.toBe(hex(mptRoot(entries)));
      }),
      { numRuns: 50 },
    );
  });

  it('proves with only the listed nodes', () => {
    fc.assert(
      fc.property(entriesArb(fc.constant(32), 10), fc.nat(), (entries, i) => {
        fc.pre(entries.length > 0);
        const tree = new MerklePatriciaTree(entries);
        const [key, value] = entries[i % entries.length] as [Uint8Array, Uint8Array];
        const proof = new Map(tree.proofNodes([key]).map((n) => [hex(n.hash), n.rlp]));
        expect(proof.has(hex(tree.rootHash))).toBe(true);
        expect(mptGet(tree.rootHash, key, (x) => proof.get(hex(x)))).toEqual(value);
        const leaves = mptLeaves(tree.rootHash, (x) => proof.get(hex(x)));
        expect(leaves.some((e) => hex(e.key) === hex(key))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('node decoding', () => {
  it('round-trips the three node kinds', () => {
    const nodes = [
      RLP.encode([h('3a'), h('05')]),
      RLP.encode([h('1aa0'), new Uint8Array(32).fill(1)]),
      RLP.encode([...Array.from({ length: 16 }, (_, i) => (i === 3 ? new Uint8Array(32).fill(2) : new Uint8Array(0))), new Uint8Array(0)]),
    ];
    for (const n of nodes) expect(encodeNode(decodeNode(n))).toEqual(n);
  });

  it('rejects malformed nodes with CODEC_INVALID_POI', () => {
    expect(codeOf(() => decodeNode(RLP.encode([h('3a')])))).toBe('CODEC_INVALID_POI');
    expect(codeOf(() => decodeNode(RLP.encode([h('4a'), h('01')])))).toBe('CODEC_INVALID_POI'); // flag 4
    expect(codeOf(() => decodeNode(RLP.encode([h('21'), h('01')])))).toBe('CODEC_INVALID_POI'); // even padding not 0
    expect(codeOf(() => decodeNode(RLP.encode([h('00'), new Uint8Array(32)])))).toBe('CODEC_INVALID_POI'); // empty ext path
    expect(codeOf(() => decodeNode(RLP.encode([h('1a'), h('01')])))).toBe('CODEC_INVALID_POI'); // ext child not a hash
    expect(codeOf(() => decodeNode(RLP.encode([h('3a'), [h('01')]])))).toBe('CODEC_INVALID_POI');
    expect(codeOf(() => decodeNode(h('c3')))).toBe('CODEC_INVALID_POI');
  });

  it('reports a missing node or a hash mismatch on lookup', () => {
    const tree = new MerklePatriciaTree([
      [new Uint8Array(32).fill(1), new Uint8Array(40).fill(1)],
      [new Uint8Array(32).fill(0x21), new Uint8Array(40).fill(2)],
    ]);
    const key = new Uint8Array(32).fill(1);
    expect(codeOf(() => mptGet(tree.rootHash, key, () => undefined))).toBe('CODEC_INVALID_POI');
    const root = tree.nodes.get(hex(tree.rootHash)) as Uint8Array;
    expect(codeOf(() => mptGet(tree.rootHash, key, (x) => (hex(x) === hex(tree.rootHash) ? root : new Uint8Array(40).fill(9))))).toBe(
      'CODEC_INVALID_POI',
    );
  });

  it('never throws anything but typed errors on random nodes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const code = codeOf(() => decodeNode(bytes));
        expect(code === undefined || code === 'CODEC_INVALID_POI').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
