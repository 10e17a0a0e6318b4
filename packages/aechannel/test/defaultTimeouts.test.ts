/**
 * Every operation has a default timeout (issue 11, liveness): a call without `timeoutMs`
 * is bounded by the channel's `operationTimeouts` for its kind (documented defaults), so a
 * silent node or peer never leaves it pending forever. Here the peer never co-signs (its
 * signer is paused): only the node's 120 s accept timer would end the round.
 */
import { isAechannelError } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { createTestSigner } from '@aechannel/signer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallChannelOptions } from './helpers.js';
import { until } from './liveness.js';
import { Channel, type ChannelClock, type OpenChannelOptions } from '../src/Channel.js';
import { DEFAULT_OPERATION_TIMEOUTS } from '../src/index.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

/** A channel whose peer never co-signs; the initiator gets `initiator` options. */
async function openWithSilentPeer(i: number, r: number, initiator: Partial<OpenChannelOptions>) {
  const a = devnode.accounts[i]!;
  const b = devnode.accounts[r]!;
  const peerSigner = createTestSigner(memorySigner(b.secretKey));
  const common = { ...smallChannelOptions(devnode, i, r), transport: (url: string) => devnode.connect(url) };
  const [ini, res] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: memorySigner(a.secretKey), ...initiator }),
    Channel.open({ ...common, role: 'responder', signer: peerSigner }),
  ]);
  peerSigner.pause();
  return {
    ini,
    peer: b.address,
    peerAsked: () => peerSigner.calls.length > 1, // (the create tx was the first)
    end() {
      peerSigner.resume();
      ini.dispose();
      res.dispose();
    },
  };
}

/** The channel's timers on a clock the test moves (the devnode keeps real time). */
function manualClock(): ChannelClock & { advance(ms: number): void } {
  const timers = new Map<number, { at: number; callback: () => void }>();
  let now = 0;
  let nextId = 0;
  return {
    now: () => now,
    setTimeout(callback, ms) {
      timers.set(++nextId, { at: now + ms, callback });
      return nextId;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [id, timer] of [...timers].sort((x, y) => x[1].at - y[1].at)) {
        if (timer.at <= now && timers.delete(id)) timer.callback();
      }
    },
  };
}

describe('default timeouts', () => {
  it('an operation without timeoutMs ends with CHANNEL_TIMEOUT after the default the application set for its kind', async () => {
    const c = await openWithSilentPeer(6, 7, { operationTimeouts: { offChain: 150 } });
    const error = await c.ini.transfer(c.peer, 1n).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_TIMEOUT')).toBe(true);
    expect((error as { context: unknown }).context).toMatchObject({ kind: 'transfer', timeoutMs: 150 });
    c.end();
  });

  it('applies the documented default when the application sets none', async () => {
    const clock = manualClock();
    const c = await openWithSilentPeer(8, 9, { clock, operationTimeouts: { stateCheck: 10 ** 9 } });
    let settled: unknown;
    const transfer = c.ini.transfer(c.peer, 1n).then(
      () => (settled = 'resolved'),
      (e: unknown) => (settled = e),
    );
    await until(c.peerAsked, 'the peer was asked to co-sign');
    clock.advance(DEFAULT_OPERATION_TIMEOUTS.offChain - 1);
    await c.ini.ping({ timeoutMs: 5_000 }).catch(() => undefined); // (lets pending callbacks run)
    expect(settled).toBeUndefined();
    clock.advance(1);
    await transfer;
    expect(isAechannelError(settled, 'CHANNEL_TIMEOUT')).toBe(true);
    expect((settled as { context: unknown }).context).toMatchObject({ kind: 'transfer', timeoutMs: DEFAULT_OPERATION_TIMEOUTS.offChain });
    c.end();
  });

  it('waitForStatus is bounded too', async () => {
    const c = await openWithSilentPeer(2, 3, { operationTimeouts: { onChain: 100 } });
    const error = await c.ini.waitForStatus('closed').catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_TIMEOUT')).toBe(true);
    c.end();
  });

  it('rejects a timeout that is not a positive number, naming it', async () => {
    const a = devnode.accounts[4]!;
    const error = await Channel.open({
      ...smallChannelOptions(devnode, 4, 5),
      transport: (url: string) => devnode.connect(url),
      role: 'initiator',
      host: 'localhost',
      signer: memorySigner(a.secretKey),
      operationTimeouts: { query: -1 },
    }).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_INVALID_ARGUMENT')).toBe(true);
    expect((error as { context: { argument: string } }).context.argument).toBe('operationTimeouts.query');
  });
});
