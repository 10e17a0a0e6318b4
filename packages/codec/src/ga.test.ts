import { readFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { decode, encode, type Encoded } from './encoding.js';
import { isAechannelError } from './errors.js';
import { feeGas, minFee } from './fees.js';
import {
  addInnerSignatures,
  authenticatedBytes,
  authId,
  authMode,
  buildUnwrappedTx,
  gaAuthTxHash,
  unwrapSignedTx,
  wrapInGaMeta,
  type GaMetaFields,
} from './ga.js';
import { computeChannelId } from './hash.js';
import { packTx, unpackTx } from './packTx.js';
import { addSignatures, decodeSignedTx } from './signedTx.js';
import * as RLP from 'rlp';
import { Tag } from './tag.js';
import { codeOf } from '../test/codeOf.js';

// Computed by the node's own modules (scripts/ga-vectors.escript, network id ae_devnet).
const v = JSON.parse(readFileSync(new URL('../test/fixtures/ga-vectors.json', import.meta.url), 'utf8'));
const tx = (h: string): Encoded<'tx'> => encode(hexToBytes(h), 'tx');
const ak = (h: string): Encoded<'ak'> => encode(hexToBytes(h), 'ak');
const networkId: string = v.network_id;

describe('GA layouts (PROTOCOL.md §2.9, tag 80 and 81)', () => {
  it('packs and unpacks the attach tx byte-exact', () => {
    const a = v.attach;
    const object = unpackTx(tx(a.serialized));
    expect(object).toEqual({
      tag: Tag.GaAttachTx, version: 1, ownerId: ak(a.owner), nonce: 3n, code: hexToBytes(a.code), authFun: hexToBytes(a.auth_fun),
      ctVersion: BigInt(a.ct_version), fee: 123n, ttl: 0n, gas: 50000n, gasPrice: 1_000_000_000n, callData: hexToBytes(a.call_data),
    });
    expect(bytesToHex(decode(packTx(object), 'tx'))).toBe(a.serialized);
    expect(feeGas(object)).toBe(BigInt(a.fee_gas_iris));
  });

  it('packs and unpacks meta tx v1 (ttl) and v2 byte-exact', () => {
    for (const [hex, version] of [[v.meta_v1.serialized, 1], [v.meta_v2.serialized, 2]] as const) {
      const object = unpackTx(tx(hex));
      expect(object.tag).toBe(Tag.GaMetaTx);
      expect(object.version).toBe(version);
      if (object.tag === Tag.GaMetaTx && object.version === 1) expect(object.ttl).toBe(77n);
      expect(bytesToHex(decode(packTx(object), 'tx'))).toBe(hex);
    }
  });

  it('reads a signed tx through one meta layer down to the channel tx', () => {
    const u = unwrapSignedTx(tx(v.meta_v2.signed));
    expect(u.layers).toHaveLength(1);
    const [layer] = u.layers;
    expect(layer?.gaId).toBe(ak(v.meta_v2.ga));
    expect(bytesToHex(layer!.authData)).toBe(v.meta_v2.auth_data);
    expect([layer?.abiVersion, layer?.gas, layer?.gasPrice, layer?.fee]).toEqual([3n, 50000n, 1_000_000_000n, 100_000_000_000_000n]);
    expect(bytesToHex(u.innerBytes)).toBe(v.offchain);
    expect(bytesToHex(layer!.wrapped)).toBe(v.offchain);
    expect(u.signatures).toHaveLength(1);
    expect(u.tx.tag).toBe(Tag.ChannelOffChainTx);
    // and back, byte for byte
    expect(bytesToHex(decode(buildUnwrappedTx(u), 'tx'))).toBe(v.meta_v2.signed);
  });

  it('reads two layers (both participants generalized), outermost first; each wraps the next', () => {
    const both = v.meta_both;
    const u = unwrapSignedTx(tx(both.serialized_outer_signed));
    expect(u.layers.map((l) => l.gaId)).toEqual([ak(both.outer_ga), ak(both.inner_ga)]);
    expect(bytesToHex(u.innerBytes)).toBe(v.close_mutual);
    expect(bytesToHex(u.layers[1]!.wrapped)).toBe(v.close_mutual);
    expect(unpackTx(encode(u.layers[0]!.wrapped, 'tx')).tag).toBe(Tag.GaMetaTx);
    expect(u.signatures).toEqual([]);
    expect(bytesToHex(decode(buildUnwrappedTx(u), 'tx'))).toBe(both.serialized_outer_signed);
  });

  it('wraps like the node: wrapping the inner signed tx again gives the node bytes', () => {
    const inner = unwrapSignedTx(tx(v.meta_v2.signed));
    const layer = inner.layers[0]!;
    const fields: GaMetaFields = { version: 2, gaId: layer.gaId, authData: layer.authData, abiVersion: 3n, fee: layer.fee, gas: layer.gas, gasPrice: layer.gasPrice };
    expect(bytesToHex(decode(wrapInGaMeta(tx(v.offchain_signed), fields), 'tx'))).toBe(v.meta_v2.signed);
    const v1 = wrapInGaMeta(tx(v.offchain_signed), { ...fields, version: 1, ttl: 77n, authData: hexToBytes('2b09') });
    expect(bytesToHex(unwrapSignedTx(v1).layers[0]!.authData)).toBe('2b09');
    const meta = decode(v1, 'tx');
    expect(bytesToHex(meta)).toContain(v.meta_v1.serialized);
  });

  it('reads a malformed signed tx as decodeSignedTx does: same error code for a tag 11 with a wrong field count or a padded tag', () => {
    const inner = decodeSignedTx(tx(v.offchain_signed)).innerBytes;
    const malformed = [
      RLP.encode([Uint8Array.of(Tag.SignedTx), Uint8Array.of(1), []]),
      RLP.encode([Uint8Array.of(Tag.SignedTx), Uint8Array.of(1), [], inner, Uint8Array.of(0)]),
      RLP.encode([Uint8Array.of(0, Tag.SignedTx), Uint8Array.of(1), [], inner]),
    ].map((bytes) => encode(bytes, 'tx'));
    for (const bad of malformed) {
      const expected = codeOf(() => decodeSignedTx(bad));
      expect(expected).toMatch(/^CODEC_/);
      expect(codeOf(() => unwrapSignedTx(bad))).toBe(expected);
      expect(codeOf(() => addInnerSignatures(bad, []))).toBe(expected);
    }
  });

  it('refuses signatures on a signed tx around a meta tx, and more than two layers', () => {
    const sig = new Uint8Array(64).fill(3);
    const signedMeta = addSignatures(tx(v.meta_v2.signed), [sig]);
    expect(() => unwrapSignedTx(signedMeta)).toThrow(expect.objectContaining({ code: 'CODEC_INVALID_FIELD' }));
    const fields: GaMetaFields = { version: 2, gaId: ak(v.pk_example), authData: Uint8Array.of(1), abiVersion: 3n, fee: 1n, gas: 1n, gasPrice: 1n };
    const three = wrapInGaMeta(tx(v.meta_both.serialized_outer_signed), fields);
    let error: unknown;
    try {
      unwrapSignedTx(three);
    } catch (e) {
      error = e;
    }
    expect(isAechannelError(error, 'CODEC_TOO_MANY_GA_LAYERS')).toBe(true);
  });

  it('adds basic signatures to the innermost signed tx and keeps the layers', () => {
    const sig = new Uint8Array(64).fill(9);
    const added = addInnerSignatures(tx(v.meta_v2.signed), [sig]);
    const u = unwrapSignedTx(added);
    expect(u.signatures.map(bytesToHex)).toEqual([bytesToHex(new Uint8Array(64).fill(7)), bytesToHex(sig)]);
    expect(u.layers[0]?.gaId).toBe(ak(v.meta_v2.ga));
    expect(bytesToHex(u.innerBytes)).toBe(v.offchain);
    // adding it again changes nothing (a duplicate would fail the node's strict check, §3.2)
    expect(addInnerSignatures(added, [sig])).toBe(added);
  });
});

describe('GA rules (§2.9, §3, §4)', () => {
  it('computes the auth id', () => {
    const layer = unwrapSignedTx(tx(v.meta_v2.signed)).layers[0]!;
    expect(bytesToHex(authId(layer.gaId, layer.authData))).toBe(v.meta_v2.auth_id);
    const both = unwrapSignedTx(tx(v.meta_both.serialized_outer_signed)).layers;
    expect(bytesToHex(authId(both[0]!.gaId, both[0]!.authData))).toBe(v.meta_both.outer_auth_id);
    expect(bytesToHex(authId(both[1]!.gaId, both[1]!.authData))).toBe(v.meta_both.inner_auth_id);
  });

  it('computes the auth tx hash before and from Ceres', () => {
    const u = unwrapSignedTx(tx(v.meta_v2.signed));
    const { fee, gasPrice } = u.layers[0]!;
    expect(authMode(u.tx)).toBe('offChain');
    const bytes = authenticatedBytes(u, 0);
    expect(bytesToHex(gaAuthTxHash(bytes, { networkId, fee, gasPrice, protocol: 5 }))).toBe(v.meta_v2.auth_tx_hash_iris);
    expect(bytesToHex(gaAuthTxHash(bytes, { networkId, fee, gasPrice }))).toBe(v.meta_v2.auth_tx_hash_ceres);
    // the hash covers the network id, the fee and the gas price
    expect(bytesToHex(gaAuthTxHash(bytes, { networkId: 'ae_mainnet', fee, gasPrice }))).not.toBe(v.meta_v2.auth_tx_hash_ceres);
    expect(bytesToHex(gaAuthTxHash(bytes, { networkId, fee: fee + 1n, gasPrice }))).not.toBe(v.meta_v2.auth_tx_hash_ceres);
  });

  it('on chain, each layer authenticates what it wraps (the outer one the inner meta tx)', () => {
    const u = unwrapSignedTx(tx(v.meta_both.serialized_outer_signed));
    expect(authMode(u.tx)).toBe('onChain');
    const hashOf = (i: number) => bytesToHex(gaAuthTxHash(authenticatedBytes(u, i), { networkId, fee: u.layers[i]!.fee, gasPrice: u.layers[i]!.gasPrice }));
    expect(hashOf(0)).toBe(v.meta_both.outer_hash_ceres);
    expect(hashOf(1)).toBe(v.meta_both.inner_hash_ceres);
  });

  it('derives the channel id of a GA initiator from its auth id', () => {
    const c = v.channel_id;
    expect(computeChannelId(ak(c.initiator), hexToBytes(c.auth_id), ak(c.responder))).toBe(encode(hexToBytes(c.with_auth_id), 'ch'));
    expect(computeChannelId(ak(c.initiator), 185n, ak(c.responder))).toBe(encode(hexToBytes(c.with_nonce_185), 'ch'));
    expect(() => computeChannelId(ak(c.initiator), new Uint8Array(31), ak(c.responder))).toThrow(expect.objectContaining({ code: 'CODEC_INVALID_FIELD' }));
  });

  it('charges a meta tx for its own bytes only (Iris and later)', () => {
    const meta = unpackTx(tx(v.meta_v2.serialized));
    expect(feeGas(meta)).toBe(BigInt(v.meta_v2.fee_gas_ceres));
    expect(minFee(meta, 1_000_000n)).toBe(BigInt(v.meta_v2.min_fee_ceres));
  });
});
