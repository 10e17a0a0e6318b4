// Fixed key pairs and signatures for the crypto vectors, and the BLS12-381 generators, all
// derived from fixed seeds with @noble/curves so a rerun reproduces them.
import { FateApiEncoder } from '@aeternity/aepp-calldata';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

const api = new FateApiEncoder();
const text = (s) => new TextEncoder().encode(s);
const seed = (s) => blake2b(text(`aechannel fate vectors: ${s}`), { dkLen: 32 });

/** Bytes from hex. */
export const h = (hex) => Uint8Array.from(Buffer.from(hex, 'hex'));

/** BLAKE2b-256. */
export const blake = (bytes) => blake2b(bytes, { dkLen: 32 });

const edSecret = seed('ed25519');
const edPublic = ed25519.getPublicKey(edSecret);
const edShort = text('a message');
const edHash = blake(text('a hashed message'));

/** An Ed25519 key (as an `ak_` address) with signatures on a short and on a 32-byte message. */
export const ed = {
  address: api.encode('account_pubkey', edPublic),
  short: edShort,
  shortSig: ed25519.sign(edShort, edSecret),
  hash: edHash,
  hashSig: ed25519.sign(edHash, edSecret),
};

const kSecret = seed('secp256k1');
const kPublic = secp256k1.getPublicKey(kSecret, false).subarray(1);
const kHash = blake(text('a secp256k1 message'));
const recovered = secp256k1.sign(kHash, kSecret, { prehash: false, format: 'recovered' });
const [recovery, rs] = [recovered[0], recovered.subarray(1)];
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/**
 * A secp256k1 key: public key (64 bytes, x ‖ y), the Ethereum-style address (last 20 bytes of
 * Keccak-256 of it), a signature r ‖ s on a 32-byte hash, and that signature with its
 * recovery id in the four layouts a 65-byte signature could have (the vectors show which one
 * the node reads).
 */
export const k1 = {
  publicKey: kPublic,
  ethAddress: keccak_256(kPublic).subarray(12),
  hash: kHash,
  sig: rs,
  vrs27: concat(Uint8Array.of(27 + recovery), rs),
  vrs: concat(Uint8Array.of(recovery), rs),
  rsv27: concat(rs, Uint8Array.of(27 + recovery)),
  rsv: concat(rs, Uint8Array.of(recovery)),
};

const g1 = bls12_381.G1.Point.BASE.toAffine();
const g2 = bls12_381.G2.Point.BASE.toAffine();

/**
 * BLS12-381 generators as affine integer coordinates: G1 = (x, y), G2 = ((x.c0, x.c1),
 * (y.c0, y.c1)). The crypto contract builds the points inside the VM; aepp-calldata 1.9.1
 * cannot encode a field element whose Montgomery form starts with a zero byte.
 */
export const bls = {
  g1: [g1.x, g1.y],
  g2: [[g2.x.c0, g2.x.c1], [g2.y.c0, g2.y.c1]],
};
