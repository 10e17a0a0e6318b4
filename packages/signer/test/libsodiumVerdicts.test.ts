/**
 * Every verification backend gives the verdict of libsodium's `crypto_sign_verify_detached`,
 * which the node verifies with: RFC 8032's vectors and crafted edge cases (small-order keys
 * and `R`, non-canonical `S` and keys, mixed-order points), answered by libsodium 1.0.18
 * (`fixtures/ed25519-libsodium.json`). OpenSSL alone accepts 10 of them that libsodium
 * refuses; codec's `passesLibsodiumChecks` closes the gap on every path.
 */
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeVerifier } from '../src/nodeCrypto.js';
import { getSodium, sodiumSignerWith, sodiumVerifier } from '../src/sodium.js';
import { nobleVerify, webCryptoVerify, type VerifyFn } from '../src/verifier.js';
import { hex, sodiumNative, toHex } from './helpers.js';
import fixture from './fixtures/ed25519-libsodium.json' with { type: 'json' };
import { rfc8032Vectors } from './rfc8032.js';

// (sodium-native itself, also when AECHANNEL_SODIUM=0 turns it off for the package)
const sodium = sodiumNative;

describe('Ed25519 verdicts of every backend are libsodium’s', () => {
  it('has the libsodium cases, valid and invalid, and the package loads sodium-native unless AECHANNEL_SODIUM=0', () => {
    expect(fixture.source).toMatch(/^libsodium /);
    expect(fixture.cases.filter((c) => c.valid).length).toBeGreaterThan(5);
    expect(fixture.cases.filter((c) => !c.valid).length).toBeGreaterThan(30);
    expect(getSodium()).toBe(process.env['AECHANNEL_SODIUM'] === '0' ? undefined : sodium);
  });

  const backends: [string, VerifyFn][] = [
    ['libsodium (sodium-native)', sodiumVerifier(sodium)],
    ['node:crypto', nodeVerifier(crypto)],
    ['webcrypto', webCryptoVerify(crypto.webcrypto.subtle as SubtleCrypto)],
    ['noble', nobleVerify],
  ];
  for (const [name, verify] of backends) {
    it(`${name}: all ${fixture.cases.length} cases`, async () => {
      const wrong: string[] = [];
      for (const c of fixture.cases) if ((await verify(hex(c.pk), hex(c.msg), hex(c.sig))) !== c.valid) wrong.push(c.name);
      expect(wrong).toEqual([]);
    });

    it(`${name}: a key or signature of the wrong length is false, not an error`, async () => {
      const valid = fixture.cases.find((c) => c.valid)!;
      const [pk, msg, sig] = [hex(valid.pk), hex(valid.msg), hex(valid.sig)];
      expect(await verify(pk, msg, sig)).toBe(true);
      for (const [key, signature] of [[pk.subarray(1), sig], [Uint8Array.of(...pk, 0), sig], [pk, sig.subarray(1)], [pk, Uint8Array.of(...sig, 0)]] as const) {
        expect(await verify(key, msg, signature)).toBe(false);
      }
    });
  }

  it('OpenSSL without the checks accepts small-order keys libsodium refuses (what the checks are for)', () => {
    const spki = (pk: string) => crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pk, 'hex')]), format: 'der', type: 'spki' });
    const accepted = fixture.cases.filter((c) => {
      try {
        return !c.valid && crypto.verify(null, hex(c.msg), spki(c.pk), hex(c.sig));
      } catch {
        return false;
      }
    });
    expect(accepted.length).toBeGreaterThan(0);
  });
});

describe('libsodium signer', () => {
  it('signs the RFC 8032 vectors byte for byte and leaves the caller’s key bytes alone', async () => {
    for (const vector of rfc8032Vectors) {
      const key = hex(vector.secretKey);
      const signer = sodiumSignerWith(sodium, key);
      expect(toHex(await signer.signBytes(hex(vector.message)))).toBe(vector.signature);
      expect(toHex(key)).toBe(vector.secretKey);
    }
  });
});
