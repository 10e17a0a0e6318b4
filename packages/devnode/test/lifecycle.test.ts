/**
 * Resources of a devnode: `stop()` leaves no timer, FSM or open connection behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock, startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { channelQuery, dataOf, freshPort, openChannel, TestClient } from './helpers/testClient.js';

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

describe('timers while solo-closing (§9.9)', () => {
  it('a mutual close that times out while the channel is solo-closing returns to channel_closing instead of dying', async () => {
    const clock = createManualClock();
    devnode = await startDevnode({ port: 0, clock });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { initiator, responder, channelId } = await openChannel(devnode, a, b, { extra: { timeout_accept: '1000' } });
    initiator.notify('channels.close_solo', {});
    await initiator.signNext('close_solo_sign');
    await Promise.all([initiator.waitInfo('closing'), responder.waitInfo('closing')]);
    initiator.notify('channels.shutdown', {});
    await initiator.signNext('shutdown_sign');
    await responder.signRequest('shutdown_sign_ack'); // never answered
    await devnode.idle();
    expect(devnode.inspect(channelId, 'initiator')?.state).toBe('mutual_closing');
    clock.advance(1000);
    await devnode.idle();
    expect(initiator.received.map((m) => (m['params'] as { data?: { event?: string } } | undefined)?.data?.event)).not.toContain('died');
    expect(devnode.inspect(channelId, 'initiator')?.state).toBe('channel_closing');
    // The acknowledger's pending co-signature is voided as for any timed-out update (§9.8).
    expect(dataOf(await responder.waitMethod('channels.conflict'))).toMatchObject({ error_code: 3n, error_msg: 'timeout' });
    expect(devnode.inspect(channelId, 'responder')?.state).toBe('channel_closing');
  });
});
