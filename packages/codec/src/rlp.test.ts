/**
 * Strict RLP decoding (§2.1) as seen through the public decoders, plus parity with the
 * `rlp` package on canonical input.
 */
import fc from 'fast-check';
import * as RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { encode } from './encoding.js';
import { isAechannelError } from './errors.js';
import { unpackTx } from './packTx.js';
import { decodeRlpItem, MAX_RLP_DEPTH, type RlpItem } from './rlp.js';
import { deserializeObject } from './serializeObject.js';
import { unpackPoi } from './trees/poi.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const errorOf = (fn: () => unknown): { code: string; message: string } | undefined => {
  try {
    fn();
  } catch (e) {
    return isAechannelError(e) ? { code: e.code, message: e.shortMessage } : { code: `not typed: ${String(e)}`, message: '' };
  }
  return undefined;
};

/** Header of a byte string or list payload of `length` bytes (canonical form). */
function header(length: number, offset: 0x80 | 0xc0): number[] {
  if (length < 56) return [offset + length];
  const bytes: number[] = [];
  for (let m = length; m > 0; m = Math.floor(m / 256)) bytes.unshift(m % 256);
  return [offset + 55 + bytes.length, ...bytes];
}

describe('strict RLP (§2.1)', () => {
  // Account [10, 1, 0, 5] is c4 0a 01 00 05; each case breaks one rule around it.
  it.each([
    ['trailing bytes', 'c40a01000500', /trailing/],
    ['a single byte below 0x80 with a prefix', 'c50a0100 8105', /single byte/],
    ['a long-form string for a short length', 'c60a0100 b80105', /long form/],
    ['a long-form list for a short length', 'f8040a010005', /long form/],
    ['a length-of-length with a leading zero', 'f900040a010005', /leading zero/],
    ['a string running past its list', 'c40a010082', /past the end/],
    ['a list running past the input', 'c50a010005', /past the end/],
    ['a missing length', 'b8', /not enough bytes/],
    ['empty input', '', /empty/],
  ])('refuses %s', (_, bytes, message) => {
    const error = errorOf(() => deserializeObject(hex(bytes)));
    expect(error?.code).toBe('CODEC_INVALID_RLP');
    expect(error?.message).toMatch(message);
  });

  it('still accepts the canonical form', () => {
    expect(deserializeObject(hex('c40a010005'))).toEqual({ tag: 10, version: 1, nonce: 0n, balance: 5n });
  });

  it('decodes canonical input exactly as the rlp package does', () => {
    const itemArb = fc.letrec<{ item: RlpItem }>((tie) => ({
      item: fc.oneof(
        { depthSize: 'small' },
        fc.uint8Array({ maxLength: 70 }),
        fc.array(tie('item'), { maxLength: 6 }),
      ),
    })).item;
    fc.assert(
      fc.property(itemArb, (item) => {
        const bytes = RLP.encode(item);
        expect(decodeRlpItem(bytes)).toEqual(RLP.decode(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the rlp package on which random bytes are valid', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        let expected: unknown;
        try {
          expected = RLP.decode(bytes);
        } catch {
          expected = 'invalid';
        }
        const error = errorOf(() => decodeRlpItem(bytes));
        if (expected === 'invalid') expect(error?.code).toBe('CODEC_INVALID_RLP');
        else expect(decodeRlpItem(bytes)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns byte strings that do not alias the input', () => {
    const input = hex('c40a010005');
    const decoded = decodeRlpItem(input) as Uint8Array[];
    input[4] = 9;
    expect(decoded[3]).toEqual(Uint8Array.of(5));
  });
});

describe('hostile RLP sizes', () => {
  // `rlp@3` copied the rest of the input after each item, so this 500 kB list took about
  // 30 s and 1 MB almost 4 minutes (quadratic). The test asserts only the outcome; a
  // regression shows up as vitest's timeout.
  it('reads a 500 kB list of one-byte items in one pass', () => {
    const n = 500_000;
    const head = header(n, 0xc0);
    const full = new Uint8Array(head.length + n).fill(1);
    // [11, 1, 1, 1, ...]: a signed tx header with far too many fields
    full.set([...head, 0x0b, 0x01]);
    const item = decodeRlpItem(full) as Uint8Array[];
    expect(item).toHaveLength(n);
    expect(errorOf(() => deserializeObject(full))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => unpackTx(encode(full, 'tx')))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => unpackPoi(full))?.code).toMatch(/^CODEC_(UNSUPPORTED_OBJECT|INVALID_FIELD)$/);
  });

  it(`refuses lists nested deeper than ${MAX_RLP_DEPTH}, at any depth of input`, () => {
    const nest = (levels: number): Uint8Array => {
      // built from the inside out: headers first, then one c0
      const headers: number[][] = [];
      let length = 1;
      for (let i = 0; i < levels; i += 1) {
        const h = header(length, 0xc0);
        headers.push(h);
        length += h.length;
      }
      return Uint8Array.from([...headers.reverse().flat(), 0xc0]);
    };
    expect(decodeRlpItem(nest(MAX_RLP_DEPTH - 1))).toBeInstanceOf(Array);
    for (const levels of [MAX_RLP_DEPTH, 100_000]) {
      const error = errorOf(() => decodeRlpItem(nest(levels)));
      expect(error?.code).toBe('CODEC_INVALID_RLP');
      expect(error?.message).toMatch(/nested deeper/);
    }
  });
});
