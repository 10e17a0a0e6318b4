/**
 * Resources of a devnode: `stop()` leaves no timer, FSM or open connection behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { channelQuery, freshPort, openChannel, TestClient } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

describe('stop()', () => {
  it('clears every timer it armed on the clock (FSM timers, latency, reply delay, interval mining)', async () => {
    const clock = createManualClock();
    devnode = await startDevnode({ port: 0, clock });
    const [a, b, c] = devnode.accounts as [DevnodeAccount, DevnodeAccount, DevnodeAccount];
    const { initiator, responder } = await openChannel(devnode, a, b, { via: 'memory' });
    // A second FSM still waiting for its peer, a delayed reply and interval mining.
    const lonely = await TestClient.connect(devnode, channelQuery('initiator', { initiator: c.address, responder: b.address, port: freshPort() }), c, 'memory');
    await lonely.waitInfo('fsm_up');
    devnode.chain.setBlockMode(60_000);
    devnode.faults.setReplyDelay(5);
    initiator.notify('channels.system', { action: 'ping' });
    await devnode.idle();
    expect(clock.pending()).toBeGreaterThan(0);
    await devnode.stop();
    expect(clock.pending()).toBe(0);
    await Promise.all([initiator.closedPromise, responder.closedPromise, lonely.closedPromise]);
    const height = devnode.chain.height;
    clock.advance(10 * 60_000);
    await devnode.idle();
    expect(devnode.chain.height).toBe(height);
  });
});
