import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, isEncoded, prefixes, type Prefix } from './encoding.js';
import { codeOf } from '../test/codeOf.js';

describe('encode/decode', () => {
  it('reproduces the protocol examples', () => {
    expect(encode(new Uint8Array(32), 'ak')).toBe('ak_11111111111111111111111111111111273Yts');
    expect(encode(new Uint8Array(32), 'kh')).toBe('kh_11111111111111111111111111111111273Yts');
    const pubkey = Uint8Array.from(Buffer.from('b1cad54aca6eb950b0c23762397df0c88370b3b0eddb86e050c7f85daccf6fd6', 'hex'));
    expect(encode(pubkey, 'ak')).toBe('ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS');
    expect(decode('ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1', 'ch')).toEqual(
      Uint8Array.from(Buffer.from('0f38990d561c6b0555d91738f78cc2b33554c8e56492c52349febedcdcc49897', 'hex')),
    );
    expect(decode('cs_yYICbgGEwz8BwHtqgWY=', 'cs')).toEqual(Uint8Array.from(Buffer.from('c982026e0184c33f01c0', 'hex')));
  });

  it('gives a typed error for a wrong prefix, alphabet, checksum or length', () => {
    const ak = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
    expect(codeOf(() => decode(ak, 'ch'))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => decode('zz_abc'))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => decode('noprefix'))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => decode('ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWY0'))).toBe('CODEC_INVALID_ALPHABET');
    expect(codeOf(() => decode('ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYT'))).toBe('CODEC_INVALID_CHECKSUM');
    expect(codeOf(() => decode(encode(new Uint8Array(8), 'ba'), 'ak'))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => decode('ba_0l8E77UMjdvRtTsx'.replace('ba_', 'ak_'), 'ak'))).toMatch(/CODEC_INVALID_/);
    expect(codeOf(() => encode(new Uint8Array(31), 'ak'))).toBe('CODEC_INVALID_LENGTH');
    expect(codeOf(() => decode(42 as unknown as string))).toBe('CODEC_INVALID_PREFIX');
  });

  it('round-trips any bytes for every prefix', () => {
    const all = Object.keys(prefixes) as Prefix[];
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.uint8Array({ maxLength: 80 }), (prefix, bytes) => {
        const size = (prefixes[prefix] as { size?: number }).size;
        const payload = size === undefined ? bytes : Uint8Array.from({ length: size }, (_, i) => bytes[i] ?? i);
        const encoded = encode(payload, prefix);
        expect(isEncoded(encoded, prefix)).toBe(true);
        expect(decode(encoded, prefix)).toEqual(payload);
      }),
    );
  });

  it('detects any single-character change of a base58 value', () => {
    const ak = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
    fc.assert(
      fc.property(fc.integer({ min: 3, max: ak.length - 1 }), fc.constantFrom(...'123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'), (i, ch) => {
        fc.pre(ak[i] !== ch);
        const mutated = ak.slice(0, i) + ch + ak.slice(i + 1);
        expect(codeOf(() => decode(mutated, 'ak'))).toMatch(/^CODEC_INVALID_(CHECKSUM|LENGTH)$/);
      }),
    );
  });

  it('refuses a fixed-size value longer than any encoding of its size before decoding it (issue 11)', () => {
    // base58 decoding is quadratic in the length: a long ak_ in every field of a batch
    // would be work for nothing, so the length is checked first.
    const all = Object.keys(prefixes) as Prefix[];
    for (const prefix of all) {
      const spec = prefixes[prefix] as { base: 58 | 64; size?: number };
      if (spec.size === undefined) continue;
      const longest = encode(new Uint8Array(spec.size).fill(255), prefix);
      expect(decode(longest, prefix)).toHaveLength(spec.size);
      const tooLong = `${prefix}_${(spec.base === 58 ? 'z' : 'A').repeat(longest.length - prefix.length)}`;
      expect(codeOf(() => decode(tooLong, prefix)), prefix).toBe('CODEC_INVALID_LENGTH');
    }
    expect(codeOf(() => decode(`ak_${'z'.repeat(4000)}`, 'ak'))).toBe('CODEC_INVALID_LENGTH');
    expect(codeOf(() => decode(`st_${'A'.repeat(1_000_000)}`))).toBe('CODEC_INVALID_LENGTH');
  });

  it('hands out its own copy of a value it decoded before, which callers may change freely', () => {
    const payload = Uint8Array.of(1, 2, 3, 4, 5);
    const encoded = encode(payload, 'tx');
    payload[0] = 99; // the caller's array, changed after encoding
    const first = decode(encoded, 'tx');
    expect(first).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
    first[1] = 77;
    expect(decode(encoded, 'tx')).toEqual(Uint8Array.of(1, 2, 3, 4, 5));
    expect(isEncoded(encoded, 'tx')).toBe(true);
    expect(isEncoded(encoded, 'ba')).toBe(false);
    // one character off is checked, not taken from the memo
    expect(isEncoded(`${encoded.slice(0, -2)}${encoded.endsWith('A=') ? 'B=' : 'A='}`, 'tx')).toBe(false);
  });
});
