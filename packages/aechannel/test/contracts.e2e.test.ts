/**
 * Off-chain contracts end to end: two `Channel` clients against the devnode over real
 * WebSockets (issue 13). Both roles create and call contracts (from code + call data and
 * from an ACI + arguments), dry-run, read call results and contract state (a store map
 * included), clean calls; `contractCall` events with decoded results on both sides; the
 * peer's rounds co-signed under the default policy; PoIs with contracts; force progress
 * through the simulated chain, then a solo close holding contracts and a settle; leave and
 * reestablish of a channel holding contracts; and the chain environment (`chainEnv`) taken
 * from the devnode's chain.
 *
 * Every round here is verified twice over: the devnode's FSMs run it with the VM, and each
 * client recomputes it with its own VM before signing (a mismatch would reject the call).
 */
import { decode, encode, stateTreesHash, txHash, verifyPoi, type Encoded } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { createdContractId } from '@aechannel/fate';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type ChannelClientEvent } from '../src/Channel.js';
import { encodeCallData } from '../src/contractAci.js';
import { COUNTER, SCORES } from './fixtures/contracts.js';
import { AE, closeSoloAndSettle, devnodeChainEnv, nextEvent, openPair, reestablishPair, startTestDevnode, synced, until, type Pair } from './helpers.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode({ accounts: 24 });
});
afterAll(async () => {
  await devnode.stop();
});

type ContractCallEvent = Extract<ChannelClientEvent, { type: 'contractCall' }>;
const contractCalls = (events: readonly ChannelClientEvent[]): ContractCallEvent[] => events.filter((e): e is ContractCallEvent => e.type === 'contractCall');

function dispose(pair: Pair): void {
  pair.initiator.dispose();
  pair.responder.dispose();
}

describe('contracts between two Channel clients on the devnode', () => {
  it('both roles create and call contracts (code + call data, ACI + args); both sides see decoded contractCall events; the peer rounds are co-signed by the default policy', async () => {
    const pair = await openPair(devnode, { accounts: [0, 1] });
    const { initiator, responder, initiatorId, responderId } = pair;
    // The initiator creates from the ACI and its arguments, with a deposit.
    const a = await initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n], deposit: 10n });
    expect(a.contractId).toBe(createdContractId(initiatorId, 2n));
    expect(a).toMatchObject({ round: 2n, call: { returnType: 'ok', function: 'init', caller: initiatorId } });
    // The responder creates from the compiler's code and the call data of init.
    const b = await responder.createContract({ code: COUNTER.code, callData: encodeCallData(COUNTER.aci, 'init', [100n]) });
    expect(b.contractId).toBe(createdContractId(responderId, 3n));
    expect(b.call.function).toBeUndefined(); // no ACI given: the result stays encoded
    await synced(pair);
    expect(initiator.localBalances).toEqual({ [initiatorId]: 10n * AE - 10n, [responderId]: 10n * AE });
    expect(responder.localBalances).toEqual(initiator.localBalances);

    // Each side calls the other's contract; the responder learns the ACI of the initiator's contract.
    responder.setContractAci(a.contractId, COUNTER.aci);
    const byResponder = await responder.callContract(a.contractId, { function: 'add', args: [3n], amount: 7n });
    expect(byResponder.call).toMatchObject({ returnType: 'ok', value: 8n, caller: responderId, round: 4n });
    expect(byResponder.call.events).toEqual([expect.objectContaining({ address: a.contractId, decoded: { Added: [3n] } })]);
    const byInitiator = await initiator.callContract(b.contractId, { callData: encodeCallData(COUNTER.aci, 'add', [1n]), aci: COUNTER.aci });
    expect(byInitiator.call).toMatchObject({ returnType: 'ok', value: 101n, caller: initiatorId, round: 5n });
    // A revert is a co-signed round too; its amount comes back.
    const reverted = await initiator.callContract(a.contractId, { function: 'add', args: [0n], amount: 4n });
    expect(reverted.call).toMatchObject({ returnType: 'revert', message: 'n must be positive', round: 6n });
    await synced(pair);
    expect(initiator.localBalances[initiatorId]).toBe(10n * AE - 10n); // the reverted call's 4 came back
    expect(initiator.localBalances[responderId]).toBe(10n * AE - 7n);
    expect(await responder.balances([initiatorId, responderId])).toEqual({ [initiatorId]: 10n * AE - 10n, [responderId]: 10n * AE - 7n });

    // Both sides report every contract round, own and the peer's, decoded where the ACI is known.
    await until(() => contractCalls(pair.events.responder).length === 5 && contractCalls(pair.events.initiator).length === 5);
    const seen = (events: readonly ChannelClientEvent[]) => contractCalls(events).map((e) => [e.round, e.own, e.result.returnType, e.result.function ?? null, e.result.value ?? null]);
    expect(seen(pair.events.initiator)).toEqual([
      [2n, true, 'ok', 'init', null],
      [3n, false, 'ok', null, null],
      [4n, false, 'ok', 'add', 8n],
      [5n, true, 'ok', 'add', 101n],
      [6n, true, 'revert', 'add', null],
    ]);
    expect(seen(pair.events.responder)).toEqual([
      [2n, false, 'ok', null, null], // the ACI came after this round
      [3n, true, 'ok', null, null],
      [4n, true, 'ok', 'add', 8n],
      [5n, false, 'ok', null, null],
      [6n, false, 'revert', 'add', null],
    ]);
    // Nothing was refused: the default policy co-signed every peer round.
    expect([...pair.events.initiator, ...pair.events.responder].filter((e) => e.type === 'security' || e.type === 'peerUpdateRefused')).toEqual([]);
    dispose(pair);
  });

  it('dry runs, call results, contract state (a store map) and cleaning, checked against each client\'s own run', async () => {
    const pair = await openPair(devnode, { accounts: [2, 3] });
    const { initiator, responder, responderId } = pair;
    const { contractId } = await responder.createContract({ code: SCORES.code, aci: SCORES.aci });
    const names = Array.from({ length: 12 }, (_, i) => `player number ${i} with a long name`);
    for (const [i, name] of names.entries()) await responder.callContract(contractId, { function: 'set', args: [name, BigInt(i * 10)] });
    await synced(pair);
    // A dry run changes nothing and equals our own run.
    const dry = await responder.dryRunContract(contractId, { function: 'get', args: [names[3]] });
    expect(dry).toMatchObject({ verified: true, call: { returnType: 'ok', value: 30n, round: responder.round + 1n } });
    expect(responder.round).toBe(14n);
    // The peer dry-runs with the ACI given in the call.
    const dryPeer = await initiator.dryRunContract(contractId, { function: 'owner', aci: SCORES.aci });
    expect(dryPeer).toMatchObject({ verified: true, call: { value: responderId } });
    // The state, read from our own trees and decoded: the store map with every entry.
    const info = await initiator.getContract(contractId);
    expect(info).toMatchObject({ id: contractId, owner: responderId, vmVersion: 8, abiVersion: 3, active: true, deposit: 0n });
    expect(info.state).toEqual({ owner: responderId, scores: new Map(names.map((name, i) => [name, BigInt(i * 10)])) });
    expect(Object.keys(info.store).length).toBeGreaterThan(names.length);
    expect(await responder.getContract(contractId)).toEqual(info);
    // A call of a past round from the node's archive equals the one we co-signed.
    const past = await responder.getContractCall(contractId, { round: 5n });
    // set returns the size of the map: the third entry
    expect(past).toMatchObject({ verified: true, call: { returnType: 'ok', function: 'set', value: 3n, round: 5n } });
    expect(past.call.events[0]).toMatchObject({ decoded: { Scored: [20n, names[2]] } });
    const peerView = await initiator.getContractCall(contractId, { round: 5n, caller: responderId });
    expect(peerView).toMatchObject({ verified: true, call: { round: 5n, caller: responderId } });
    // Cleaning empties the node's archive: the call is gone, the contract is not.
    await responder.cleanContractCalls();
    await expect(responder.getContractCall(contractId, { round: 5n })).rejects.toMatchObject({ code: 'CHANNEL_NODE_ERROR', context: { nodeData: [expect.objectContaining({ code: 1004n })] } });
    expect((await responder.getContract(contractId)).state).toEqual(info.state);
    // The initiator's archive at its own node fsm is untouched.
    expect((await initiator.getContractCall(contractId, { round: 5n, caller: responderId })).verified).toBe(true);
    // An unknown contract is the node's error.
    await expect(initiator.getContract(createdContractId(responderId, 99n))).rejects.toMatchObject({ code: 'CHANNEL_NODE_ERROR' });
    dispose(pair);
  });

  it('a PoI with contracts proves their accounts, objects and stores, and hashes to the latest state', async () => {
    const pair = await openPair(devnode, { accounts: [4, 5] });
    const { initiator, initiatorId, responderId } = pair;
    const { contractId } = await initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n], deposit: 3n });
    await initiator.callContract(contractId, { function: 'add', args: [2n] });
    const poi = await initiator.poi({ accounts: [initiatorId, responderId], contracts: [contractId] });
    const proven = verifyPoi(poi);
    expect(proven.stateHash).toBe(stateTreesHash(initiator.persisted.trees!));
    expect(proven.accounts[initiatorId]?.balance).toBe(10n * AE - 3n);
    expect(proven.accounts[encode(decode(contractId, 'ct'), 'ak')]?.balance).toBe(3n);
    // the contract object and its store keys (key = pk, pk ‖ 0x10, pk ‖ 0x10 ‖ k)
    const pk = Buffer.from(decode(contractId, 'ct')).toString('hex');
    const keys = proven.entries.contracts.map((e) => Buffer.from(e.key).toString('hex'));
    expect(keys).toContain(pk);
    expect(keys.filter((k) => k.startsWith(`${pk}10`)).length).toBeGreaterThan(1);
    dispose(pair);
  });

  it('force progress through the chain: consumed_forced_progress on both sides, then a solo close holding contracts and a settle', async () => {
    const pair = await openPair(devnode, { accounts: [6, 7], lockPeriod: 3n, initiator: { watcher: false }, responder: { watcher: false } });
    const { initiator, responder, initiatorId, responderId } = pair;
    const { contractId } = await initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n], deposit: 20n });
    responder.setContractAci(contractId, COUNTER.aci);
    await responder.callContract(contractId, { function: 'add', args: [1n], amount: 5n });
    await synced(pair);
    const before = devnode.chain.getBalance(initiatorId);
    const forcedI = nextEvent(initiator, 'forcedProgress', (e) => e.adopted);
    const forcedR = nextEvent(responder, 'forcedProgress', (e) => e.adopted);
    const gasPrice = 1_000_000_000n;
    const posted = await initiator.forceProgress({ contractId, function: 'add', args: [10n], gasPrice });
    expect(await forcedI).toMatchObject({ own: true, adopted: true, round: 4n, info: 'consumed_forced_progress' });
    expect(await forcedR).toMatchObject({ own: false, adopted: true, round: 4n });
    await until(() => initiator.round === 4n && responder.round === 4n);
    expect(initiator.latestState).toBe(posted.tx);
    expect(responder.latestState).toBe(posted.tx);
    // The forced call is a contractCall event on both sides, with the gas price paid on chain.
    await until(() => contractCalls(pair.events.responder).some((e) => e.forced));
    for (const events of [pair.events.initiator, pair.events.responder]) {
      expect(contractCalls(events).find((e) => e.forced)).toMatchObject({ round: 4n, result: { function: 'add', value: 16n, gasPrice, caller: initiatorId } });
    }
    // The chain moved the channel and charged the poster fee + gas used × gas price.
    const receipt = devnode.chain.forceProgressReceipt(txHash(posted.tx));
    expect(receipt?.applied).toBe(true);
    expect(devnode.chain.getChannel(initiator.channelId!)?.round).toBe(4n);
    expect(devnode.chain.getBalance(initiatorId)).toBeLessThan(before);
    // The channel goes on from the forced state.
    const next = await responder.callContract(contractId, { function: 'add', args: [1n] });
    expect(next).toMatchObject({ round: 5n, call: { value: 17n } });
    await synced(pair);
    expect((await initiator.getContract(contractId)).state).toEqual({ value: 17n, owner: initiatorId });

    // A solo close with the latest state (contracts in its PoI), then settle after the lock period.
    const balances = { i: initiator.localBalances[initiatorId]!, r: initiator.localBalances[responderId]! };
    const chainBefore = { i: devnode.chain.getBalance(initiatorId), r: devnode.chain.getBalance(responderId) };
    await closeSoloAndSettle(devnode, initiator, responder);
    // Each participant gets its balance of the latest state; the contract's coins stay with the contract.
    expect(devnode.chain.getBalance(responderId) - chainBefore.r).toBe(balances.r);
    const gainI = devnode.chain.getBalance(initiatorId) - chainBefore.i;
    expect(gainI).toBeLessThan(balances.i); // minus the fees of the close solo and the settle
    expect(gainI).toBeGreaterThan(balances.i - AE / 100n);
    dispose(pair);
  });

  it('leave and reestablish a channel holding contracts: the trees come back from the stores and the calls go on', async () => {
    const pair = await openPair(devnode, { accounts: [8, 9] });
    const { initiator, responder, initiatorId } = pair;
    const { contractId } = await initiator.createContract({ code: SCORES.code, aci: SCORES.aci });
    await initiator.callContract(contractId, { function: 'set', args: ['alice', 3n] });
    // The responder registers the peer's ACI; it is stored with its next state.
    responder.setContractAci(contractId, SCORES.aci);
    await responder.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [1n] });
    await synced(pair);
    const channelId = initiator.channelId!;
    const peerGone = nextEvent(responder, 'peerDisconnected');
    await initiator.leave();
    await peerGone;
    responder.dispose();
    const [i2, r2] = await reestablishPair(devnode, pair, channelId, [8, 9]);
    expect(i2.round).toBe(4n);
    expect(i2.persisted.trees).toBe(initiator.persisted.trees);
    // The ACIs came back with the store record: calls are encoded and decoded without setting them again.
    const { call } = await i2.callContract(contractId, { function: 'set', args: ['bob', 4n] });
    expect(call).toMatchObject({ returnType: 'ok', function: 'set', value: 2n }); // the map's size
    await synced({ initiator: i2, responder: r2 });
    expect((await r2.getContract(contractId)).state).toEqual({ owner: initiatorId, scores: new Map([['alice', 3n], ['bob', 4n]]) });
    i2.dispose();
    r2.dispose();
  });

  it('the chain environment: a round reading Chain.block_height is refused without chainEnv, and signed with the devnode chain\'s environment', async () => {
    const pair = await openPair(devnode, { accounts: [10, 11] });
    const { initiator, responder } = pair;
    devnode.chain.mine(3);
    const { contractId } = await initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    // Neither client can recompute a run that reads the height without an environment: refused, not signed.
    const refused = nextEvent(initiator, 'security');
    await expect(initiator.callContract(contractId, { function: 'height' })).rejects.toMatchObject({ code: 'CHANNEL_SECURITY' });
    expect((await refused).reason).toMatch(/chain environment \(height\)/);
    await synced(pair);
    expect(initiator.round).toBe(2n);
    dispose(pair);

    const withEnv = await openPair(devnode, { accounts: [12, 13], initiator: { chainEnv: devnodeChainEnv(devnode) }, responder: { chainEnv: devnodeChainEnv(devnode) } });
    const created = await withEnv.initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    const { call } = await withEnv.initiator.callContract(created.contractId, { function: 'height' });
    // The height of the key block the devnode pinned: at most the top, at least a few below it.
    expect(typeof call.value).toBe('bigint');
    expect(call.value as bigint).toBeLessThanOrEqual(devnode.chain.height);
    expect(call.value as bigint).toBeGreaterThanOrEqual(devnode.chain.height - 10n);
    await synced(withEnv);
    // The responder recomputed it with the same environment and co-signed it.
    expect(contractCalls(withEnv.events.responder).at(-1)).toMatchObject({ round: 3n, own: false });
    // A dry run that reads it is answered, and checked with the environment too.
    const dry = await withEnv.responder.dryRunContract(created.contractId, { function: 'height', aci: COUNTER.aci });
    expect(dry.call.returnType).toBe('ok');
    dispose(withEnv);
  });
});
