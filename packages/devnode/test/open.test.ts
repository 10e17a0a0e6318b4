import { afterEach, describe, expect, it } from 'vitest';
import { decodeSignedTx, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { dataOf, describe as d, openChannel } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

describe('opening a channel', () => {
  it('runs the §9.2 sequence on both sides and creates the channel on chain', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [never, never];
    const { initiator, responder, channelId } = await openChannel(devnode, a, b);
    expect(initiator.received.map(d)).toEqual([
      'channels.info fsm_up',
      'channels.info channel_accept',
      'channels.sign.initiator_sign',
      'result ok',
      'channels.info funding_signed',
      'channels.on_chain_tx funding_signed',
      'channels.on_chain_tx channel_changed',
      'channels.info own_funding_locked',
      'channels.info funding_locked',
      'channels.info open',
      'channels.update',
    ]);
    expect(responder.received.map(d)).toEqual([
      'channels.info fsm_up',
      'channels.info channel_open',
      'channels.info funding_created',
      'channels.sign.responder_sign',
      'result ok',
      'channels.on_chain_tx funding_created',
      'channels.on_chain_tx channel_changed',
      'channels.info own_funding_locked',
      'channels.info funding_locked',
      'channels.info open',
      'channels.update',
    ]);
    const channel = devnode.chain.getChannel(channelId);
    expect(channel?.channelAmount).toBe(110_000_000_000_000n);
    expect(channel?.round).toBe(1n);
    expect(dataOf(responder.received[2]!)['fsm_id']).toBe(dataOf(responder.received[0]!)['fsm_id']);
    // Ceres (default): channel create tx v2.
    const create = decodeSignedTx(dataOf(initiator.received.at(-1)!)['state'] as Encoded<'tx'>);
    expect(create.tx.version).toBe(2);
    expect(create.signatures).toHaveLength(2);
  });

  it('builds create tx v1 with protocol iris and honours the gas_price open param', async () => {
    devnode = await startDevnode({ port: 0, protocol: 'iris' });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { initiator } = await openChannel(devnode, a, b, { extra: { gas_price: '2000000000' } });
    const create = decodeSignedTx(dataOf(initiator.received.at(-1)!)['state'] as Encoded<'tx'>).tx as { version: number; nonce: bigint; fee: bigint };
    expect(create.version).toBe(1);
    expect(create.nonce).toBe(1n);
    // §5.4: a 131-byte v1 create costs (15000 + 20 * 131) * gas price.
    expect(create.fee).toBe(17_620n * 2_000_000_000n);
  });

  it('uses the nonce open param; a nonce gap keeps the create tx in the mempool (§5.6)', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { TestClient, channelQuery, freshPort } = await import('./helpers/testClient.js');
    const port = freshPort();
    const open = { initiator: a.address, responder: b.address, port, extra: { nonce: '7' } };
    const initiator = await TestClient.connect(devnode, channelQuery('initiator', open), a);
    const responder = await TestClient.connect(devnode, channelQuery('responder', open), b);
    await initiator.signNext('initiator_sign');
    await responder.signNext('responder_sign');
    await initiator.waitFor((m) => m['method'] === 'channels.on_chain_tx');
    await devnode.idle();
    const pending = devnode.chain.mempool();
    expect(pending).toHaveLength(1);
    expect((decodeSignedTx(pending[0]!.signedTx).tx as { nonce: bigint }).nonce).toBe(7n);
    expect(devnode.chain.channels()).toEqual([]);
  });

  it('works with either side connecting first and a responder accepting any initiator', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { TestClient, channelQuery, freshPort } = await import('./helpers/testClient.js');
    const port = freshPort();
    const responder = await TestClient.connect(devnode, channelQuery('responder', { initiator: a.address, responder: b.address, port }).replace(/initiator_id=[^&]+/, 'initiator_id=any'), b);
    await responder.waitInfo('fsm_up');
    const initiator = await TestClient.connect(devnode, channelQuery('initiator', { initiator: a.address, responder: b.address, port }), a);
    await initiator.signNext('initiator_sign');
    await responder.signNext('responder_sign');
    await Promise.all([initiator.waitInfo('open'), responder.waitInfo('open')]);
  });
});
