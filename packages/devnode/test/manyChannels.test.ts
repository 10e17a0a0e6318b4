import { afterEach, describe, expect, it } from 'vitest';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { openChannel, type Json } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

describe('many channels on one devnode', () => {
  it('opens 100 channels concurrently over WebSockets and runs a transfer on each', async () => {
    devnode = await startDevnode({ port: 0, accounts: 200 });
    const node = devnode;
    const accounts = node.accounts as DevnodeAccount[];
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const a = accounts[2 * i] as DevnodeAccount;
        const b = accounts[2 * i + 1] as DevnodeAccount;
        const { initiator, responder, channelId } = await openChannel(node, a, b, { port: 4000 + i });
        const amount = BigInt(i + 1);
        initiator.notify('channels.update.new', { from: a.address, to: b.address, amount });
        await initiator.signNext('update', false);
        await responder.signNext('update_ack', false);
        await Promise.all([initiator.waitMethod('channels.update'), responder.waitMethod('channels.update')]);
        const reply = await responder.request('channels.get.balances', { accounts: [a.address, b.address] });
        initiator.close();
        responder.close();
        return { channelId, amount, balances: (reply['result'] as Json[]).map((x) => x['balance']) };
      }),
    );
    expect(new Set(results.map((r) => r.channelId)).size).toBe(100);
    for (const r of results) {
      expect(r.balances).toEqual([69_999_999_999_999n - r.amount, 40_000_000_000_001n + r.amount]);
      expect(node.chain.getChannel(r.channelId)?.round).toBe(1n);
    }
    expect(node.chain.channels()).toHaveLength(100);
  }, 60_000);
});
