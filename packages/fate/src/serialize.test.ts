/**
 * FATE value serialization against the aebytecode vectors of CONTRACTS.md §8.1, strict
 * decoding, and round-trip properties.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAechannelError } from '@aechannel/codec';
import { compareValues } from './order.js';
import { deserializeValue, keyOf, serializeValue } from './serialize.js';
import {
  EMPTY_MAP, fBits, fBytes, fObject, fSome, fString, fTuple, fTypeRep, fVariant, listFromArray, NIL, NONE, UNIT,
  type FateMap, type FateValue,
} from './values.js';
import { errorOf } from '../test/errorOf.js';

function map(entries: [FateValue, FateValue][]): FateMap {
  return { kind: 'map', entries: new Map(entries.map(([k, v]) => [keyOf(k), [k, v] as const])) };
}
const one = (kind: 'address' | 'contract' | 'oracle' | 'oracle_query' | 'channel') => fObject(kind, hexToBytes(`${'00'.repeat(31)}01`));
const range = (n: number) => Array.from({ length: n }, (_, i) => BigInt(i + 1));

const VECTORS: [string, FateValue, string][] = [
  ['0', 0n, '00'], ['1', 1n, '02'], ['63', 63n, '7e'], ['64', 64n, '6f00'], ['65599', 65599n, '6f82ffff'],
  ['2^1024+64', 2n ** 1024n + 64n, `6fb88101${'00'.repeat(128)}`],
  ['-1', -1n, '82'], ['-63', -63n, 'fe'], ['-64', -64n, 'ef00'], ['-65', -65n, 'ef01'],
  ['65', 65n, '6f01'], ['1000', 1000n, '6f8203a8'], ['2^64', 2n ** 64n, '6f88ffffffffffffffc0'],
  ['big negative', -32432847932847928374983n, 'ef8a06de302e7e550ee7f687'],
  ['true', true, 'ff'], ['false', false, '7f'], ['unit', UNIT, '3f'], ['[]', NIL, '03'], ['""', fString(''), '5f'],
  ['empty map', EMPTY_MAP, '2f00'], ['"Hello"', fString('Hello'), '1548656c6c6f'],
  ['63 a', fString('a'.repeat(63)), `fd${'61'.repeat(63)}`], ['64 a', fString('a'.repeat(64)), `0100${'61'.repeat(64)}`],
  ['bytes', fBytes(hexToBytes('01020304')), '9f011101020304'], ['empty bytes', fBytes(new Uint8Array(0)), '9f015f'],
  ['address', one('address'), `9f00a0${'00'.repeat(31)}01`], ['contract', one('contract'), `9f02a0${'00'.repeat(31)}01`],
  ['oracle', one('oracle'), `9f03a0${'00'.repeat(31)}01`], ['query', one('oracle_query'), `9f04a0${'00'.repeat(31)}01`],
  ['channel', one('channel'), `9f05a0${'00'.repeat(31)}01`],
  ['[true]', listFromArray([true]), '13ff'], ['[1,2,3]', listFromArray([1n, 2n, 3n]), '33020406'],
  ['list 1..16', listFromArray(range(16)), `1f00${range(16).map((i) => (Number(i) * 2).toString(16).padStart(2, '0')).join('')}`],
  ['{true,42}', fTuple([true, 42n]), '2bff54'],
  ['tuple 1..15', fTuple(range(15)), `fb${range(15).map((i) => (Number(i) * 2).toString(16).padStart(2, '0')).join('')}`],
  ['tuple 1..16', fTuple(range(16)), `0b00${range(16).map((i) => (Number(i) * 2).toString(16).padStart(2, '0')).join('')}`],
  ['#{1=>true,2=>false}', map([[2n, false], [1n, true]]), '2f0202ff047f'],
  ['#{"foo"=>{42,true}}', map([[fString('foo'), fTuple([42n, true])]]), '2f010d666f6f2b54ff'],
  ['shorter key first', map([[fString('aa'), 2n], [fString('b'), 1n]]), '2f020562020961610' + '4'],
  ['bits 0', fBits(0n), '4f00'], ['bits 1', fBits(1n), '4f01'], ['bits 255', fBits(255n), '4f81ff'], ['bits -1', fBits(-1n), 'cf01'],
  ['None', NONE, 'af820001003f'], ['Some(42)', fSome(42n), 'af820001011b54'],
  ['variant [1,2,3] 0', fVariant([1, 2, 3], 0, [42n]), 'af83010203001b54'], ['variant [2,0] 1', fVariant([2, 0], 1, []), 'af820200013f'],
  ['variant 0..5 tag 3', fVariant([0, 1, 2, 3, 4, 5], 3, [true, listFromArray([1n, 2n, 3n]), fString('foo')]), 'af86000102030405033bff330204060d666f6f'],
  ['store map 0', { kind: 'store_map', id: 0, cache: new Map() }, 'bf00'],
  ['store map 1', { kind: 'store_map', id: 1, cache: new Map() }, 'bf01'],
  ['typerep int', fTypeRep({ t: 'integer' }), '07'], ['typerep any', fTypeRep({ t: 'any' }), 'f7'],
  ['typerep address', fTypeRep({ t: 'object', kind: 'address' }), '4700'],
  ['typerep bytes(32)', fTypeRep({ t: 'bytes', size: 32 }), '9740'], ['typerep bytes()', fTypeRep({ t: 'bytes', size: -1 }), '9782'],
  ['typerep list(int)', fTypeRep({ t: 'list', elem: { t: 'integer' } }), '2707'],
  ['typerep (int,string)', fTypeRep({ t: 'tuple', elems: [{ t: 'integer' }, { t: 'string' }] }), '37020777'],
  ['typerep map(string,int)', fTypeRep({ t: 'map', key: { t: 'string' }, value: { t: 'integer' } }), '677707'],
  ['typerep option(int)', fTypeRep({ t: 'variant', constructors: [[], [{ t: 'integer' }]] }), '87023700370107'],
  ['typerep tvar 0', fTypeRep({ t: 'tvar', n: 0 }), 'e700'],
  ['contract_bytearray', { kind: 'contract_bytearray', bytes: hexToBytes('010203') }, '8f06010203'],
  ['calldata init()', fTuple([fString(hexToBytes('44d6441f')), UNIT]), '2b1144d6441f3f'],
  ['calldata main_(42)', fTuple([fString(hexToBytes('b7fb76c0')), fTuple([42n])]), '2b11b7fb76c01b54'],
];

describe('FATE serialization (CONTRACTS.md §8.1)', () => {
  it.each(VECTORS)('%s', (_name, value, hex) => {
    expect(bytesToHex(serializeValue(value))).toBe(hex);
    const back = deserializeValue(hexToBytes(hex));
    expect(compareValues(back, value)).toBe(0);
    expect(bytesToHex(serializeValue(back))).toBe(hex);
  });

  it.each([
    ['negative zero', '80'], ['empty-map tag', 'df'], ['trailing byte', '0000'], ['non-minimal big int', '6f8100'],
    ['unsorted map keys', '2f0204ff027f'], ['duplicate map keys', '2f0202ff027f'], ['map key holding a map', '2f012f0000'],
    ['variant tag out of range', 'af820001023f'], ['variant arity mismatch', 'af820001013f'], ['negative bits zero', 'cf00'],
    ['short address', '9f00811f'], ['truncated string', '1548'], ['unknown object type', '9f01a0'],
  ])('rejects %s with FATE_INVALID_VALUE', (_name, hex) => {
    const err = errorOf(() => deserializeValue(hexToBytes(hex)));
    expect(isAechannelError(err, 'FATE_INVALID_VALUE')).toBe(true);
  });
});

const leaf: fc.Arbitrary<FateValue> = fc.oneof(
  fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
  fc.boolean(),
  fc.uint8Array({ maxLength: 80 }).map((b) => fString(b)),
  fc.uint8Array({ maxLength: 40 }).map((b) => fBytes(b)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(fBits),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => fObject('address', b)),
);
const { value: arbValue } = fc.letrec<{ value: FateValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 18 }).map(fTuple),
    fc.array(tie('value'), { maxLength: 18 }).map(listFromArray),
    fc.array(fc.tuple(leaf, tie('value')), { maxLength: 6 }).map(map),
    fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }), fc.nat(), fc.array(tie('value'), { maxLength: 3 }))
      .map(([arities, tag, vals]) => {
        const t = tag % arities.length;
        const a = [...arities];
        a[t] = vals.length;
        return fVariant(a, t, vals);
      }),
  ),
}));

describe('serialization properties', () => {
  it('round-trips any value', () => {
    fc.assert(
      fc.property(arbValue, (v) => {
        const bytes = serializeValue(v);
        const back = deserializeValue(bytes);
        expect(bytesToHex(serializeValue(back))).toBe(bytesToHex(bytes));
        expect(compareValues(back, v)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes any bytes to a value that re-encodes to exactly them, or fails with a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        let v: FateValue;
        try {
          v = deserializeValue(bytes);
        } catch (e) {
          expect(isAechannelError(e, 'FATE_INVALID_VALUE')).toBe(true);
          return;
        }
        expect(bytesToHex(serializeValue(v))).toBe(bytesToHex(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});
