import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Encoded } from '../encoding.js';
import { mptRoot } from './mpt.js';
import { balancesToEntries, computeStateHash, stateHashFromRoots } from './stateHash.js';
import { codeOf } from '../../test/codeOf.js';

const hex = (st: Encoded<'st'>): string => Buffer.from(decode(st, 'st')).toString('hex');

// PROTOCOL.md §12: participants of each seed.
interface Seed {
  readonly initiator: Encoded<'ak'>;
  readonly responder: Encoded<'ak'>;
}

const seed000: Seed = {
  initiator: 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS',
  responder: 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W',
};
// seed 004 = client_reconnect_responder.txt (initiator_id / responder_id of its URLs)
const seed004: Seed = {
  initiator: 'ak_Soj4M7ojYxbWvNf8vNYSZZ9TnMWL7r4sF2wUmktKdc8qqC1w2',
  responder: 'ak_zz66HmMbYFXsfeo6f576yHyCk39sMKSFtbaxP9SyebwfczbYR',
};
const seed003: Seed = {
  initiator: 'ak_p5mwxAHVY4fqWNqYDvGLfTAWGGra3B4zuNQayyHZZwS9bKrRx',
  responder: 'ak_2J29WNS9gzYvK6VWkQQqmAyUu8DH7zHQ1CaN2hZr8B7cxGKNZn',
};

const vectors: [Seed, bigint, bigint, string][] = [
  [seed000, 69_999_999_999_999n, 40_000_000_000_001n, '243581003d755f088930c54b5e664961dea4adbd7674e086dcd0f52475e10e0b'],
  [seed000, 69_999_999_999_997n, 40_000_000_000_001n, 'fa688c91a74ab89e362929437b12813c7464b5c0a1b18ad848627ea8a8cdd822'],
  [seed000, 69_999_999_999_999n, 39_999_999_999_999n, '8b440ac055c4691c90c9482960f4e55a7262ea18946aaa7a891992ddf1d864af'],
  [seed004, 69_999_999_999_999n, 40_000_000_000_001n, '4446009fd82dd9f4b1e8fd9de75a73917324b05f5ca4b619fe9976a2d78a016f'],
  [seed004, 69_999_999_999_998n, 40_000_000_000_002n, 'aa80fb033e8f3ed7a58563d7121250f5fcb8726b4576249fb4eb3f58a7e194c2'],
  // seed 003: transfers relative to round 5 balances 69 999 999 999 999 / 40 000 000 000 001
  [seed003, 69_999_999_999_998n, 40_000_000_000_002n, '8f3ac50206c6d75ebc4a56bb17cde6aa26123381174850123df0afa71cfed197'],
  [seed003, 69_999_999_999_997n, 40_000_000_000_003n, '50b26fa5fc7e778cf969554c7bd19fdff1893e8ba3493b9ef486c2e107ab7203'],
  [seed003, 70_000_000_000_000n, 40_000_000_000_000n, 'c032893c08937b3b6b0c682f292bd9061091c562f358b0e24d32a413f280fd09'],
  [seed003, 70_000_000_000_001n, 39_999_999_999_999n, '8a9b5db6de62c1dc83e2eb3e7b0ad62c505abc7c96836d00aa89f44a2281bed3'],
];

describe('computeStateHash', () => {
  it.each(vectors)('reproduces the §12 state hash %#', (seed, i, r, expected) => {
    expect(hex(computeStateHash({ [seed.initiator]: i, [seed.responder]: r }))).toBe(expected);
    // key order of the record does not matter
    expect(hex(computeStateHash({ [seed.responder]: r, [seed.initiator]: i }))).toBe(expected);
  });

  it('hashes an empty state as the hash of the version and six zero roots', () => {
    expect(computeStateHash({})).toBe(stateHashFromRoots({}));
    expect(computeStateHash({})).not.toBe(computeStateHash({ [seed000.initiator]: 0n }));
  });

  it('treats ak_ and ct_ ids as the same 32-byte key', () => {
    const key = decode(seed000.initiator, 'ak');
    const asCt = encode(key, 'ct');
    expect(computeStateHash({ [asCt]: 5n })).toBe(computeStateHash({ [seed000.initiator]: 5n }));
    expect(codeOf(() => computeStateHash({ [asCt]: 5n, [seed000.initiator]: 5n }))).toBe('CODEC_INVALID_FIELD');
  });

  it('rejects bad ids and amounts with typed errors', () => {
    expect(codeOf(() => computeStateHash({ [seed000.initiator]: -1n }))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => computeStateHash({ [seed000.initiator]: 1 as unknown as bigint }))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => computeStateHash({ ['ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1' as Encoded<'ak'>]: 1n }))).toBe(
      'CODEC_INVALID_PREFIX',
    );
    expect(codeOf(() => computeStateHash(null as unknown as Record<Encoded<'ak'>, bigint>))).toBe('CODEC_INVALID_FIELD');
  });

  it('changes with any balance change', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 100n }), fc.bigInt({ min: 1n, max: 2n ** 20n }), (a, d) => {
        const base = computeStateHash({ [seed000.initiator]: a, [seed000.responder]: 7n });
        expect(computeStateHash({ [seed000.initiator]: a + d, [seed000.responder]: 7n })).not.toBe(base);
      }),
      { numRuns: 50 },
    );
  });
});

describe('computeStateHash encoding', () => {
  it('writes the state hash as st_ base64check', () => {
    expect(computeStateHash({ [seed000.initiator]: 69_999_999_999_999n, [seed000.responder]: 40_000_000_000_001n })).toBe(
      'st_JDWBAD11XwiJMMVLXmZJYd6krb12dOCG3ND1JHXhDgsqc5lj',
    );
  });
});

describe('computeStateHash, remembered', () => {
  it('answers balances hashed before from memory, never input that would fail', () => {
    const { initiator, responder } = seed000;
    const good = { [initiator]: 69_999_999_999_999n, [responder]: 40_000_000_000_001n };
    expect(computeStateHash(good)).toBe('st_JDWBAD11XwiJMMVLXmZJYd6krb12dOCG3ND1JHXhDgsqc5lj');
    computeStateHash({ [initiator]: 1n, [responder]: 2n }); // something else in between
    expect(computeStateHash({ ...good })).toBe('st_JDWBAD11XwiJMMVLXmZJYd6krb12dOCG3ND1JHXhDgsqc5lj');
    // one id spelling both entries of the remembered state (as a key would join them) is no id
    const spelled = `${initiator}\u000069999999999999\u0000${responder}`;
    expect(codeOf(() => computeStateHash({ [spelled]: 40_000_000_000_001n } as never))).toMatch(/^CODEC_INVALID_/);
    expect(codeOf(() => computeStateHash({ [initiator]: -1n, [responder]: 2n }))).toBe('CODEC_INVALID_FIELD');
  });
});

describe('computeStateHash, incremental', () => {
  it('gives the from-scratch hash over any sequence of rounds (the accounts tree is updated, not rebuilt)', () => {
    const ids = [seed000.initiator, seed000.responder, seed004.initiator, seed004.responder, encode(new Uint8Array(32).fill(9), 'ct')] as const;
    const balancesArb = fc
      .subarray([...ids], { minLength: 1 })
      .chain((picked) => fc.tuple(fc.constant(picked), fc.array(fc.bigInt({ min: 0n, max: 2n ** 80n }), { minLength: picked.length, maxLength: picked.length })))
      .map(([picked, amounts]) => Object.fromEntries(picked.map((id, i) => [id, amounts[i]!])) as Record<Encoded<'ak'>, bigint>);
    fc.assert(
      fc.property(fc.array(balancesArb, { minLength: 1, maxLength: 12 }), (rounds) => {
        for (const balances of rounds) {
          const scratch = stateHashFromRoots({ accounts: mptRoot(balancesToEntries(balances)) });
          expect(computeStateHash(balances)).toBe(scratch);
          // the same balances again (remembered by their content)
          expect(computeStateHash({ ...balances })).toBe(scratch);
        }
      }),
      { numRuns: 200 },
    );
  });
});
