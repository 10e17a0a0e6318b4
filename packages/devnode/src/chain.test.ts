import { describe, expect, it } from 'vitest';
import { buildSignedTx, computeChannelId, computeStateHash, isAechannelError, serializeObject, Tag, type Encoded, type TxOf } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { SimChain } from './chain.js';
import { createManualClock } from './clock.js';
import { EventQueue } from './eventQueue.js';
import { deriveAccount, IdSource } from './keys.js';

const networkId = 'ae_test';
const a = deriveAccount('chain-test', 0);
const b = deriveAccount('chain-test', 1);

function makeChain() {
  const queue = new EventQueue((e) => {
    throw e;
  });
  const chain = new SimChain({ networkId, queue, clock: createManualClock(), ids: new IdSource('x'), blockMode: { mode: 'manual' }, later: (t) => queue.enqueue(t) });
  chain.fund(a.address, 10n ** 20n);
  chain.fund(b.address, 10n ** 20n);
  return { chain, queue };
}

const createTx = (nonce: bigint): TxOf<typeof Tag.ChannelCreateTx, 2> => ({
  tag: Tag.ChannelCreateTx,
  version: 2,
  initiatorId: a.address,
  initiatorAmount: 1000n,
  responderId: b.address,
  responderAmount: 500n,
  channelReserve: 1n,
  lockPeriod: 10n,
  ttl: 0n,
  fee: 20_000_000_000_000n,
  initiatorDelegateIds: [],
  responderDelegateIds: [],
  stateHash: computeStateHash({ [a.address]: 1000n, [b.address]: 500n }),
  nonce,
});

async function signBoth(tx: ReturnType<typeof createTx>): Promise<Encoded<'tx'>> {
  const unsigned = buildSignedTx(serializeObject(tx), []);
  const once = await memorySigner(a.secretKey).signTransaction(unsigned, { networkId });
  return memorySigner(b.secretKey).signTransaction(once, { networkId });
}

const rejection = async (promise: Promise<unknown>): Promise<string | undefined> => {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return isAechannelError(error, 'DEVNODE_TX_REJECTED') ? String(error.context['reason']) : 'other';
  }
};

describe('SimChain (§10.4)', () => {
  it('applies a co-signed create: balances, nonce, channel object', async () => {
    const { chain, queue } = makeChain();
    const tx = createTx(1n);
    const hash = await chain.post(await signBoth(tx));
    expect(chain.nextNonce(a.address)).toBe(2n);
    const [block] = chain.mine();
    expect(block?.txs.map((t) => t.hash)).toEqual([hash]);
    const id = computeChannelId(a.address, 1n, b.address);
    expect(chain.getChannel(id)).toMatchObject({ channelAmount: 1500n, round: 1n, lockedUntil: 0n });
    expect(chain.getAccount(a.address)).toEqual({ balance: 10n ** 20n - 1000n - tx.fee, nonce: 1n });
    expect(chain.getAccount(b.address)?.balance).toBe(10n ** 20n - 500n);
    await queue.idle();
  });

  it('rejects a half-signed tx, a foreign network id and a used nonce', async () => {
    const { chain } = makeChain();
    const tx = createTx(1n);
    const half = await memorySigner(a.secretKey).signTransaction(buildSignedTx(serializeObject(tx), []), { networkId });
    expect(await rejection(chain.post(half))).toBe('bad signatures');
    const unsigned = buildSignedTx(serializeObject(tx), []);
    const foreign = await memorySigner(b.secretKey).signTransaction(
      await memorySigner(a.secretKey).signTransaction(unsigned, { networkId: 'ae_mainnet' }),
      { networkId },
    );
    expect(await rejection(chain.post(foreign))).toBe('bad signatures');
    await chain.post(await signBoth(tx));
    chain.mine();
    expect(await rejection(chain.post(await signBoth({ ...createTx(1n), initiatorAmount: 999n })))).toBe('nonce too low');
  });

  it('notifies depth and height watchers', async () => {
    const { chain } = makeChain();
    const hash = await chain.post(await signBoth(createTx(1n)));
    const seen: string[] = [];
    chain.watchDepth(hash, 2n, (h) => seen.push(`depth@${h}`));
    chain.watchHeight(4n, () => seen.push('height4'));
    chain.mine(4);
    expect(seen).toEqual(['depth@3', 'height4']);
  });

  it('hands each channel listener only its own channel txs, in subscription order with block listeners', async () => {
    const { chain } = makeChain();
    const first = computeChannelId(a.address, 1n, b.address);
    const second = computeChannelId(a.address, 2n, b.address);
    const calls: string[] = [];
    chain.onChannelBlock(second, (txs, e) => calls.push(`second@${e.height}:${txs.length}`));
    chain.onBlock((e) => calls.push(`block@${e.height}:${e.txs.length}`));
    const stop = chain.onChannelBlock(first, (txs, e) => calls.push(`first@${e.height}:${txs.map((t) => t.hash).join()}`));
    const hash = await chain.post(await signBoth(createTx(1n)));
    chain.mine();
    expect(calls).toEqual(['block@1:1', `first@1:${hash}`]);
    await chain.post(await signBoth(createTx(2n)));
    chain.mine(2);
    expect(calls.slice(2)).toEqual(['second@2:1', 'block@2:1', 'block@3:0']);
    stop();
    calls.length = 0;
    await chain.post(await signBoth(createTx(3n)));
    chain.mine();
    expect(calls).toEqual(['block@4:1']);
  });
});

describe('block modes', () => {
  it('mines on an interval of the injected clock', () => {
    const queue = new EventQueue((e) => {
      throw e;
    });
    const clock = createManualClock();
    const chain = new SimChain({ networkId, queue, clock, ids: new IdSource('y'), blockMode: { mode: 'interval', ms: 1000 }, later: (t) => queue.enqueue(t) });
    const heights: bigint[] = [];
    chain.onBlock((e) => heights.push(e.height));
    clock.advance(999);
    return queue.idle().then(async () => {
      expect(heights).toEqual([]);
      clock.advance(2001);
      await queue.idle();
      expect(heights).toEqual([1n, 2n, 3n]);
      chain.stop();
      clock.advance(5000);
      await queue.idle();
      expect(heights).toHaveLength(3);
    });
  });
});
