/**
 * Two channels opened at once with identical parameters on one devnode: the initiator's
 * node picks the same account nonce for both (PROTOCOL.md §5.4), so both create txs are the
 * same tx and name the same channel id. The chain takes it once; the second posting is
 * refused, and that pair hears so at once (`channels.error` `tx_rejected`, then `info died`)
 * instead of waiting for an inclusion that never comes until its own timeout.
 */
import { isAechannelError } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel } from '../src/Channel.js';
import { freshPort, smallChannelOptions, startTestDevnode } from './helpers.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode();
});
afterAll(async () => {
  await devnode.stop();
});

describe('two identical channel opens on one devnode', () => {
  it('opens one; the other fails with the node\'s rejection, not a timeout', async () => {
    const a = devnode.accounts[0]!;
    const b = devnode.accounts[1]!;
    const common = {
      ...smallChannelOptions(devnode, 0, 1),
      url: devnode.url,
      // the bound of each open: a pair still waiting for its create tx fails with a timeout
      timeoutMs: 8_000,
      watcher: false,
    } as const;
    const openPair = (port: number) =>
      Promise.allSettled([
        Channel.open({ ...common, port, role: 'initiator', host: '127.0.0.1', signer: memorySigner(a.secretKey) }),
        Channel.open({ ...common, port, role: 'responder', signer: memorySigner(b.secretKey) }),
      ]);
    const pairs = await Promise.all([openPair(freshPort()), openPair(freshPort())]);
    const opened = pairs.filter((pair) => pair.every((side) => side.status === 'fulfilled'));
    const failed = pairs.filter((pair) => pair.every((side) => side.status === 'rejected'));
    try {
      expect(opened).toHaveLength(1);
      expect(failed).toHaveLength(1);
      for (const side of failed[0]!) {
        const reason = (side as PromiseRejectedResult).reason as unknown;
        expect(isAechannelError(reason)).toBe(true);
        // told by the node, not given up on after `timeoutMs`: the channel died before it was open
        expect(isAechannelError(reason, 'CHANNEL_CLOSED')).toBe(true);
        expect((reason as { context: { status?: string } }).context.status).toBe('died');
      }
      // the initiator hears why: the node rejected its create tx
      const reasons = failed[0]!.map((side) => ((side as PromiseRejectedResult).reason as { context: { nodeReason?: string } }).context.nodeReason);
      expect(reasons).toContain('tx_rejected');
      expect(devnode.chain.channels()).toHaveLength(1);
    } finally {
      for (const pair of pairs) for (const side of pair) if (side.status === 'fulfilled') side.value.dispose();
    }
  });
});
