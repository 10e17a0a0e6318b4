/**
 * Interop with the official client: two `Channel`s of `@aeternity/aepp-sdk` v14 against
 * the devnode, through open, transfer, withdraw, deposit, leave + reestablish and shutdown,
 * and a contract created, called, dry-run and read (results compared with `@aechannel/fate`).
 * The SDK's channel code calls no node HTTP endpoint for these operations (checked: the
 * devnode's HTTP side answers 404 to everything and the test still passes).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Channel, MemoryAccount } from '@aeternity/aepp-sdk';
import { decode, decodeSignedTx, Tag } from '@aechannel/codec';
import { applyUpdates, callObjectToJson, contractToJson, createdContractId, stateHash, treesFromBalances, type ChannelTrees } from '@aechannel/fate';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { counter } from './helpers/counter.js';

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

/**
 * Opens a channel between the devnode's first two accounts with two SDK clients (1 AE each,
 * reserve 2, lock period 10) and waits until both are open.
 */
async function openSdkPair(node: Devnode, { pushAmount, port }: { pushAmount: number; port: number }) {
  const [a, b] = node.accounts as [DevnodeAccount, DevnodeAccount];
  const accountA = new MemoryAccount(a.secretKey);
  const accountB = new MemoryAccount(b.secretKey);
  const networkId = node.networkId;
  const signA = (_tag: string, tx: `tx_${string}`) => accountA.signTransaction(tx, { networkId });
  const signB = (_tag: string, tx: `tx_${string}`) => accountB.signTransaction(tx, { networkId });
  const shared = {
    url: node.url,
    initiatorId: a.address,
    responderId: b.address,
    pushAmount,
    initiatorAmount: 10n ** 18n,
    responderAmount: 10n ** 18n,
    channelReserve: 2,
    lockPeriod: 10,
    port,
    host: 'localhost',
  } as const;
  const initiator = await Channel.initialize({ ...shared, role: 'initiator', sign: signA } as never);
  const responder = await Channel.initialize({ ...shared, role: 'responder', sign: signB } as never);
  channels.push(initiator, responder);
  await Promise.all([waitStatus(initiator, 'open'), waitStatus(responder, 'open')]);
  return { a, b, accountA, accountB, networkId, signA, shared, initiator, responder };
}

describe('@aeternity/aepp-sdk Channel against the devnode', () => {
  it('opens, transfers, withdraws, deposits, leaves, reestablishes and shuts down', async () => {
    devnode = await startDevnode({ port: 0, networkId: 'ae_devnet' });
    const { a, b, accountA, accountB, networkId, signA, shared, initiator, responder } = await openSdkPair(devnode, { pushAmount: 3, port: 3114 });
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

describe('@aeternity/aepp-sdk Channel: contracts through the devnode', () => {
  it('creates and calls a contract; call results, gas and state hashes equal the VM\'s', async () => {
    devnode = await startDevnode({ port: 0 });
    const { a, b, accountA, accountB, networkId, initiator, responder } = await openSdkPair(devnode, { pushAmount: 0, port: 3115 });

    // Our own re-run of the same updates with the VM.
    let trees: ChannelTrees = treesFromBalances({ [a.address]: 10n ** 18n, [b.address]: 10n ** 18n });
    const created = await initiator.createContract(
      { code: counter.bytecode, callData: counter.calldata['init(42)']!, deposit: 1_000, vmVersion: 8, abiVersion: 3 },
      (tx) => accountA.signTransaction(tx, { networkId }),
    );
    expect(created.accepted).toBe(true);
    const ct = createdContractId(a.address, 2n);
    expect(created.address).toBe(ct);
    const create = applyUpdates(
      trees,
      [{ tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: a.address, ctVersion: (8n << 16n) | 3n, code: decode(counter.bytecode, 'cb'), deposit: 1_000n, callData: decode(counter.calldata['init(42)']!, 'cb') }],
      { round: 2n, reserve: 2n },
    );
    trees = create.trees;
    expect((decodeSignedTx(created.signedTx as `tx_${string}`).tx as { stateHash: string }).stateHash).toBe(stateHash(trees));

    await waitRound(responder, 2);
    const called = await responder.callContract(
      { amount: 3, callData: counter.calldata['tick(5)']!, contract: ct, abiVersion: 3 },
      (tx) => accountB.signTransaction(tx, { networkId }),
    );
    expect(called.accepted).toBe(true);
    const call = applyUpdates(
      trees,
      [{ tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: b.address, contract: ct, abiVersion: 3n, amount: 3n, gas: 1_000_000n, gasPrice: 1n, callData: decode(counter.calldata['tick(5)']!, 'cb'), callStack: [] }],
      { round: 3n, reserve: 2n },
    );
    trees = call.trees;
    expect((decodeSignedTx(called.signedTx as `tx_${string}`).tx as { stateHash: string }).stateHash).toBe(stateHash(trees));

    const result = await responder.getContractCall({ caller: b.address, contract: ct, round: 3 });
    const ours = callObjectToJson(call.calls[0]!);
    expect(result.returnType).toBe(ours.return_type);
    expect(result.returnValue).toBe(ours.return_value);
    expect(String(result.gasUsed)).toBe(String(ours.gas_used));
    expect(String(result.gasUsed)).not.toBe('0');

    await waitRound(initiator, 3);
    const dry = await initiator.callContractStatic({ amount: 0, callData: counter.calldata['get()']!, contract: ct, abiVersion: 3 });
    const ourDry = callObjectToJson(
      applyUpdates(
        trees,
        [{ tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: a.address, contract: ct, abiVersion: 3n, amount: 0n, gas: 1_000_000n, gasPrice: 1n, callData: decode(counter.calldata['get()']!, 'cb'), callStack: [] }],
        { round: 4n, reserve: 2n },
      ).calls[0]!,
    );
    expect(dry.returnValue).toBe(ourDry.return_value);
    expect(String(dry.gasUsed)).toBe(String(ourDry.gas_used));
    const state = await initiator.getContractState(ct);
    expect(state.contract.ownerId).toBe(a.address);
    expect(state.contractState).toEqual(contractToJson(decode(ct, 'ct'), trees.contracts.get(Buffer.from(decode(ct, 'ct')).toString('hex'))!).contract_state);
  }, 30_000);
});
