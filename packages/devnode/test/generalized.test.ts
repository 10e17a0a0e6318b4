/**
 * Generalized accounts on the devnode (PROTOCOL.md §2.9, §3.2, §4, §5.6): `ga_attach` on the
 * simulated chain, GA participants in the channel flows with raw clients, the auth function
 * run by the VM for every GA meta layer, and the node's answers to a layer that fails.
 * The auth contract is examples/contracts/ga_auth.aes: authorize(n, sig) with the owner's
 * Ed25519 signature over tx hash ++ 32-byte nonce, the nonce only growing.
 */
import { readFileSync } from 'node:fs';
import {
  authId,
  buildSignedTx,
  buildUnwrappedTx,
  computeChannelId,
  computeStateHash,
  decode,
  fixFee,
  hash,
  serializeObject,
  Tag,
  unwrapSignedTx,
  type Encoded,
  type GaMetaLayer,
  type TxOf,
} from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { attachGaContract, emptyTrees, encodeCallData, runGaAuth } from '@aechannel/fate';
import { gaSigner, memorySigner, type Signer } from '@aechannel/signer';
import { afterEach, describe, expect, it } from 'vitest';
import { channelQuery, dataOf, freshPort, TestClient, type Json } from './helpers/testClient.js';

const fixture = JSON.parse(readFileSync(new URL('../../../examples/contracts/ga_auth.json', import.meta.url), 'utf8')) as { bytecode: Encoded<'cb'>; aci: never };
const AUTHORIZE = hash(new TextEncoder().encode('authorize'));

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

/** The attach tx of `account` (tag 80), fee by the node's rule, signed by the account. */
async function attachTx(node: Devnode, account: DevnodeAccount, over: Partial<TxOf<typeof Tag.GaAttachTx>> = {}): Promise<Encoded<'tx'>> {
  const tx = fixFee({
    tag: Tag.GaAttachTx, version: 1, ownerId: account.address, nonce: (node.chain.getAccount(account.address)?.nonce ?? 0n) + 1n,
    code: decode(fixture.bytecode, 'cb'), authFun: AUTHORIZE, ctVersion: 0x80003n, fee: 0n, ttl: 0n, gas: 50_000n, gasPrice: 1_000_000_000n,
    callData: encodeCallData(fixture.aci, 'GaAuth', 'init', [account.address]), ...over,
  } as TxOf<typeof Tag.GaAttachTx>);
  return memorySigner(account.secretKey).signTransaction(buildSignedTx(serializeObject(tx), []), { networkId: node.networkId });
}

/** A GA signer for the test contract: authorize(n, sign(txHash ++ uint256(n))), n growing from 1. */
function gaAuthSigner(account: DevnodeAccount, key: Encoded<'sk'> = account.secretKey): Signer {
  const owner = memorySigner(key);
  let nonce = 0n;
  return gaSigner({
    address: account.address,
    authData: async ({ txHash }) => {
      nonce += 1n;
      const message = new Uint8Array(64);
      message.set(txHash);
      for (let i = 0, x = nonce; i < 32; i += 1, x >>= 8n) message[63 - i] = Number(x & 0xffn);
      return encodeCallData(fixture.aci, 'GaAuth', 'authorize', [nonce, await owner.signBytes(message)]);
    },
  });
}

async function setup(ga: { initiator: boolean; responder: boolean }) {
  devnode = await startDevnode({ port: 0 });
  const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  for (const [account, is] of [[a, ga.initiator], [b, ga.responder]] as const) {
    if (!is) continue;
    await devnode.chain.post(await attachTx(devnode, account));
    await devnode.idle();
    expect(devnode.chain.gaOf(account.address)).toBeDefined();
  }
  return { node: devnode, a, b };
}

async function connect(node: Devnode, a: DevnodeAccount, b: DevnodeAccount, signers: { initiator: Signer; responder: Signer }) {
  const port = freshPort();
  const open = { initiator: a.address, responder: b.address, port };
  const initiator = await TestClient.connect(node, channelQuery('initiator', open));
  const responder = await TestClient.connect(node, channelQuery('responder', open));
  initiator.signer = signers.initiator;
  responder.signer = signers.responder;
  return { initiator, responder };
}

async function open(node: Devnode, a: DevnodeAccount, b: DevnodeAccount, signers: { initiator: Signer; responder: Signer }) {
  const clients = await connect(node, a, b, signers);
  const create = await clients.initiator.signNext('initiator_sign');
  await clients.responder.signNext('responder_sign');
  await Promise.all([clients.initiator.waitInfo('open'), clients.responder.waitInfo('open')]);
  const update = await clients.initiator.waitMethod('channels.update');
  const channelId = (update['params'] as Json)['channel_id'] as Encoded<'ch'>;
  return { ...clients, create, channelId, state: dataOf(update)['state'] as Encoded<'tx'> };
}

const signerFor = (account: DevnodeAccount, ga: boolean): Signer => (ga ? gaAuthSigner(account) : memorySigner(account.secretKey));

/**
 * Gas the test contract's authorize uses, computed apart with the VM (a fresh contract of
 * `owner`, a valid signature): the same on every tx, so a meta tx costs its fee plus this
 * at its gas price.
 */
async function authGas(owner: DevnodeAccount): Promise<bigint> {
  const { trees, contract } = attachGaContract(emptyTrees(), {
    owner: owner.address, nonce: 1n, code: decode(fixture.bytecode, 'cb'), authFun: AUTHORIZE, ctVersion: 0x80003n,
    callData: encodeCallData(fixture.aci, 'GaAuth', 'init', [owner.address]), gas: 50_000n, gasPrice: 1n,
  });
  const txHash = new Uint8Array(32).fill(3);
  const message = new Uint8Array(64);
  message.set(txHash);
  message[63] = 5;
  const sig = await memorySigner(owner.secretKey).signBytes(message);
  const run = runGaAuth({
    trees, gaId: owner.address, contract, authFun: AUTHORIZE, authData: encodeCallData(fixture.aci, 'GaAuth', 'authorize', [5n, sig]),
    abiVersion: 3n, gas: 50_000n, gasPrice: 1n, fee: 1n, auth: { txHash },
  });
  expect(run.ok).toBe(true);
  return run.gasUsed;
}

describe('ga_attach on the simulated chain', () => {
  it('deploys the auth contract with the VM and makes the account generalized; fee and gas paid', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a] = devnode.accounts as [DevnodeAccount];
    const before = devnode.chain.getBalance(a.address);
    const tx = await attachTx(devnode, a);
    await devnode.chain.post(tx);
    await devnode.idle();
    const ga = devnode.chain.gaOf(a.address);
    expect(ga?.authFun).toEqual(AUTHORIZE);
    const attach = unwrapSignedTx(tx).tx as TxOf<typeof Tag.GaAttachTx>;
    const paid = before - devnode.chain.getBalance(a.address);
    // fee plus the gas init used (a few hundred gas at 1e9)
    expect(paid).toBeGreaterThan(attach.fee);
    expect(paid).toBeLessThan(attach.fee + attach.gas * attach.gasPrice);
    expect((paid - attach.fee) % attach.gasPrice).toBe(0n);
    expect(devnode.chain.getAccount(a.address)?.nonce).toBe(1n);
    // a second attach is refused: the account is generalized now (and cannot sign)
    await expect(devnode.chain.post(await attachTx(devnode, a))).rejects.toMatchObject({ code: 'DEVNODE_TX_REJECTED' });
  });

  it('refuses code without the auth function and init data that is not init, as the node does', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a] = devnode.accounts as [DevnodeAccount];
    await expect(devnode.chain.post(await attachTx(devnode, a, { authFun: hash(new TextEncoder().encode('missing')) }))).rejects.toMatchObject({
      context: expect.objectContaining({ reason: 'bad_function_hash' }),
    });
    await expect(devnode.chain.post(await attachTx(devnode, a, { callData: encodeCallData(fixture.aci, 'GaAuth', 'nonce', []) }))).rejects.toMatchObject({
      context: expect.objectContaining({ reason: 'bad_init_function' }),
    });
    expect(devnode.chain.gaOf(a.address)).toBeUndefined();
  });
});

describe.each([
  { name: 'a GA initiator', initiator: true, responder: false },
  { name: 'a GA responder', initiator: false, responder: true },
  { name: 'two GA participants', initiator: true, responder: true },
])('a channel with $name', (ga) => {
  it('opens (nonce 0, the channel id from a GA initiator\'s auth id), transfers and closes; every layer authorized by the VM', async () => {
    const { node, a, b } = await setup(ga);
    const AUTH_GAS = await authGas(a);
    expect(AUTH_GAS).toBeGreaterThan(0n);
    const signers = { initiator: signerFor(a, ga.initiator), responder: signerFor(b, ga.responder) };
    const balanceBefore = { a: node.chain.getBalance(a.address), b: node.chain.getBalance(b.address) };
    const c = await open(node, a, b, signers);
    const create = unwrapSignedTx(c.state);
    const createTx = create.tx as TxOf<typeof Tag.ChannelCreateTx>;
    expect(create.layers.map((l) => l.gaId).sort()).toEqual([...(ga.initiator ? [a.address] : []), ...(ga.responder ? [b.address] : [])].sort());
    expect(create.signatures).toHaveLength(Number(!ga.initiator) + Number(!ga.responder));
    if (ga.initiator) {
      expect(createTx.nonce).toBe(0n);
      const layer = create.layers.find((l) => l.gaId === a.address)!;
      expect(c.channelId).toBe(computeChannelId(a.address, authId(a.address, layer.authData), b.address));
    } else {
      expect(c.channelId).toBe(computeChannelId(a.address, createTx.nonce, b.address));
    }
    expect(node.chain.getChannel(c.channelId)?.round).toBe(1n);
    // each generalized account paid the create's meta tx (fee + the gas its auth function used), the initiator the create fee and amount
    const metaCost = (layers: readonly GaMetaLayer[], account: Encoded<'ak'>) => {
      const layer = layers.find((l) => l.gaId === account);
      return layer === undefined ? 0n : layer.fee + AUTH_GAS * layer.gasPrice;
    };
    expect(balanceBefore.a - node.chain.getBalance(a.address)).toBe(createTx.initiatorAmount + createTx.fee + metaCost(create.layers, a.address));
    expect(balanceBefore.b - node.chain.getBalance(b.address)).toBe(createTx.responderAmount + metaCost(create.layers, b.address));

    // transfer: an off-chain tx, authorized against the channel's copies of the stores
    expect((await c.initiator.request('channels.update.new', { from: a.address, to: b.address, amount: 100n }))['result']).toBe('ok');
    await c.initiator.signNext('update');
    await c.responder.signNext('update_ack');
    const update = await c.initiator.waitMethod('channels.update');
    const state = unwrapSignedTx(dataOf(update)['state'] as Encoded<'tx'>);
    expect(state.tx.tag).toBe(Tag.ChannelOffChainTx);
    expect(state.layers).toHaveLength(Number(ga.initiator) + Number(ga.responder));
    const balances = await c.responder.request('channels.get.balances', { accounts: [a.address, b.address] });
    expect((balances['result'] as Json[]).map((x) => x['balance'])).toEqual([69_999_999_999_999n - 100n, 40_000_000_000_001n + 100n]);

    // mutual close: an on-chain tx again, nonce 0 when the closer is generalized
    const beforeClose = { a: node.chain.getBalance(a.address), b: node.chain.getBalance(b.address) };
    expect((await c.initiator.request('channels.shutdown', {}))['result']).toBe('ok');
    const shutdown = await c.initiator.signNext('shutdown_sign');
    const shutdownAck = await c.responder.signNext('shutdown_sign_ack');
    await Promise.all([c.initiator.waitInfo('closed_confirmed'), c.responder.waitInfo('closed_confirmed')]);
    const close = unwrapSignedTx(shutdown).tx as TxOf<typeof Tag.ChannelCloseMutualTx>;
    expect(close.nonce).toBe(ga.initiator ? 0n : 2n);
    expect(node.chain.getChannel(c.channelId)?.closedAt).toBeDefined();
    const gotA = node.chain.getBalance(a.address) - beforeClose.a;
    const gotB = node.chain.getBalance(b.address) - beforeClose.b;
    // the finals arrive; a generalized account also paid its meta tx of the close (fee + gas used)
    const closeLayers = [...unwrapSignedTx(shutdown).layers, ...unwrapSignedTx(shutdownAck).layers];
    expect(closeLayers.map((l) => l.gaId).filter((id, i, all) => all.indexOf(id) === i).sort()).toEqual(
      [...(ga.initiator ? [a.address] : []), ...(ga.responder ? [b.address] : [])].sort(),
    );
    expect(gotA).toBe(close.initiatorAmountFinal - metaCost(closeLayers, a.address));
    expect(gotB).toBe(close.responderAmountFinal - metaCost(closeLayers, b.address));
    expect(close.initiatorAmountFinal + close.responderAmountFinal + close.fee).toBe(110_000_000_000_000n);
  });
});

describe('a GA layer the node refuses', () => {
  it('a create whose auth data was changed (the signature no longer matches) is a bad signature: the channel is not opened', async () => {
    const { node, a, b } = await setup({ initiator: true, responder: false });
    const c = await connect(node, a, b, { initiator: gaAuthSigner(a), responder: memorySigner(b.secretKey) });
    const request = await c.initiator.signRequest('initiator_sign');
    const signed = await c.initiator.sign(request.signedTx);
    const u = unwrapSignedTx(signed);
    const tampered = buildUnwrappedTx({ ...u, layers: [{ ...u.layers[0]!, authData: Uint8Array.from(u.layers[0]!.authData, (x, i) => (i === u.layers[0]!.authData.length - 1 ? x ^ 1 : x)) }] });
    await c.initiator.request('channels.initiator_sign', { signed_tx: tampered });
    await c.initiator.waitInfo('bad_signature');
    expect(node.chain.channels()).toHaveLength(0);
  });

  it('an update whose layer wraps another tx, or carries a signature of someone else\'s key, is refused with a conflict; the next one goes through', async () => {
    const { node, a, b } = await setup({ initiator: true, responder: false });
    const c = await open(node, a, b, { initiator: gaAuthSigner(a), responder: memorySigner(b.secretKey) });
    // 1. the auth data of another key: its auth function returns false
    const wrongKey = gaAuthSigner(a, b.secretKey);
    await c.initiator.request('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    const first = await c.initiator.signRequest('update');
    const bad = await wrongKey.signTransaction(first.signedTx, { networkId: node.networkId });
    await c.initiator.request('channels.update', { signed_tx: bad });
    // the auth function rejects the layer: the signature check fails (§8.7: error, then a validation conflict)
    expect(dataOf(await c.initiator.waitMethod('channels.error'))).toEqual({ message: 'bad_signature' });
    expect(dataOf(await c.initiator.waitMethod('channels.conflict'))).toMatchObject({ channel_id: c.channelId, error_code: 1n, error_msg: 'validation error', round: 1n });
    // 2. a layer around another off-chain tx than the one asked for
    await c.initiator.request('channels.update.new', { from: a.address, to: b.address, amount: 2n });
    const second = await c.initiator.signRequest('update');
    const other = unwrapSignedTx(second.signedTx);
    const otherTx = { ...(other.tx as TxOf<typeof Tag.ChannelOffChainTx>), round: 99n };
    const wrapped = await c.initiator.sign(buildSignedTx(serializeObject(otherTx), []));
    await c.initiator.request('channels.update', { signed_tx: wrapped });
    expect(dataOf(await c.initiator.waitMethod('channels.error'))).toEqual({ message: 'not_the_tx_signed_for' });
    expect(dataOf(await c.initiator.waitMethod('channels.conflict'))).toMatchObject({ error_code: 1n, round: 1n });
    // the channel still works
    await c.initiator.request('channels.update.new', { from: a.address, to: b.address, amount: 3n });
    await c.initiator.signNext('update');
    await c.responder.signNext('update_ack');
    await c.initiator.waitMethod('channels.update');
    const balances = await c.responder.request('channels.get.balances', { accounts: [a.address] });
    expect((balances['result'] as Json[])[0]?.['balance']).toBe(69_999_999_999_996n);
  });

  it('an on-chain meta tx whose auth function returns false, or a layer of a basic account, is rejected with the node\'s reason; the well-signed tx goes through', async () => {
    const { node, a, b } = await setup({ initiator: true, responder: false });
    const networkId = node.networkId;
    const tx: TxOf<typeof Tag.ChannelCreateTx, 2> = {
      tag: Tag.ChannelCreateTx, version: 2, initiatorId: a.address, initiatorAmount: 1000n, responderId: b.address, responderAmount: 500n,
      channelReserve: 1n, lockPeriod: 10n, ttl: 0n, fee: 20_000_000_000_000n, initiatorDelegateIds: [], responderDelegateIds: [],
      stateHash: computeStateHash({ [a.address]: 1000n, [b.address]: 500n }), nonce: 0n,
    };
    const unsigned = buildSignedTx(serializeObject(tx), []);
    const responderSigns = (wrapped: Encoded<'tx'>) => memorySigner(b.secretKey).signTransaction(wrapped, { networkId });
    // 1. the GA initiator's layer carries a signature of another key: authorize returns false
    const wrongKey = await responderSigns(await gaAuthSigner(a, b.secretKey).signTransaction(unsigned, { networkId }));
    await expect(node.chain.post(wrongKey)).rejects.toMatchObject({
      code: 'DEVNODE_TX_REJECTED', context: { reason: 'authentication failed', account: a.address, authReason: 'authenticate_false' },
    });
    // 2. the basic responder wraps the initiator's good layer in a layer of its own
    const basicLayer = await gaAuthSigner(b).signTransaction(await gaAuthSigner(a).signTransaction(unsigned, { networkId }), { networkId });
    await expect(node.chain.post(basicLayer)).rejects.toMatchObject({
      code: 'DEVNODE_TX_REJECTED', context: { reason: 'authentication failed', account: b.address, authReason: 'meta_tx_for_basic_account' },
    });
    expect(node.chain.channels()).toHaveLength(0);
    // the same tx with the owner's layer and the responder's signature is accepted
    await node.chain.post(await responderSigns(await gaAuthSigner(a).signTransaction(unsigned, { networkId })));
    await node.idle();
    expect(node.chain.channels()).toHaveLength(1);
  });

  it('a basic participant may not wrap, a generalized one may not sign (§3.2)', async () => {
    const { node, a, b } = await setup({ initiator: true, responder: false });
    // the GA initiator signs the create with its (former) key instead of a layer
    const c = await connect(node, a, b, { initiator: memorySigner(a.secretKey), responder: memorySigner(b.secretKey) });
    await c.initiator.signNext('initiator_sign');
    await c.initiator.waitInfo('bad_signature');
    // the basic responder wraps instead of signing
    const d = await connect(node, a, b, { initiator: gaAuthSigner(a), responder: gaAuthSigner(b) });
    await d.initiator.signNext('initiator_sign');
    await d.responder.signNext('responder_sign');
    await d.responder.waitInfo('bad_signature');
    expect(node.chain.channels()).toHaveLength(0);
  });
});
