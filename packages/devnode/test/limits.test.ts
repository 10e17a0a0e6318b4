/**
 * Open parameters at the edge of what a client may send: the devnode keeps working and
 * reports nothing to `onError`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { openChannel } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

describe('huge minimum_depth (§10.1)', () => {
  it('opens a channel with a txfee factor of 10^12', async () => {
    const errors: unknown[] = [];
    devnode = await startDevnode({ port: 0, onError: (e) => errors.push(e) });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { channelId } = await openChannel(devnode, a, b, { extra: { minimum_depth: String(10n ** 12n) } });
    expect(errors).toEqual([]);
    expect(devnode.chain.getChannel(channelId)?.round).toBe(1n);
  });

  it('opens a channel waiting 10^12 plain confirmations: instant mode jumps without a hash per block', async () => {
    const errors: unknown[] = [];
    devnode = await startDevnode({ port: 0, onError: (e) => errors.push(e) });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    await openChannel(devnode, a, b, { extra: { minimum_depth_strategy: 'plain', minimum_depth: String(10n ** 12n) } });
    expect(errors).toEqual([]);
    expect(devnode.chain.height).toBeGreaterThanOrEqual(10n ** 12n);
  });
});
