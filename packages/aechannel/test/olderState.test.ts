/**
 * An older genuine state sent as `channels.update` (issue 11, liveness): both signatures
 * are valid, but the round is behind ours. It is not adopted, and it is reported as a
 * `security` event like a forged state, instead of being ignored silently.
 */
import { buildSignedTx, computeStateHash, decode, decodeSignedTx, packTx, unpackTx, type ChannelOffChainTx } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposePair, openLinked } from './liveness.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

describe('an older genuine state sent as channels.update', () => {
  it('is reported as a security event, like a forged one, and not adopted', async () => {
    const s = await openLinked(devnode, 3, 4);
    const { initiator: ini, responder: res } = s;
    const old = (await ini.channel.transfer(res.address, 10n)).state;
    await ini.channel.transfer(res.address, 10n);
    const stored = await ini.store.read(ini.channel.channelId!);
    const before = ini.events.length;
    ini.link.inject({ jsonrpc: '2.0', method: 'channels.update', params: { channel_id: ini.channel.channelId, data: { state: old } } });
    await ini.channel.ping(); // its reply is handled after the injected message
    expect(ini.events.slice(before).filter((e) => e.type === 'security')).toEqual([
      expect.objectContaining({ type: 'security', tag: null, details: expect.objectContaining({ round: 2n, knownRound: 3n }) }),
    ]);
    expect(ini.channel.round).toBe(3n);
    expect(await ini.store.read(ini.channel.channelId!)).toBe(stored);
    expect((await ini.channel.transfer(res.address, 1n, { timeoutMs: 5_000 })).round).toBe(4n);
    disposePair(s);
  });

  it('a different state of our own round, validly signed by both, is reported; our own state again is not', async () => {
    const s = await openLinked(devnode, 5, 6);
    const { initiator: ini, responder: res } = s;
    const { state } = await ini.channel.transfer(res.address, 10n);
    const inner = unpackTx(buildSignedTx(decodeSignedTx(state).innerBytes, [])) as unknown as { encodedTx: ChannelOffChainTx };
    const other = packTx({ ...inner.encodedTx, stateHash: computeStateHash({ [ini.address]: 1n, [res.address]: 1999n }) });
    let twin = buildSignedTx(decode(other, 'tx'), []);
    for (const key of [ini.secretKey, res.secretKey]) twin = await memorySigner(key as never).signTransaction(twin, { networkId: devnode.networkId });
    const stored = await ini.store.read(ini.channel.channelId!);
    const before = ini.events.length;
    ini.link.inject({ jsonrpc: '2.0', method: 'channels.update', params: { channel_id: ini.channel.channelId, data: { state: twin } } });
    ini.link.inject({ jsonrpc: '2.0', method: 'channels.update', params: { channel_id: ini.channel.channelId, data: { state } } });
    await ini.channel.ping();
    expect(ini.events.slice(before).filter((e) => e.type === 'security')).toEqual([
      expect.objectContaining({ type: 'security', tag: null, details: expect.objectContaining({ round: 2n, knownRound: 2n }) }),
    ]);
    expect(ini.channel.latestState).toBe(state);
    expect(await ini.store.read(ini.channel.channelId!)).toBe(stored);
    disposePair(s);
  });
});
