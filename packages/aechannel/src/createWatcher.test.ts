import type { Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { createWatcher, type WatcherEvent, type WatcherHost } from './createWatcher.js';

const tx = (n: number) => `tx_${n}` as Encoded<'tx'>;

function host(fail: Partial<Record<'slash' | 'settle' | 'snapshot', boolean>> = {}) {
  const calls: string[] = [];
  const events: WatcherEvent[] = [];
  const resolvers: (() => void)[] = [];
  const action = (name: 'slash' | 'settle' | 'snapshot', n: number) => () => {
    calls.push(name);
    return new Promise<{ tx: Encoded<'tx'> }>((resolve, reject) => {
      resolvers.push(() => (fail[name] === true ? reject(new Error(`${name} failed`)) : resolve({ tx: tx(n) })));
    });
  };
  const h: WatcherHost = { slash: action('slash', 1), settle: action('settle', 2), snapshot: action('snapshot', 3), report: (e) => events.push(e) };
  const flush = async () => {
    for (const resolve of resolvers.splice(0)) resolve();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { h, calls, events, flush };
}

describe('createWatcher', () => {
  it('slashes only once the channel is closing, then settles after the slash is on chain', async () => {
    const { h, calls, events, flush } = host();
    const watcher = createWatcher(h);
    watcher.onStatus('open');
    watcher.onChainTx({ info: 'can_slash', txType: 'channel_offchain_tx', tx: tx(9) });
    expect(calls).toEqual([]); // still open: a slash would be refused
    watcher.onStatus('closing');
    expect(calls).toEqual(['slash']);
    watcher.onChainTx({ info: 'can_slash', txType: 'channel_offchain_tx', tx: tx(9) });
    expect(calls).toEqual(['slash']); // not twice while in flight
    await flush();
    expect(events.map((e) => e.type)).toEqual(['watcherSlashed']);
    watcher.onChainTx({ info: 'solo_closing', txType: 'channel_slash_tx', tx: tx(5) });
    expect(calls).toEqual(['slash', 'settle']);
    await flush();
    watcher.onChainTx({ info: 'channel_closed', txType: 'channel_settle_tx', tx: tx(6) });
    expect(events.map((e) => e.type)).toEqual(['watcherSlashed', 'watcherSettling', 'watcherSettled']);
  });

  it('forgets a slash or settle that a report asked for when the node says the channel is open (issue 11)', async () => {
    const { h, calls } = host();
    const watcher = createWatcher(h);
    watcher.onStatus('open');
    watcher.onChainTx({ info: 'can_slash', txType: 'channel_offchain_tx', tx: tx(9) });
    watcher.onChainTx({ info: 'solo_closing', txType: 'channel_close_solo_tx', tx: tx(5) });
    watcher.onStatus('disconnected'); // a reconnect: the node never said closing
    watcher.onStatus('open');
    watcher.onStatus('closing'); // later, a close for another reason
    expect(calls).toEqual([]);
  });

  it('reports a settle that reached the chain before its call returned in order', async () => {
    const { h, events, flush } = host();
    const watcher = createWatcher(h);
    watcher.onStatus('closing');
    watcher.onChainTx({ info: 'solo_closing', txType: 'channel_close_solo_tx', tx: tx(5) });
    watcher.onChainTx({ info: 'channel_closed', txType: 'channel_settle_tx', tx: tx(6) });
    await flush();
    expect(events.map((e) => e.type)).toEqual(['watcherSettling', 'watcherSettled']);
  });

  it('reports failures as events and can be switched off per action', async () => {
    const failing = host({ slash: true });
    const watcher = createWatcher(failing.h);
    watcher.onStatus('closing');
    watcher.onChainTx({ info: 'can_slash', txType: null, tx: null });
    await failing.flush();
    expect(failing.events).toEqual([expect.objectContaining({ type: 'watcherError', action: 'slash' })]);

    const off = host();
    const quiet = createWatcher(off.h, { slash: false, settle: false });
    quiet.onStatus('closing');
    quiet.onChainTx({ info: 'can_slash', txType: null, tx: null });
    quiet.onChainTx({ info: 'solo_closing', txType: null, tx: null });
    expect(off.calls).toEqual([]);

    const stopped = host();
    const s = createWatcher(stopped.h);
    s.stop();
    s.onStatus('closing');
    s.onChainTx({ info: 'can_slash', txType: null, tx: null });
    expect(stopped.calls).toEqual([]);
  });

  it('snapshots on can_snapshot while open', async () => {
    const { h, calls, events, flush } = host();
    const watcher = createWatcher(h);
    watcher.onStatus('open');
    watcher.onChainTx({ info: 'can_snapshot', txType: 'channel_force_progress_tx', tx: tx(1) });
    expect(calls).toEqual(['snapshot']);
    await flush();
    expect(events.map((e) => e.type)).toEqual(['watcherSnapshotted']);
  });
});
