import { describe, expect, it } from 'vitest';
import { passesLibsodiumChecks } from './ed25519Rules.js';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((b) => Number.parseInt(b, 16)));
// RFC 8032 §7.1 TEST 1
const pk = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const sig = hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const le32 = (x: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));

describe('passesLibsodiumChecks', () => {
  it('passes a valid RFC 8032 signature and key', () => {
    expect(passesLibsodiumChecks(pk, sig)).toBe(true);
  });

  it('refuses S = L and above, and passes S = L - 1', () => {
    const withS = (s: bigint) => Uint8Array.of(...sig.subarray(0, 32), ...le32(s));
    expect(passesLibsodiumChecks(pk, withS(L))).toBe(false);
    expect(passesLibsodiumChecks(pk, withS(L + 1n))).toBe(false);
    expect(passesLibsodiumChecks(pk, withS((1n << 256n) - 1n))).toBe(false);
    expect(passesLibsodiumChecks(pk, withS(L - 1n))).toBe(true);
  });

  it('refuses small-order keys and R, with or without the sign bit', () => {
    for (const small of ['00'.repeat(32), '01' + '00'.repeat(31), 'ec' + 'ff'.repeat(30) + '7f', 'ee' + 'ff'.repeat(30) + '7f']) {
      const bytes = hex(small);
      const signed = Uint8Array.of(...bytes.subarray(0, 31), bytes[31]! | 0x80);
      for (const key of [bytes, signed]) {
        expect(passesLibsodiumChecks(key, sig)).toBe(false);
        expect(passesLibsodiumChecks(pk, Uint8Array.of(...key, ...sig.subarray(32)))).toBe(false);
      }
    }
  });

  it('refuses a key with y >= p (not small order) and wrong lengths', () => {
    const p = (1n << 255n) - 19n;
    expect(passesLibsodiumChecks(le32(p + 2n), sig)).toBe(false);
    expect(passesLibsodiumChecks(le32(p - 3n), sig)).toBe(true);
    expect(passesLibsodiumChecks(pk.subarray(1), sig)).toBe(false);
    expect(passesLibsodiumChecks(pk, sig.subarray(1))).toBe(false);
  });
});
