import fc from 'fast-check';
import * as RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Encoded } from '../encoding.js';
import { isAechannelError } from '../errors.js';
import { packAccount } from './account.js';
import { computeStateHash } from './stateHash.js';
import { EMPTY_CALLS_TREE, packCallsTree, packStateTrees, stateTreesHash, unpackCallsTree, unpackStateTrees } from './stateTrees.js';
import { codeOf } from '../../test/codeOf.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const int = (b: unknown): number => Number.parseInt(hex(b as Uint8Array) || '0', 16);

const initiator = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
const responder = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W';

const balancesArb = fc
  .uniqueArray(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 8, selector: hex })
  .chain((keys) => fc.array(fc.bigInt({ min: 0n, max: 2n ** 90n }), { minLength: keys.length, maxLength: keys.length }).map((v) => ({ keys, v })))
  .map(({ keys, v }) => Object.fromEntries(keys.map((k, i) => [encode(k, 'ak'), v[i] as bigint])) as Record<Encoded<'ak'>, bigint>);

describe('state trees ss_ (§2.11)', () => {
  it('lays out tag 62 v0 with sub-trees 621..626, each an mtree', () => {
    const ss = packStateTrees({ accounts: { [initiator]: 69_999_999_999_999n, [responder]: 40_000_000_000_001n } });
    const top = RLP.decode(decode(ss, 'ss')) as Uint8Array[];
    expect(top.slice(0, 2).map(int)).toEqual([62, 0]);
    expect(top).toHaveLength(8);
    const parts = top.slice(2).map((p) => RLP.decode(p) as Uint8Array[]);
    expect(parts.map((p) => [int(p[0]), int(p[1])])).toEqual([[621, 1], [622, 1], [623, 1], [624, 1], [625, 1], [626, 1]]);
    // an empty sub-tree, e.g. calls: c9 82026e 01 84 c33f01c0
    expect(hex(top[3] as Uint8Array)).toBe('c982026e0184c33f01c0');
    const mtree = RLP.decode((parts[5] as Uint8Array[])[2] as Uint8Array) as unknown[];
    expect([int(mtree[0]), int(mtree[1])]).toEqual([63, 1]);
    const values = (mtree[2] as Uint8Array[]).map((v) => RLP.decode(v) as Uint8Array[]);
    // descending key order: b1ca... (initiator) before 5087... (responder)
    expect(values.map((v) => [int(v[0]), int(v[1]), hex(v[2] as Uint8Array).slice(0, 4)])).toEqual([
      [64, 1, 'b1ca'],
      [64, 1, '5087'],
    ]);
    expect(values[0]?.[3]).toEqual(packAccount({ nonce: 0n, balance: 69_999_999_999_999n }));
  });

  it('round-trips byte for byte and decodes the accounts', () => {
    const ss = packStateTrees({
      accounts: { [initiator]: 5n, [responder]: 7n },
      contracts: [{ key: h('01'), value: h('aa') }, { key: h('0102'), value: h('bb') }],
      calls: [{ key: h('ff'), value: h('cc') }],
    });
    const trees = unpackStateTrees(ss);
    expect(trees.balances).toEqual({ [initiator]: 5n, [responder]: 7n });
    expect(trees.decodedAccounts[initiator]).toEqual({ version: 1, nonce: 0n, balance: 5n });
    expect(trees.contracts.map((e) => hex(e.key))).toEqual(['0102', '01']);
    expect(packStateTrees(trees)).toBe(ss);
    expect(unpackStateTrees(decode(ss, 'ss')).accounts).toEqual(trees.accounts);
  });

  it('gives the same state hash as computeStateHash', () => {
    fc.assert(
      fc.property(balancesArb, (balances) => {
        const ss = packStateTrees({ accounts: balances });
        expect(stateTreesHash(ss)).toBe(computeStateHash(balances));
        expect(stateTreesHash(unpackStateTrees(ss))).toBe(computeStateHash(balances));
        expect(unpackStateTrees(ss).balances).toEqual(balances);
      }),
      { numRuns: 100 },
    );
  });

  it('puts the other roots into the state hash', () => {
    const balances = { [initiator]: 5n };
    expect(stateTreesHash({ accounts: balances, calls: [{ key: h('01'), value: h('02') }] })).not.toBe(computeStateHash(balances));
  });

  it('rejects unsorted or duplicate keys, empty values and bad accounts', () => {
    const valueOf = (key: string, value: string): Uint8Array => RLP.encode([64, 1, h(key), h(value)]);
    const withAccounts = (values: Uint8Array[]): Uint8Array => {
      const parts = [621, 622, 623, 624, 625].map((tag) => RLP.encode([h(tag.toString(16).padStart(4, '0')), 1, RLP.encode([63, 1, []])]));
      return RLP.encode([62, h('00'), ...parts, RLP.encode([h('0272'), 1, RLP.encode([63, 1, values])])]);
    };
    const k1 = '01'.repeat(32);
    const k2 = '02'.repeat(32);
    const acc = hex(packAccount({ nonce: 0n, balance: 1n }));
    expect(unpackStateTrees(withAccounts([valueOf(k2, acc), valueOf(k1, acc)])).accounts).toHaveLength(2);
    expect(codeOf(() => unpackStateTrees(withAccounts([valueOf(k1, acc), valueOf(k2, acc)])))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => unpackStateTrees(withAccounts([valueOf(k1, acc), valueOf(k1, acc)])))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => unpackStateTrees(withAccounts([valueOf(k1, '')])))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => unpackStateTrees(withAccounts([valueOf('01', acc)])))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => unpackStateTrees(withAccounts([valueOf(k1, 'c3010203')])))).toBe('CODEC_UNSUPPORTED_OBJECT');
    expect(codeOf(() => packStateTrees({ calls: [{ key: h('01'), value: h('01') }, { key: h('01'), value: h('02') }] }))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => packStateTrees({ accounts: { [initiator]: -5n } }))).toBe('CODEC_INVALID_FIELD');
  });

  it('names tag and version of an unsupported object', () => {
    try {
      unpackStateTrees(RLP.encode([62, 1, 0, 0, 0, 0, 0, 0]));
      expect.unreachable();
    } catch (e) {
      expect(isAechannelError(e, 'CODEC_UNSUPPORTED_OBJECT') && e.context).toMatchObject({ tag: 62, version: 1 });
    }
  });
});

describe('calls trees cs_ (§2.11)', () => {
  it('encodes the empty calls tree as in the spec', () => {
    expect(packCallsTree([])).toBe(EMPTY_CALLS_TREE);
    expect(hex(decode(EMPTY_CALLS_TREE, 'cs'))).toBe('c982026e0184c33f01c0');
    expect(unpackCallsTree(EMPTY_CALLS_TREE)).toEqual([]);
  });

  it('round-trips entries in descending key order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uint8Array({ maxLength: 40 }), { maxLength: 6, selector: hex }), (keys) => {
        const entries = keys.map((key) => ({ key, value: Uint8Array.of(1, ...key) }));
        const cs = packCallsTree(entries);
        const back = unpackCallsTree(cs);
        expect(back.map((e) => hex(e.key))).toEqual(keys.map(hex).sort().reverse());
        expect(packCallsTree(back)).toBe(cs);
      }),
      { numRuns: 100 },
    );
  });
});

describe('random input', () => {
  const allowed = /^CODEC_(INVALID_RLP|INVALID_FIELD|UNSUPPORTED_OBJECT|INVALID_PREFIX|INVALID_CHECKSUM|INVALID_LENGTH|INVALID_ALPHABET)$/;
  const rlpArb = fc.letrec<{ item: unknown }>((tie) => ({
    item: fc.oneof({ depthSize: 'small' }, fc.uint8Array({ maxLength: 34 }), fc.constantFrom(62, 63, 64, 622, 626, 0, 1, 10), fc.array(tie('item'), { maxLength: 8 })),
  })).item;
  it('gives a typed error or a valid object for any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), rlpArb.map((x) => RLP.encode(x as RLP.Input))), (bytes) => {
        for (const fn of [() => unpackStateTrees(bytes), () => unpackCallsTree(bytes), () => stateTreesHash(bytes)]) {
          const code = codeOf(fn);
          expect(code === undefined || allowed.test(code), code).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
    expect(codeOf(() => unpackStateTrees('ss_abc' as Encoded<'ss'>))).toMatch(allowed);
    expect(codeOf(() => unpackCallsTree('pi_yYICbgGEwz8BwHtqgWY=' as Encoded<'cs'>))).toBe('CODEC_INVALID_PREFIX');
  });

  it('accepts mutated valid trees only when they decode to a valid object', () => {
    const ss = decode(packStateTrees({ accounts: { [initiator]: 5n, [responder]: 7n }, calls: [{ key: h('01'), value: h('02') }] }), 'ss');
    fc.assert(
      fc.property(fc.nat(ss.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = Uint8Array.from(ss);
        m[i] = (m[i] as number) ^ x;
        let out: ReturnType<typeof unpackStateTrees> | undefined;
        const code = codeOf(() => (out = unpackStateTrees(m)));
        if (code !== undefined) expect(code).toMatch(allowed);
        else expect(packStateTrees(out as ReturnType<typeof unpackStateTrees>)).toBe(encode(m, 'ss'));
      }),
      { numRuns: 500 },
    );
  });
});
