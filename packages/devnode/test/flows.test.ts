import { afterEach, describe, expect, it } from 'vitest';
import { addSignatures, decodeSignedTx, hashSigningPayload, Tag, type Encoded } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { dataOf, describe as d, openChannel, type Json } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

async function setup(options: Parameters<typeof startDevnode>[0] = {}) {
  devnode = await startDevnode({ port: 0, ...options });
  const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  const channel = await openChannel(devnode, a, b);
  channel.initiator.reset();
  channel.responder.reset();
  return { devnode, a, b, ...channel };
}

const balances = async (client: { request: (m: string, p: Json) => Promise<Json> }, a: DevnodeAccount, b: DevnodeAccount) => {
  const reply = await client.request('channels.get.balances', { accounts: [a.address, b.address] });
  return (reply['result'] as Json[]).map((x) => x['balance']);
};

describe('transfer (§9.3)', () => {
  it('co-signs an off-chain update and reports channels.update to both', async () => {
    const { a, b, initiator, responder } = await setup();
    const ok = await initiator.request('channels.update.new', { from: a.address, to: b.address, amount: 5n });
    expect(ok['result']).toBe('ok');
    await initiator.signNext('update');
    await responder.waitInfo('update');
    await responder.signNext('update_ack');
    const [iu, ru] = await Promise.all([initiator.waitMethod('channels.update'), responder.waitMethod('channels.update')]);
    expect(dataOf(iu)['state']).toBe(dataOf(ru)['state']);
    const { tx, signatures } = decodeSignedTx(dataOf(iu)['state'] as Encoded<'tx'>);
    expect(tx.tag).toBe(Tag.ChannelOffChainTx);
    expect((tx as { round: bigint }).round).toBe(2n);
    expect(signatures).toHaveLength(2);
    expect(await balances(initiator, a, b)).toEqual([69_999_999_999_994n, 40_000_000_000_006n]);
    expect(initiator.received.map(d)).toEqual(['result ok', 'channels.sign.update', 'result ok', 'channels.update', 'result object']);
    expect(responder.received.map(d)).toEqual(['channels.info update', 'channels.sign.update_ack', 'result ok', 'channels.update']);
  });

  it('lets the starter request coins from the peer', async () => {
    const { a, b, initiator, responder } = await setup();
    initiator.notify('channels.update.new', { from: b.address, to: a.address, amount: 7n });
    await initiator.signNext('update', false);
    await responder.signNext('update_ack', false);
    await initiator.waitMethod('channels.update');
    expect(await balances(responder, a, b)).toEqual([70_000_000_000_006n, 39_999_999_999_994n]);
    // No reply at all to successful requests without id (§7.1).
    expect(initiator.received.map(d).slice(0, 2)).toEqual(['channels.sign.update', 'channels.update']);
  });

  it('accepts signatures in hash mode (§3.1)', async () => {
    const { a, b, initiator, responder } = await setup();
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 2n });
    const request = await initiator.signRequest('update');
    const { innerBytes } = decodeSignedTx(request.signedTx);
    const signature = await memorySigner(a.secretKey).signBytes(hashSigningPayload(innerBytes, initiator.networkId));
    initiator.notify('channels.update', { signed_tx: addSignatures(request.signedTx, [signature]) });
    await responder.signNext('update_ack', false);
    const update = await initiator.waitMethod('channels.update');
    expect(decodeSignedTx(dataOf(update)['state'] as Encoded<'tx'>).signatures).toHaveLength(2);
  });

  it('answers bad transfer parameters with the node codes', async () => {
    const { a, b, initiator } = await setup();
    const codes = async (params: Json) => {
      const reply = await initiator.request('channels.update.new', params);
      return d(reply);
    };
    expect(await codes({ from: a.address, to: b.address })).toBe('error -32601');
    expect(await codes({ from: 'ak_broken', to: b.address, amount: 1n })).toBe('error 3 [1005]');
    expect(await codes({ from: a.address, to: b.address, amount: '1' })).toBe('error 3 [1008]');
    expect(await codes({ from: a.address, to: b.address, amount: -1n })).toBe('error 3 [1002]');
    expect(await codes({ from: a.address, to: a.address, amount: 1n })).toBe('error 3 [1003]');
    expect(await codes({ from: a.address, to: b.address, amount: 10n ** 20n })).toBe('error 3 [1001]');
    expect(await codes({ from: a.address, to: b.address, amount: 1n, meta: [1n] })).toBe('error 3 [1014]');
    const err = (await initiator.request('channels.update.new', { from: a.address, to: b.address, amount: -1n }))['error'] as Json;
    expect((err['request'] as Json)['method']).toBe('channels.update.new');
  });

  it('rejects a reply signed with the wrong key: channels.error then conflict code 1', async () => {
    const { a, b, initiator, responder } = await setup();
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    const request = await initiator.signRequest('update');
    const forged = await responder.sign(request.signedTx); // the peer's key, not the initiator's
    initiator.notify('channels.update', { signed_tx: forged });
    const error = await initiator.waitMethod('channels.error');
    expect(dataOf(error)['message']).toBe('bad_signature');
    const conflict = await initiator.waitMethod('channels.conflict');
    expect(dataOf(conflict)).toMatchObject({ error_code: 1n, error_msg: 'validation error', round: 1n });
    // The state did not move.
    expect(await balances(initiator, a, b)).toEqual([69_999_999_999_999n, 40_000_000_000_001n]);
  });
});

describe('deposit and withdraw (§9.4)', () => {
  it('withdraws on chain with both signatures and updates balances', async () => {
    const { devnode, a, b, initiator, responder } = await setup();
    const before = devnode.chain.getBalance(a.address);
    initiator.notify('channels.withdraw', { amount: 1_000n });
    await initiator.signNext('withdraw_tx');
    await responder.waitInfo('withdraw_created');
    await responder.signNext('withdraw_ack');
    await Promise.all([initiator.waitMethod('channels.update'), responder.waitMethod('channels.update')]);
    expect(initiator.received.map(d)).toEqual([
      'channels.sign.withdraw_tx',
      'result ok',
      'channels.on_chain_tx withdraw_signed',
      'channels.on_chain_tx channel_changed',
      'channels.info own_withdraw_locked',
      'channels.info withdraw_locked',
      'channels.update',
    ]);
    expect(responder.received.map(d)).toEqual([
      'channels.info withdraw_created',
      'channels.sign.withdraw_ack',
      'result ok',
      'channels.on_chain_tx withdraw_created',
      'channels.on_chain_tx channel_changed',
      'channels.info own_withdraw_locked',
      'channels.info withdraw_locked',
      'channels.update',
    ]);
    expect(await balances(initiator, a, b)).toEqual([69_999_999_998_999n, 40_000_000_000_001n]);
    const after = devnode.chain.getBalance(a.address);
    const state = initiator.received.find((m) => m['method'] === 'channels.update')!;
    const withdrawTx = decodeSignedTx(dataOf(state)['state'] as Encoded<'tx'>).tx as { fee: bigint };
    expect(after - before).toBe(1_000n - withdrawTx.fee);
  });

  it('deposits from the responder', async () => {
    const { devnode, a, b, initiator, responder, channelId } = await setup();
    responder.notify('channels.deposit', { amount: 5_000n });
    await responder.signNext('deposit_tx');
    await initiator.signNext('deposit_ack');
    await Promise.all([initiator.waitMethod('channels.update'), responder.waitMethod('channels.update')]);
    expect(await balances(initiator, a, b)).toEqual([69_999_999_999_999n, 40_000_000_005_001n]);
    expect(devnode.chain.getChannel(channelId)?.channelAmount).toBe(110_000_000_005_000n);
    expect(devnode.chain.getChannel(channelId)?.round).toBe(2n);
  });

  it('refuses zero, overdrawn and non-numeric amounts', async () => {
    const { initiator } = await setup();
    expect(d(await initiator.request('channels.withdraw', { amount: 0n }))).toBe('error -32603');
    expect(d(await initiator.request('channels.withdraw', { amount: 10n ** 20n }))).toBe('error -32603');
    expect(d(await initiator.request('channels.deposit', { amount: 'x' }))).toBe('error 3 [1008]');
    expect(d(await initiator.request('channels.deposit', { amount: -5n }))).toBe('error 3 [1002]');
    expect(d(await initiator.request('channels.deposit', {}))).toBe('error -32601');
  });
});

describe('fee parameters (§5.3)', () => {
  it('uses a given fee, refuses one below the protocol minimum, and scales with gas_price', async () => {
    const { initiator } = await setup();
    expect(d(await initiator.request('channels.withdraw', { amount: 5n, fee: 1n }))).toBe('error -32603');
    initiator.notify('channels.withdraw', { amount: 5n, fee: 10n ** 15n });
    const given = decodeSignedTx((await initiator.signRequest('withdraw_tx')).signedTx).tx as { fee: bigint; nonce: bigint };
    expect(given.fee).toBe(10n ** 15n);
    initiator.notify('channels.withdraw_tx', { error: 300n });
    await initiator.waitInfo('aborted_update');
    initiator.notify('channels.withdraw', { amount: 5n, gas_price: 3_000_000_000n, nonce: 42n });
    const scaled = decodeSignedTx((await initiator.signRequest('withdraw_tx')).signedTx).tx as { fee: bigint; nonce: bigint };
    expect(scaled.fee % 3_000_000_000n).toBe(0n);
    expect(scaled.nonce).toBe(42n);
  });
});

describe('reply delay fault', () => {
  it('delays node frames but keeps their order', async () => {
    const { devnode, initiator } = await setup();
    devnode.faults.setReplyDelay(30);
    const started = Date.now();
    const [first, second] = await Promise.all([
      initiator.request('channels.system', { action: 'ping' }),
      initiator.request('channels.get.offchain_state', {}),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(initiator.received.indexOf(first)).toBeLessThan(initiator.received.indexOf(second));
  });
});

describe('aborts (§9.6)', () => {
  it('starter abort gives aborted_update; acknowledger abort gives the peer a conflict with the code', async () => {
    const { a, b, initiator, responder } = await setup();
    initiator.notify('channels.withdraw', { amount: 2n });
    await initiator.signRequest('withdraw_tx');
    initiator.notify('channels.withdraw_tx', { error: 42n });
    await initiator.waitInfo('aborted_update');
    // Nothing pending now: 1018.
    const nothing = await initiator.request('channels.withdraw_tx', { error: 42n });
    expect(d(nothing)).toBe('error 3 [1018]');
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    await responder.signRequest('update_ack');
    responder.notify('channels.update_ack', { error: 200n });
    await responder.waitInfo('aborted_update');
    const conflict = await initiator.waitMethod('channels.conflict');
    expect(dataOf(conflict)).toMatchObject({ error_code: 200n, error_msg: 'user-defined', round: 1n });
    expect(d(await initiator.request('channels.update', { error: 0n }))).toBe('error -32603');
  });
});

describe('conflicts (§9.5)', () => {
  it('crossing updates conflict once on each side and fall back to the last round', async () => {
    const { a, b, initiator, responder } = await setup();
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    responder.notify('channels.update.new', { from: b.address, to: a.address, amount: 1n });
    const [ri, rr] = await Promise.all([initiator.signRequest('update'), responder.signRequest('update')]);
    const [si, sr] = await Promise.all([initiator.sign(ri.signedTx), responder.sign(rr.signedTx)]);
    initiator.notify('channels.update', { signed_tx: si });
    responder.notify('channels.update', { signed_tx: sr });
    const [ci, cr] = await Promise.all([initiator.waitMethod('channels.conflict'), responder.waitMethod('channels.conflict')]);
    expect(dataOf(ci)).toMatchObject({ error_code: 2n, round: 1n });
    expect(dataOf(cr)).toMatchObject({ error_code: 2n, round: 1n });
    await devnode?.idle();
    expect(initiator.unread.map(d)).toEqual([]);
    expect(await balances(initiator, a, b)).toEqual([69_999_999_999_999n, 40_000_000_000_001n]);
  });

  it('a request of the client asked to co-sign the peer\'s update rejects that update (conflict both sides) and is dropped, not signed (issue 14)', async () => {
    const { a, b, initiator, responder } = await setup();
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    await responder.signRequest('update_ack');
    // instead of co-signing, the responder asks for an update of its own (a race, §9.5)
    responder.reset();
    responder.send({ id: 1n, method: 'channels.update.new', params: { from: b.address, to: a.address, amount: 2n } });
    expect(dataOf(await initiator.waitMethod('channels.conflict'))).toMatchObject({ error_code: 2n, round: 1n });
    await devnode?.idle();
    // answered ok, the peer's update rejected; the request that caused the conflict is dropped: no sign request for it
    expect(responder.received.map(d)).toEqual(['result ok', 'channels.conflict code=2']);
    expect(dataOf(responder.received[1]!)).toMatchObject({ error_code: 2n, round: 1n });
    expect(initiator.unread.map(d)).toEqual([]);
    expect(await balances(initiator, a, b)).toEqual([69_999_999_999_999n, 40_000_000_000_001n]);
    // the channel goes on: the next request runs
    expect((await responder.request('channels.update.new', { from: b.address, to: a.address, amount: 2n }))['result']).toBe('ok');
    await responder.signNext('update');
    await initiator.signNext('update_ack');
    await Promise.all([initiator.waitMethod('channels.update'), responder.waitMethod('channels.update')]);
    expect(await balances(initiator, a, b)).toEqual([70_000_000_000_001n, 39_999_999_999_999n]);
  });

  it('an injected conflict (fault knob) makes the next update conflict', async () => {
    const { devnode, a, b, initiator, responder, channelId } = await setup();
    devnode.faults.conflictNextUpdate(channelId, 'responder');
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    expect(dataOf(await initiator.waitMethod('channels.conflict'))['error_code']).toBe(2n);
    expect(dataOf(await responder.waitMethod('channels.conflict'))['error_code']).toBe(2n);
  });
});

describe('mutual close (§9.10)', () => {
  it('closes the channel, pays out the final balances and ends both FSMs', async () => {
    const { devnode, a, b, initiator, responder, channelId } = await setup();
    const beforeA = devnode.chain.getBalance(a.address);
    const beforeB = devnode.chain.getBalance(b.address);
    responder.notify('channels.shutdown', {});
    await responder.signNext('shutdown_sign');
    await initiator.waitInfo('shutdown');
    await initiator.signNext('shutdown_sign_ack');
    await Promise.all([initiator.waitInfo('died'), responder.waitInfo('died')]);
    await Promise.all([initiator.closedPromise, responder.closedPromise]);
    expect(initiator.received.map(d)).toEqual([
      'channels.info shutdown',
      'channels.sign.shutdown_sign_ack',
      'result ok',
      'channels.on_chain_tx close_mutual',
      'channels.info closing',
      'channels.on_chain_tx channel_closed',
      'channels.info closed_confirmed',
      'channels.info died',
    ]);
    expect(responder.received.map(d)).toEqual([
      'channels.sign.shutdown_sign',
      'result ok',
      'channels.on_chain_tx close_mutual',
      'channels.info closing',
      'channels.on_chain_tx channel_closed',
      'channels.info closed_confirmed',
      'channels.info died',
    ]);
    expect(devnode.chain.getChannel(channelId)?.closedAt).toBeDefined();
    const fee = (decodeSignedTx(dataOf(initiator.received[3]!)['tx'] as Encoded<'tx'>).tx as { fee: bigint }).fee;
    const gained = devnode.chain.getBalance(a.address) - beforeA + (devnode.chain.getBalance(b.address) - beforeB);
    expect(gained).toBe(110_000_000_000_000n - fee);
  });
});
