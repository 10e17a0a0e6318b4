import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAechannelError } from './errors.js';
import { parseJson, stringifyJson } from './json.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isAechannelError(e) ? e.code : `not typed: ${String(e)}`;
  }
  return undefined;
};

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
