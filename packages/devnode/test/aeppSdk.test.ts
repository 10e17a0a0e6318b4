/**
 * Interop with the official client: two `Channel`s of `@aeternity/aepp-sdk` v14 against
 * the devnode, through open, transfer, withdraw, deposit, leave + reestablish and shutdown.
 * The SDK's channel code calls no node HTTP endpoint for these operations (checked: the
 * devnode's HTTP side answers 404 to everything and the test still passes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Channel, MemoryAccount } from '@aeternity/aepp-sdk';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';

type AnyChannel = Awaited<ReturnType<typeof Channel.initialize>>;

let devnode: Devnode | undefined;
const channels: AnyChannel[] = [];
afterEach(async () => {
  for (const channel of channels.splice(0)) channel.disconnect();
  await devnode?.stop();
  devnode = undefined;
});

function waitStatus(channel: AnyChannel, status: string): Promise<void> {
  if (channel.status() === status) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (s: string): void => {
      if (s !== status) return;
      channel.off('statusChanged', listener);
      resolve();
    };
    channel.on('statusChanged', listener);
  });
}

function waitRound(channel: AnyChannel, round: number): Promise<void> {
  if (channel.round() === round) return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (): void => {
      if (channel.round() !== round) return;
      channel.off('stateChanged', listener);
      resolve();
    };
    channel.on('stateChanged', listener);
  });
}

describe('@aeternity/aepp-sdk Channel against the devnode', () => {
  it('opens, transfers, withdraws, deposits, leaves, reestablishes and shuts down', async () => {
    devnode = await startDevnode({ port: 0, networkId: 'ae_devnet' });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const accountA = new MemoryAccount(a.secretKey);
    const accountB = new MemoryAccount(b.secretKey);
    const networkId = devnode.networkId;
    const signA = (_tag: string, tx: `tx_${string}`) => accountA.signTransaction(tx, { networkId });
    const signB = (_tag: string, tx: `tx_${string}`) => accountB.signTransaction(tx, { networkId });
    const shared = {
      url: devnode.url,
      initiatorId: a.address,
      responderId: b.address,
      pushAmount: 3,
      initiatorAmount: 10n ** 18n,
      responderAmount: 10n ** 18n,
      channelReserve: 2,
      lockPeriod: 10,
      port: 3114,
      host: 'localhost',
    } as const;
    const initiator = await Channel.initialize({ ...shared, role: 'initiator', sign: signA } as never);
    const responder = await Channel.initialize({ ...shared, role: 'responder', sign: signB } as never);
    channels.push(initiator, responder);
    await Promise.all([waitStatus(initiator, 'open'), waitStatus(responder, 'open')]);
    expect(initiator.round()).toBe(1);
    const channelId = initiator.id();
    expect(devnode.chain.getChannel(channelId as `ch_${string}`)?.channelAmount).toBe(2n * 10n ** 18n);

    const transfer = await initiator.update(a.address, b.address, 100, (tx) => accountA.signTransaction(tx, { networkId }));
    expect(transfer.accepted).toBe(true);
    // The SDK's JSON parser keeps big integers as strings.
    expect(await responder.balances([a.address, b.address])).toEqual({
      [a.address]: String(10n ** 18n - 103n),
      [b.address]: String(10n ** 18n + 103n),
    });

    const events: string[] = [];
    const withdraw = await initiator.withdraw(1_000, (tx) => accountA.signTransaction(tx, { networkId }), {
      onOnChainTx: () => events.push('onChainTx'),
      onOwnWithdrawLocked: () => events.push('ownWithdrawLocked'),
      onWithdrawLocked: () => events.push('withdrawLocked'),
    });
    expect(withdraw.accepted).toBe(true);
    expect(events).toEqual(['onChainTx', 'onChainTx', 'ownWithdrawLocked', 'withdrawLocked']);

    // The SDK handles one operation at a time per client: let the acknowledger see the end of
    // the withdrawal (its withdraw_locked and channels.update) before it starts a deposit.
    await waitRound(responder, 3);
    const deposit = await responder.deposit(5_000, (tx) => accountB.signTransaction(tx, { networkId }));
    expect(deposit.accepted).toBe(true);
    await waitRound(initiator, 4);
    expect(await initiator.balances([a.address, b.address])).toEqual({
      [a.address]: String(10n ** 18n - 1_103n),
      [b.address]: String(10n ** 18n + 5_103n),
    });
    expect(initiator.round()).toBe(4);

    // Leave; the responder (keep_running by default) stays and waits for the initiator.
    const fsmId = initiator.fsmId();
    const left = await initiator.leave();
    expect(left.channelId).toBe(channelId);
    const back = await Channel.initialize({
      ...shared,
      role: 'initiator',
      sign: signA,
      existingChannelId: channelId,
      existingFsmId: fsmId,
      reestablish: true,
    } as never);
    channels.push(back);
    await waitStatus(back, 'open');
    expect(back.round()).toBe(4);
    expect(back.fsmId()).not.toBe(fsmId);
    const afterReestablish = await back.update(b.address, a.address, 3, (tx) => accountA.signTransaction(tx, { networkId }));
    expect(afterReestablish.accepted).toBe(true);

    const beforeA = devnode.chain.getBalance(a.address);
    const beforeB = devnode.chain.getBalance(b.address);
    const closeTx = await back.shutdown((tx) => accountA.signTransaction(tx, { networkId }));
    expect(closeTx).toMatch(/^tx_/);
    expect(devnode.chain.getChannel(channelId as `ch_${string}`)?.closedAt).toBeDefined();
    const gainedA = devnode.chain.getBalance(a.address) - beforeA;
    const gainedB = devnode.chain.getBalance(b.address) - beforeB;
    expect(gainedA + gainedB).toBeLessThan(2n * 10n ** 18n + 4_000n);
    expect(gainedB).toBeGreaterThan(10n ** 18n + 5_106n - 10n ** 14n);
  }, 30_000);
});
