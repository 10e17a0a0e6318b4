import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, parseTypedJson, stringifyJson, stringifyTypedJson } from './json.js';
import { codeOf } from '../test/codeOf.js';

describe('bigint JSON (§1.3)', () => {
  it('parses every integer literal as a bigint, beyond 2^53 exactly', () => {
    expect(parseJson('{"id":-576460752303422107,"amount":10000000000000001,"round":1}')).toEqual({
      id: -576460752303422107n,
      amount: 10000000000000001n,
      round: 1n,
    });
  });

  it('parses fractions and exponents as numbers', () => {
    expect(parseJson('[1.5,1e3,-0.25]')).toEqual([1.5, 1000, -0.25]);
  });

  it('writes bigints as integer literals and round-trips them', () => {
    expect(stringifyJson({ id: -576460752303422107n, ok: true, text: 'x' })).toBe('{"id":-576460752303422107,"ok":true,"text":"x"}');
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n) => {
        expect(parseJson(stringifyJson({ n }))).toEqual({ n });
      }),
    );
  });

  it('gives CODEC_INVALID_JSON for bad text, non-text and values JSON cannot hold', () => {
    expect(codeOf(() => parseJson('{"a":'))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson(undefined as unknown as string))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => parseJson(Buffer.from('{}') as unknown as string))).toBe('CODEC_INVALID_JSON');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => stringifyJson(cyclic))).toBe('CODEC_INVALID_JSON');
    expect(codeOf(() => stringifyJson(undefined))).toBe('CODEC_INVALID_JSON');
  });
});

describe('typed JSON (bigint and number kept apart)', () => {
  it('reads back numbers as numbers and integers as bigints, dropping undefined', () => {
    const value = { round: 7n, now: 1_700_000_000_000, ratio: 0.5, list: [1, 2n, -3], nested: { gone: undefined, id: -576460752303422107n } };
    const text = stringifyTypedJson(value);
    expect(text).toContain('{"$number":"1700000000000"}');
    expect(parseTypedJson(text)).toEqual({ round: 7n, now: 1_700_000_000_000, ratio: 0.5, list: [1, 2n, -3], nested: { id: -576460752303422107n } });
    // plain parseJson would turn the same integer into a bigint
    expect(parseJson(stringifyJson({ now: 5 }))).toEqual({ now: 5n });
  });

  it('round-trips arbitrary plain data exactly', () => {
    const data = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.bigInt(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.string(), fc.boolean(), fc.constant(null)),
      node: fc.oneof({ maxDepth: 3 }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string().filter((k) => k !== '$number' && k !== '__proto__'), tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(data, (value) => {
        expect(parseTypedJson(stringifyTypedJson(value))).toEqual(value);
      }),
    );
  });
});
