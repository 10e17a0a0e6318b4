/**
 * The GA signer (PROTOCOL.md §2.9): it wraps a channel tx in a GA meta tx with auth data
 * from its callback; the hash it hands the callback is the one the node's auth function
 * sees; plain signers sign inside the layers; verifyTransaction counts a declared GA
 * participant by its layer.
 */
import {
  authId,
  buildSignedTx,
  computeChannelId,
  decodeSignedTx,
  encode,
  gaAuthTxHash,
  minFee,
  serializeObject,
  Tag,
  unwrapSignedTx,
  type Encoded,
  type Tx,
} from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { createSignerRefusedError, gaAuthIdOf, gaSigner, generateKeyPair, isGaSigner, memorySigner, verifyTransaction, type GaAuthDataRequest } from '../src/index.js';
import { expectCode, unsignedCreateTx } from './helpers.js';

const networkId = 'ae_devnet';
const ga = generateKeyPair().address;
const ga2 = generateKeyPair().address;
const basicKey = generateKeyPair();
const basic = memorySigner(basicKey.secretKey);

const channelId = encode(new Uint8Array(32).fill(4), 'ch');
const offChain: Tx = { tag: Tag.ChannelOffChainTx, version: 2, channelId, round: 5n, stateHash: encode(new Uint8Array(32).fill(1), 'st') };
const closeMutual: Tx = {
  tag: Tag.ChannelCloseMutualTx, version: 1, channelId, fromId: ga, initiatorAmountFinal: 10n, responderAmountFinal: 20n, ttl: 0n, fee: 17_000_000_000_000n, nonce: 0n,
};
const unsigned = (tx: Tx): Encoded<'tx'> => buildSignedTx(serializeObject(tx), []);

/** A GA signer recording its callback requests; auth data = 0x2b ++ the hash (any bytes do for the codec). */
function recordingSigner(address: Encoded<'ak'>, extra: Partial<Parameters<typeof gaSigner>[0]> = {}) {
  const requests: GaAuthDataRequest[] = [];
  const signer = gaSigner({
    address,
    authData: (request) => {
      requests.push(request);
      return Uint8Array.of(0x2b, ...request.txHash);
    },
    ...extra,
  });
  return { signer, requests };
}

describe('gaSigner', () => {
  it('wraps an off-chain tx in its meta tx; the callback gets the hash of the channel tx', async () => {
    const { signer, requests } = recordingSigner(ga);
    expect(isGaSigner(signer)).toBe(true);
    expect(isGaSigner(basic)).toBe(false);
    const tx = unsigned(offChain);
    const wrapped = await signer.signTransaction(tx, { networkId, context: { kind: 'update_ack', updates: [] } });
    const u = unwrapSignedTx(wrapped);
    expect(u.layers).toHaveLength(1);
    const [layer] = u.layers;
    expect(layer).toMatchObject({ version: 2, gaId: ga, abiVersion: 3n, gas: 50_000n, gasPrice: 1_000_000_000n });
    expect(u.innerBytes).toEqual(decodeSignedTx(tx).innerBytes);
    const [request] = requests;
    expect(request?.mode).toBe('offChain');
    expect(request?.context?.kind).toBe('update_ack');
    expect(request?.txHash).toEqual(gaAuthTxHash(u.innerBytes, { networkId, fee: layer!.fee, gasPrice: layer!.gasPrice }));
    expect(layer?.authData).toEqual(Uint8Array.of(0x2b, ...request!.txHash));
    // the fee pays the node's minimum for the meta tx as built
    const meta = decodeSignedTx(wrapped).tx;
    expect(layer!.fee).toBeGreaterThanOrEqual(minFee(meta));
    // a tx it wrapped already comes back as it is
    expect(await signer.signTransaction(wrapped, { networkId })).toBe(wrapped);
    expect(requests).toHaveLength(1);
  });

  it('hands the callback its own copy of the authenticated bytes: editing them changes neither the tx nor later decodes', async () => {
    const tx = unsigned(offChain);
    const before = decodeSignedTx(tx).innerBytes.slice();
    const signer = gaSigner({
      address: ga,
      authData: (request) => {
        request.authenticated.fill(0);
        return Uint8Array.of(0x2b, ...request.txHash);
      },
    });
    const wrapped = await signer.signTransaction(tx, { networkId });
    expect(decodeSignedTx(tx).innerBytes).toEqual(before);
    expect(unwrapSignedTx(wrapped).innerBytes).toEqual(before);
  });

  it('lets a basic participant sign inside the layer, before or after', async () => {
    const { signer } = recordingSigner(ga);
    const tx = unsigned(offChain);
    const gaFirst = await basic.signTransaction(await signer.signTransaction(tx, { networkId }), { networkId });
    const basicFirst = await signer.signTransaction(await basic.signTransaction(tx, { networkId }), { networkId });
    for (const both of [gaFirst, basicFirst]) {
      const u = unwrapSignedTx(both);
      expect(u.signatures).toHaveLength(1);
      expect(u.layers.map((l) => l.gaId)).toEqual([ga]);
      expect(await verifyTransaction(both, { networkId, signers: [ga, basic.address], generalized: [ga] })).toMatchObject({
        valid: true, signers: [ga, basic.address], missing: [], extra: [], extraLayers: [],
      });
    }
    // both orders authenticate the channel tx itself (its fee differs: the meta tx pays for
    // the wrapped signature bytes, and from Ceres the hash covers the fee)
    for (const both of [gaFirst, basicFirst]) {
      const u = unwrapSignedTx(both);
      const layer = u.layers[0]!;
      expect(layer.authData.subarray(1)).toEqual(gaAuthTxHash(serializeObject(offChain), { networkId, fee: layer.fee, gasPrice: layer.gasPrice }));
    }
    expect(unwrapSignedTx(basicFirst).layers[0]!.fee).toBeGreaterThan(unwrapSignedTx(gaFirst).layers[0]!.fee);
  });

  it('verifyTransaction refuses a layer of an account not declared generalized, and a missing one', async () => {
    const { signer } = recordingSigner(ga);
    const both = await basic.signTransaction(await signer.signTransaction(unsigned(offChain), { networkId }), { networkId });
    const undeclared = await verifyTransaction(both, { networkId, signers: [ga, basic.address] });
    expect(undeclared).toMatchObject({ valid: false, missing: [ga] });
    expect(undeclared.extraLayers.map((l) => l.gaId)).toEqual([ga]);
    const onlyBasic = await basic.signTransaction(unsigned(offChain), { networkId });
    expect(await verifyTransaction(onlyBasic, { networkId, signers: [ga, basic.address], generalized: [ga] })).toMatchObject({ valid: false, missing: [ga] });
    // a basic account may not use a meta tx (§3.2): declared basic, its layer is extra
    const { signer: pretender } = recordingSigner(basic.address);
    const wrappedByBasic = await pretender.signTransaction(unsigned(offChain), { networkId });
    expect((await verifyTransaction(wrappedByBasic, { networkId, signers: [basic.address] })).valid).toBe(false);
  });

  it('on chain, the second of two GA participants authenticates the first one\'s meta tx', async () => {
    const first = recordingSigner(ga);
    const second = recordingSigner(ga2);
    const tx = unsigned(closeMutual);
    const once = await first.signer.signTransaction(tx, { networkId });
    const twice = await second.signer.signTransaction(once, { networkId });
    const u = unwrapSignedTx(twice);
    expect(u.layers.map((l) => l.gaId)).toEqual([ga2, ga]);
    expect(first.requests[0]?.mode).toBe('onChain');
    expect(first.requests[0]?.authenticated).toEqual(decodeSignedTx(tx).innerBytes);
    expect(second.requests[0]?.authenticated).toEqual(decodeSignedTx(once).innerBytes); // S(first meta tx)
    expect(second.requests[0]?.txHash).toEqual(gaAuthTxHash(decodeSignedTx(once).innerBytes, { networkId, fee: u.layers[0]!.fee, gasPrice: 1_000_000_000n }));
    expect(await verifyTransaction(twice, { networkId, signers: [ga, ga2], generalized: [ga, ga2] })).toMatchObject({ valid: true });
  });

  it('raises the fee and asks again when the auth data is longer than planned', async () => {
    const requests: GaAuthDataRequest[] = [];
    const signer = gaSigner({ address: ga, authDataBytes: 8, authData: (r) => (requests.push(r), new Uint8Array(100).fill(0x2b)) });
    const wrapped = await signer.signTransaction(unsigned(offChain), { networkId });
    expect(requests).toHaveLength(2);
    expect(requests[1]!.fee).toBeGreaterThan(requests[0]!.fee);
    expect(unwrapSignedTx(wrapped).layers[0]?.fee).toBe(requests[1]!.fee);
    expect(requests[1]!.fee).toBe(minFee(decodeSignedTx(wrapped).tx));
  });

  it('uses a given fee, gas, gas price and the Iris hash when asked', async () => {
    const { signer, requests } = recordingSigner(ga, { fee: 5n, gas: 7n, gasPrice: 3n, protocol: 5 });
    const wrapped = await signer.signTransaction(unsigned(offChain), { networkId });
    expect(unwrapSignedTx(wrapped).layers[0]).toMatchObject({ fee: 5n, gas: 7n, gasPrice: 3n });
    expect(requests[0]?.txHash).toEqual(gaAuthTxHash(serializeObject(offChain), { networkId, fee: 5n, gasPrice: 3n, protocol: 5 }));
  });

  it('refuses when the callback throws, and rejects what is not call data', async () => {
    const refusing = gaSigner({ address: ga, authData: () => { throw createSignerRefusedError({ abortCode: 9 }); } });
    const error = await expectCode(refusing.signTransaction(unsigned(offChain), { networkId }), 'SIGNER_REFUSED');
    expect(error.context).toMatchObject({ abortCode: 9 });
    await expectCode(gaSigner({ address: ga, authData: () => { throw new Error('no'); } }).signTransaction(unsigned(offChain), { networkId }), 'SIGNER_REFUSED');
    await expectCode(gaSigner({ address: ga, authData: () => 'nope' as never }).signTransaction(unsigned(offChain), { networkId }), 'SIGNER_INVALID_ARGUMENT');
    await expectCode(recordingSigner(ga).signer.signTransaction('tx_nope' as Encoded<'tx'>, { networkId }), 'SIGNER_NOT_A_TRANSACTION');
    await expectCode(recordingSigner(ga).signer.signBytes(new Uint8Array(1)), 'SIGNER_UNSUPPORTED');
    await expectCode(() => gaSigner({ address: ga, authData: () => new Uint8Array(), gas: -1n }), 'SIGNER_INVALID_ARGUMENT');
    await expectCode(() => gaSigner({ address: 'ak_x' as Encoded<'ak'>, authData: () => new Uint8Array() }), 'SIGNER_INVALID_ADDRESS');
  });

  it('gives the auth id that replaces a GA initiator\'s create nonce in the channel id (§4)', async () => {
    const { tx } = unsignedCreateTx();
    const create = decodeSignedTx(tx).tx as Extract<Tx, { tag: 50 }>;
    const initiator = recordingSigner(create.initiatorId);
    const signed = await initiator.signer.signTransaction(tx, { networkId });
    const id = gaAuthIdOf(signed, create.initiatorId);
    expect(id).toEqual(authId(create.initiatorId, unwrapSignedTx(signed).layers[0]!.authData));
    expect(computeChannelId(create.initiatorId, id!, create.responderId)).not.toBe(computeChannelId(create.initiatorId, create.nonce, create.responderId));
    expect(gaAuthIdOf(signed, create.responderId)).toBeUndefined();
  });
});
