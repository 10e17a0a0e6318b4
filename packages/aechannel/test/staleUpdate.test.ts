/**
 * A forged or lost `channels.update` (issue 11, liveness). The node moved to the next
 * round; the client did not (it dropped a state whose co-signature does not verify, or the
 * message never arrived). The client must catch up on its own: a state report the driver
 * drops starts the same resync as an unknown co-signed state (fetch the node's latest
 * state with its trees, verify both signatures, adopt it); a round signed but never
 * reported is checked with the node after a while; a peer proposal built on a state the
 * client has not seen waits for that resync. Pending operations settle, later operations
 * and the peer's next proposal work.
 */
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMethod } from './faultyLink.js';
import { disposePair, openLinked, stateOf, storedState, until, withForgedPeerSignature, withState } from './liveness.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

describe('a forged or lost channels.update', () => {
  it('a forged co-signature: a security event, then the node’s state is fetched, verified and adopted; the transfer settles and the channel goes on', async () => {
    const s = await openLinked(devnode, 0, 1);
    const { initiator: ini, responder: res } = s;
    const forged = ini.link.rewriteNext(isMethod('channels.update'), async (m) => withState(m, await withForgedPeerSignature(stateOf(m), ini.secretKey, devnode.networkId)));
    const result = await ini.channel.transfer(res.address, 10n, { timeoutMs: 5_000 });
    const genuine = stateOf(await forged);
    expect(result.round).toBe(2n);
    expect(result.state).toBe(genuine); // the node's own co-signed state, not the forged one
    expect(ini.events).toContainEqual(expect.objectContaining({ type: 'security', tag: null, details: expect.objectContaining({ method: 'channels.update', round: 2n }) }));
    expect(ini.events).toContainEqual(expect.objectContaining({ type: 'stateResynced', round: 2n, state: genuine }));
    expect(await storedState(s, ini)).toEqual({ round: 2n, valid: true });
    // later own transfers and the peer's next proposal work
    expect((await ini.channel.transfer(res.address, 5n, { timeoutMs: 5_000 })).round).toBe(3n);
    expect((await res.channel.transfer(ini.address, 7n, { timeoutMs: 5_000 })).round).toBe(4n);
    await until(() => ini.channel.round === 4n, 'initiator at round 4');
    expect(ini.channel.localBalances).toEqual({ [ini.address]: 992n, [res.address]: 1008n });
    expect(res.channel.localBalances).toEqual(ini.channel.localBalances);
    disposePair(s);
  });

  it('a forged co-signature on the acknowledger’s report: it catches up the same way and co-signs the next proposal', async () => {
    const s = await openLinked(devnode, 2, 3);
    const { initiator: ini, responder: res } = s;
    const forged = res.link.rewriteNext(isMethod('channels.update'), async (m) => withState(m, await withForgedPeerSignature(stateOf(m), res.secretKey, devnode.networkId)));
    expect((await ini.channel.transfer(res.address, 10n, { timeoutMs: 5_000 })).round).toBe(2n);
    const genuine = stateOf(await forged);
    await until(() => res.channel.round === 2n, 'responder at round 2');
    expect(res.channel.latestState).toBe(genuine);
    expect((await ini.channel.transfer(res.address, 5n, { timeoutMs: 5_000 })).round).toBe(3n);
    expect((await res.channel.transfer(ini.address, 1n, { timeoutMs: 5_000 })).round).toBe(4n);
    expect(await storedState(s, res)).toEqual({ round: 4n, valid: true });
    disposePair(s);
  });

  it('a lost channels.update to the proposer: its transfer settles from the node’s state, later transfers run', async () => {
    const s = await openLinked(devnode, 4, 5, { initiator: { operationTimeouts: { stateCheck: 50 } } });
    const { initiator: ini, responder: res } = s;
    const lost = ini.link.dropNext(isMethod('channels.update'));
    const result = await ini.channel.transfer(res.address, 10n, { timeoutMs: 5_000 });
    expect(result.round).toBe(2n);
    expect(result.state).toBe(stateOf(await lost));
    expect(await storedState(s, ini)).toEqual({ round: 2n, valid: true });
    expect((await ini.channel.transfer(res.address, 5n, { timeoutMs: 5_000 })).round).toBe(3n);
    expect((await res.channel.transfer(ini.address, 1n, { timeoutMs: 5_000 })).round).toBe(4n);
    disposePair(s);
  });

  it('a lost channels.update to the acknowledger: the peer’s next proposal is co-signed once the node’s state is adopted', async () => {
    // (the periodic state check is far away: the next proposal itself must resynchronise)
    const s = await openLinked(devnode, 6, 7, { responder: { operationTimeouts: { stateCheck: 600_000 } } });
    const { initiator: ini, responder: res } = s;
    const lost = res.link.dropNext(isMethod('channels.update'));
    expect((await ini.channel.transfer(res.address, 10n, { timeoutMs: 5_000 })).round).toBe(2n);
    await lost;
    expect(res.channel.round).toBe(1n); // behind the node
    const second = await ini.channel.transfer(res.address, 5n, { timeoutMs: 5_000 });
    expect(second.round).toBe(3n);
    await until(() => res.channel.round === 3n, 'responder at round 3');
    expect(res.events.filter((e) => e.type === 'peerUpdateRefused' || (e.type === 'security' && e.tag !== null))).toEqual([]);
    expect((await res.channel.transfer(ini.address, 3n, { timeoutMs: 5_000 })).round).toBe(4n);
    expect(await storedState(s, res)).toEqual({ round: 4n, valid: true });
    disposePair(s);
  });

  it('a lost channels.update to the acknowledger: its own next transfer runs once the node’s state is checked', async () => {
    const s = await openLinked(devnode, 8, 9, { responder: { operationTimeouts: { stateCheck: 50 } } });
    const { initiator: ini, responder: res } = s;
    const lost = res.link.dropNext(isMethod('channels.update'));
    expect((await ini.channel.transfer(res.address, 10n, { timeoutMs: 5_000 })).round).toBe(2n);
    await lost;
    expect((await res.channel.transfer(ini.address, 3n, { timeoutMs: 5_000 })).round).toBe(3n);
    await until(() => ini.channel.round === 3n, 'initiator at round 3');
    expect(res.channel.localBalances).toEqual(ini.channel.localBalances);
    disposePair(s);
  });
});
