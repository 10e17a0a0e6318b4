import { afterEach, describe, expect, it } from 'vitest';
import { buildPoi, buildSignedTx, decode, decodeSignedTx, serializeObject, Tag, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { dataOf, describe as d, openChannel, type TestClient } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

async function setup() {
  devnode = await startDevnode({ port: 0 });
  const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  const channel = await openChannel(devnode, a, b);
  return { devnode, a, b, ...channel };
}

async function transfer(from: TestClient, to: TestClient, fromId: Encoded<'ak'>, toId: Encoded<'ak'>, amount: bigint) {
  from.notify('channels.update.new', { from: fromId, to: toId, amount });
  await from.signNext('update', false);
  await to.signNext('update_ack', false);
  await Promise.all([from.waitMethod('channels.update'), to.waitMethod('channels.update')]);
}

describe('solo close and settle (§9.11)', () => {
  it('closes solo with the latest off-chain state, then settles after the lock period', async () => {
    const { devnode, a, b, initiator, responder, channelId } = await setup();
    await transfer(initiator, responder, a.address, b.address, 10n);
    initiator.reset();
    responder.reset();
    initiator.notify('channels.close_solo', {});
    const signed = await initiator.signNext('close_solo_sign');
    const tx = decodeSignedTx(signed).tx;
    expect(tx.tag).toBe(Tag.ChannelCloseSoloTx);
    expect((tx as { payload: Uint8Array }).payload.length).toBeGreaterThan(0);
    await Promise.all([initiator.waitInfo('closing'), responder.waitInfo('closing')]);
    expect(responder.received.map(d)).toEqual(['channels.on_chain_tx solo_closing', 'channels.info closing']);
    const onChain = devnode.chain.getChannel(channelId)!;
    expect(onChain.round).toBe(2n);
    expect(onChain.initiatorAmount).toBe(69_999_999_999_989n);
    expect(onChain.lockedUntil).toBeGreaterThan(0n);
    // Updates are refused while closing.
    expect(d(await initiator.request('channels.update.new', { from: a.address, to: b.address, amount: 1n }))).toBe('error -32603');
    const beforeB = devnode.chain.getBalance(b.address);
    responder.notify('channels.settle', {});
    const settle = await responder.signNext('settle_sign');
    const settleFee = (decodeSignedTx(settle).tx as { fee: bigint }).fee;
    await Promise.all([initiator.waitInfo('died'), responder.waitInfo('died')]);
    expect(responder.received.map(d).slice(-5)).toEqual([
      'channels.sign.settle_sign',
      'result ok',
      'channels.on_chain_tx channel_closed',
      'channels.info closed_confirmed',
      'channels.info died',
    ]);
    expect(devnode.chain.getBalance(b.address) - beforeB).toBe(40_000_000_000_011n - settleFee);
    expect(devnode.chain.getChannel(channelId)?.closedAt).toBeDefined();
  });

  it('reports can_slash for a stale close and lets the other party slash it', async () => {
    const { devnode, a, b, initiator, responder, channelId } = await setup();
    await transfer(initiator, responder, a.address, b.address, 10n);
    initiator.reset();
    responder.reset();
    // The initiator cheats: a close solo on the round-1 state (empty payload, PoI of the create state).
    const stale = {
      tag: Tag.ChannelCloseSoloTx,
      version: 1,
      channelId,
      fromId: a.address,
      payload: new Uint8Array(0),
      poi: decode(buildPoi({ [a.address]: 69_999_999_999_999n, [b.address]: 40_000_000_000_001n }, [a.address, b.address]), 'pi'),
      ttl: 0n,
      fee: 30_000_000_000_000n,
      nonce: devnode.chain.getAccount(a.address)!.nonce + 1n,
    } as const;
    const cheat = await initiator.sign(buildSignedTx(serializeObject(stale), []));
    await devnode.chain.post(cheat);
    await Promise.all([initiator.waitInfo('closing'), responder.waitInfo('closing')]);
    expect(responder.received.map(d)).toEqual(['channels.on_chain_tx can_slash', 'channels.info closing']);
    expect(dataOf(responder.received[0]!)['type']).toBe('channel_offchain_tx');
    responder.notify('channels.slash', {});
    await responder.signNext('slash_tx');
    const [si] = await Promise.all([initiator.waitMethod('channels.on_chain_tx'), responder.waitMethod('channels.on_chain_tx')]);
    expect(dataOf(si)).toMatchObject({ info: 'solo_closing', type: 'channel_slash_tx' });
    expect(devnode.chain.getChannel(channelId)?.round).toBe(2n);
    expect(devnode.chain.getChannel(channelId)?.responderAmount).toBe(40_000_000_000_011n);
  });
});

describe('snapshot (§9.12)', () => {
  it('needs an off-chain tx (1012), posts it, and reports min_depth_achieved to the requester', async () => {
    const { devnode, a, b, initiator, responder, channelId } = await setup();
    const refused = await initiator.request('channels.snapshot_solo', {});
    expect(d(refused)).toBe('error 2 [1012]');
    await transfer(initiator, responder, a.address, b.address, 3n);
    initiator.reset();
    responder.reset();
    const ok = await initiator.request('channels.snapshot_solo', {});
    expect(ok['result']).toBe('ok');
    await initiator.signNext('snapshot_solo_tx');
    await initiator.waitInfo('min_depth_achieved');
    expect(initiator.received.map(d)).toEqual([
      'result ok',
      'channels.sign.snapshot_solo_tx',
      'result ok',
      'channels.on_chain_tx channel_changed',
      'channels.info min_depth_achieved',
    ]);
    expect(dataOf(initiator.received[4]!)['tx_hash']).toMatch(/^th_/);
    expect(d(await responder.waitMethod('channels.on_chain_tx'))).toBe('channels.on_chain_tx channel_changed');
    expect(devnode.chain.getChannel(channelId)?.round).toBe(2n);
    expect(d(await initiator.request('channels.snapshot_solo', {}))).toBe('error 3 [1013]');
    // The channel stays usable.
    await transfer(responder, initiator, b.address, a.address, 1n);
  });
});
