import fc from 'fast-check';
import * as RLP from 'rlp';
import { describe, expect, it } from 'vitest';
import { isAechannelError } from '../errors.js';
import { packAccount, unpackAccount } from './account.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const h = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

const errorOf = (fn: () => unknown): { code: string; context: Record<string, unknown> } | undefined => {
  try {
    fn();
  } catch (e) {
    if (isAechannelError(e)) return { code: e.code, context: e.context };
    return { code: `not typed: ${String(e)}`, context: {} };
  }
  return undefined;
};

describe('account object (§2.10)', () => {
  it('serializes the protocol example', () => {
    // PROTOCOL.md §2.10 prints `ca0a0100863faa25225f`, one byte short: 0xca announces a
    // 10-byte payload and 69 999 999 999 999 = 0x3faa25225fff takes 6 bytes.
    expect(hex(packAccount({ nonce: 0n, balance: 69_999_999_999_999n }))).toBe('ca0a0100863faa25225fff');
    expect(unpackAccount(h('ca0a0100863faa25225fff'))).toEqual({ version: 1, nonce: 0n, balance: 69_999_999_999_999n });
    // zero is the single byte 0x00
    expect(hex(packAccount({ nonce: 0n, balance: 0n }))).toBe('c40a010000');
  });

  it('round-trips v1, v2 and v3', () => {
    const ga = 'ct_11111111111111111111111111111111273Yts' as const;
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 200n }), fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.bigInt({ min: 0n, max: 255n }), fc.uint8Array(), (balance, nonce, flags, fun) => {
        for (const account of [
          { version: 1, nonce, balance } as const,
          { version: 3, flags, nonce, balance } as const,
          { version: 2, flags, nonce, balance, gaContract: ga, gaAuthFun: fun } as const,
        ]) {
          const bytes = packAccount(account);
          expect(unpackAccount(bytes)).toEqual(account);
          expect(packAccount(unpackAccount(bytes))).toEqual(bytes);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('names tag and version of an unsupported object', () => {
    expect(errorOf(() => unpackAccount(RLP.encode([10, 4, 0, 0])))).toMatchObject({ code: 'CODEC_UNSUPPORTED_OBJECT', context: { tag: 10, version: 4 } });
    expect(errorOf(() => unpackAccount(RLP.encode([11, 1, 0, 0])))).toMatchObject({ code: 'CODEC_UNSUPPORTED_OBJECT', context: { tag: 11, version: 1 } });
  });

  it('rejects non-minimal integers, wrong field counts and bad RLP', () => {
    expect(errorOf(() => unpackAccount(RLP.encode([h('0a'), h('01'), h('00'), h('0005')])))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => unpackAccount(RLP.encode([h('0a'), h('01'), h('00'), new Uint8Array(0)])))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => unpackAccount(RLP.encode([h('0a'), h('01'), h('00')])))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => unpackAccount(RLP.encode([h('0a'), h('01'), h('00'), [h('01')]])))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => unpackAccount(h('ca0a0100863faa25225fff00')))?.code).toBe('CODEC_INVALID_RLP');
    expect(errorOf(() => unpackAccount(new Uint8Array(0)))?.code).toBe('CODEC_INVALID_RLP');
    expect(errorOf(() => packAccount({ nonce: 0n, balance: -1n }))?.code).toBe('CODEC_INVALID_FIELD');
    expect(errorOf(() => packAccount({ version: 2, flags: 1n, nonce: 0n, balance: 1n, gaContract: 'ak_x' as 'ct_x', gaAuthFun: new Uint8Array() }))?.code).toBe(
      'CODEC_INVALID_FIELD',
    );
  });

  it('gives a typed error or an account for any bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 20 }).map((b) => RLP.encode([10, 1, b, b]))), (bytes) => {
        const e = errorOf(() => unpackAccount(bytes));
        expect(e === undefined || /^CODEC_(INVALID_RLP|INVALID_FIELD|UNSUPPORTED_OBJECT)$/.test(e.code)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
