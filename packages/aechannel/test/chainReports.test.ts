/**
 * Chain reports the client cannot confirm (issue 11, liveness). `channels.on_chain_tx
 * {info: can_slash | solo_closing}` says the chain holds a solo close, but the channel API
 * offers no way to look the tx up. Only the node's own state (`info closing`) moves the
 * channel to closing; a report without it must not latch the client into closing (after
 * the next reconnect it would refuse every operation while the node is open), nor leave
 * the watcher armed to slash or settle a channel that is open.
 */
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposePair, nextEvent, openLinked } from './liveness.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

describe('chain reports the client cannot confirm', () => {
  it.each(['can_slash', 'solo_closing'])('a fake `%s` (no such tx on chain) does not latch the channel into closing across a reconnect', async (info) => {
    const s = await openLinked(devnode, 1, 2);
    const { initiator: ini, responder: res } = s;
    const reported = nextEvent(ini.channel, 'onChainTx');
    ini.link.inject({
      jsonrpc: '2.0',
      method: 'channels.on_chain_tx',
      params: { channel_id: ini.channel.channelId, data: { info, tx: ini.channel.latestState, type: 'channel_offchain_tx' } },
    });
    expect(await reported).toMatchObject({ info });
    expect(ini.channel.status).toBe('open');
    const recovered = nextEvent(ini.channel, 'recovered');
    ini.link.cut();
    await recovered;
    expect(ini.channel.status).toBe('open');
    expect((await ini.channel.transfer(res.address, 10n, { timeoutMs: 5_000 })).round).toBe(2n);
    expect((await res.channel.transfer(ini.address, 1n, { timeoutMs: 5_000 })).round).toBe(3n);
    expect(ini.events.filter((e) => e.type.startsWith('watcher'))).toEqual([]);
    disposePair(s);
  });
});
