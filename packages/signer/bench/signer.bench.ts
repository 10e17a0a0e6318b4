/**
 * Sign/s and verify/s of every backend, side by side, with raw node:crypto and raw libsodium
 * (sodium-native, what `createSigner` uses where it loads) as the references and aepp-sdk
 * 14's MemoryAccount for comparison. Run: `npx vitest bench --run`.
 */
import * as nodeCrypto from 'node:crypto';
import { MemoryAccount } from '@aeternity/aepp-sdk';
import { decode, decodeSignedTx, encode, signingPayload } from '@aechannel/codec';
import { verifyAsync } from '@noble/ed25519';
import { bench, describe } from 'vitest';
import { createSigner, memorySigner, verifySignature, verifyTransaction, webCryptoSigner } from '../src/index.js';
import { nodeCryptoSigner, verifySignatureSync, verifyTransactionSync } from '../src/node.js';
import { sodiumKeyFromSeed, sodiumSign } from '../src/sodium.js';
import { sodiumNative, unsignedCreateTx } from '../test/helpers.js';

const seed = nodeCrypto.randomBytes(32);
const peerSeed = nodeCrypto.randomBytes(32);
const { tx, networkId } = unsignedCreateTx();
const payload = signingPayload(decodeSignedTx(tx).innerBytes, networkId);

const rawKey = nodeCrypto.createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
  format: 'der',
  type: 'pkcs8',
});
const rawPublicKey = nodeCrypto.createPublicKey(rawKey);
const sodiumKey = sodiumKeyFromSeed(sodiumNative, seed);
const defaultSigner = createSigner(seed);
const node = nodeCryptoSigner(seed);
const noble = memorySigner(seed);
const web = await webCryptoSigner(seed);
const sdk = new MemoryAccount(encode(seed, 'sk'));
const subtleKey = await crypto.subtle.importKey('raw', new Uint8Array(decode(noble.address, 'ak')), { name: 'Ed25519' }, false, ['verify']);

const signature = await noble.signBytes(payload);
const publicKey = decode(noble.address, 'ak');
const subtleSignature = new Uint8Array(signature);
const subtlePayload = new Uint8Array(payload);
const coSigned = await createSigner(peerSeed).signTransaction(await defaultSigner.signTransaction(tx, { networkId }), { networkId });
const both = [noble.address, createSigner(peerSeed).address];

const options = { time: 400, warmupTime: 100 };

describe('sign a 140-byte payload (signBytes)', () => {
  bench('raw node:crypto sign (reference)', () => {
    nodeCrypto.sign(null, payload, rawKey);
  }, options);
  bench('createSigner (default on Node)', async () => {
    await defaultSigner.signBytes(payload);
  }, options);
  bench('nodeCryptoSigner', async () => {
    await node.signBytes(payload);
  }, options);
  bench('webCryptoSigner (non-extractable)', async () => {
    await web.signBytes(payload);
  }, options);
  bench('memorySigner (noble)', async () => {
    await noble.signBytes(payload);
  }, options);
  bench('aepp-sdk MemoryAccount.unsafeSign', async () => {
    await sdk.unsafeSign(payload);
  }, options);
});

describe('sign a channel tx (signTransaction: decode, sign, re-encode)', () => {
  // The payload of the tx, as signTransaction signs it: the floor of a signTransaction.
  const txPayload = signingPayload(decodeSignedTx(tx).innerBytes, networkId);
  bench('raw node:crypto sign of the payload (reference)', () => {
    nodeCrypto.sign(null, txPayload, rawKey);
  }, options);
  bench('raw libsodium sign of the payload (reference)', () => {
    sodiumSign(sodiumNative, sodiumKey.secretKey, txPayload);
  }, options);
  bench('createSigner (default on Node)', async () => {
    await defaultSigner.signTransaction(tx, { networkId });
  }, options);
  bench('webCryptoSigner', async () => {
    await web.signTransaction(tx, { networkId });
  }, options);
  bench('memorySigner (noble)', async () => {
    await noble.signTransaction(tx, { networkId });
  }, options);
});

describe('verify one signature', () => {
  bench('raw node:crypto verify (reference)', () => {
    nodeCrypto.verify(null, payload, rawPublicKey, signature);
  }, options);
  bench('raw libsodium verify (reference)', () => {
    sodiumNative.crypto_sign_verify_detached(signature, payload, sodiumKey.publicKey);
  }, options);
  bench('verifySignatureSync (./node)', () => {
    verifySignatureSync(noble.address, payload, signature);
  }, options);
  bench('verifySignature (default: native on Node)', async () => {
    await verifySignature(noble.address, payload, signature);
  }, options);
  bench('crypto.subtle verify', async () => {
    await crypto.subtle.verify({ name: 'Ed25519' }, subtleKey, subtleSignature, subtlePayload);
  }, options);
  bench('noble verifyAsync', async () => {
    await verifyAsync(signature, payload, publicKey, { zip215: false });
  }, options);
});

describe('verify a co-signed tx (2 signatures, 2 signers)', () => {
  bench('verifyTransactionSync (./node)', () => {
    verifyTransactionSync(coSigned, { networkId, signers: both });
  }, options);
  bench('verifyTransaction', async () => {
    await verifyTransaction(coSigned, { networkId, signers: both });
  }, options);
});
