/**
 * A sign round the drop left open at the node (issue 11, liveness). The responder's socket
 * drops just as the node sends the first message of the initiator's operation (`info
 * update`, `withdraw_created`, `deposit_created`): the responder never sees the sign
 * request, and the node does not repeat it after a reconnect (PROTOCOL.md §6.3, §9.7). The
 * node fsm waits for that signature, and the initiator's operation would hang until the
 * node's accept timer (120 s, §9.9). After reconnecting, the responder asks the node for
 * its event log (`channels.history.fetch`, §7.5), finds the sign request it never answered
 * and aborts that round (§9.6) without a process restart: the initiator sees a conflict at
 * once and can retry.
 */
import { isAechannelError } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInfo } from './faultyLink.js';
import { disposePair, nextEvent, openLinked, until, type LinkedPair } from './liveness.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

describe('a sign round the drop left open at the node', () => {
  const cases = [
    { event: 'update', tag: 'update_ack', run: (s: LinkedPair) => s.initiator.channel.transfer(s.responder.address, 10n, { timeoutMs: 10_000 }) },
    { event: 'withdraw_created', tag: 'withdraw_ack', run: (s: LinkedPair) => s.initiator.channel.withdraw(10n, { timeoutMs: 10_000 }) },
    { event: 'deposit_created', tag: 'deposit_ack', run: (s: LinkedPair) => s.initiator.channel.deposit(10n, { timeoutMs: 10_000 }) },
  ] as const;
  it.each(cases)('the responder’s socket drops as `info $event` is sent: after reconnecting it aborts the round, the initiator sees a conflict, a retry works', async ({ event, tag, run }) => {
    const s = await openLinked(devnode, 5, 6);
    const { initiator: ini, responder: res } = s;
    const cut = res.link.cutOn(isInfo(event));
    const aborted = nextEvent(res.channel, 'staleRoundAborted');
    const error = await run(s).catch((e: unknown) => e);
    await cut;
    // the initiator's operation ends with the node's conflict, not after its accept timer
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect(await aborted).toMatchObject({ type: 'staleRoundAborted', tag });
    await until(() => res.channel.status === 'open', 'responder open again');
    expect(res.link.connections).toBe(2); // one reconnect, no process restart
    const retried = await run(s);
    expect(retried.round).toBe(2n);
    await until(() => res.channel.round === 2n, 'responder at round 2');
    expect(res.channel.localBalances).toEqual(ini.channel.localBalances);
    disposePair(s);
  });

  it('a reconnect with no round open aborts nothing', async () => {
    const s = await openLinked(devnode, 7, 8);
    const { initiator: ini, responder: res } = s;
    await ini.channel.transfer(res.address, 10n);
    const recovered = nextEvent(res.channel, 'recovered');
    res.link.cut();
    await recovered;
    expect(res.events.filter((e) => e.type === 'staleRoundAborted' || e.type === 'error')).toEqual([]);
    expect((await ini.channel.transfer(res.address, 1n, { timeoutMs: 5_000 })).round).toBe(3n);
    disposePair(s);
  });
});
