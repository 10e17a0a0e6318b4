import { afterEach, describe, expect, it } from 'vitest';
import { startDevnode, type Devnode } from '@aechannel/devnode';
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
  });
});
