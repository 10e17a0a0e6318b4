/**
 * Off-chain contracts through `Channel` (issue 13), against a scripted node that computes
 * the node's states with the VM (`contractNode.ts`): create from code or from an ACI, calls
 * with decoded results and events, dry runs, call results and contract state, the peer's
 * contract rounds through the policy, the chain environment, a node that tampers with a
 * contract round, force progress followed through the chain report, and a channel holding
 * contracts restarted from its store.
 */
import { decode, encode, type Encoded } from '@aechannel/codec';
import { createdContractId } from '@aechannel/fate';
import { describe, expect, it } from 'vitest';
import { Channel, type ChannelClientEvent, type OpenChannelOptions } from '../src/Channel.js';
import { decodeChannelRecord, encodeChannelRecord } from '../src/channelRecord.js';
import { encodeCallData } from '../src/contractAci.js';
import { createMemoryStore } from '../src/createMemoryStore.js';
import { verifyChannelRecord } from '../src/verifyChannelRecord.js';
import { createContractNode, nodeChannelParams, type ContractNode, type ContractNodeOptions } from './contractNode.js';
import { COUNTER, SCORES } from './fixtures/contracts.js';

const ZERO_AK = encode(new Uint8Array(32), 'ak');

async function openWith(options: ContractNodeOptions, driver: Partial<OpenChannelOptions> = {}) {
  const node = await createContractNode(options);
  const store = createMemoryStore();
  const events: ChannelClientEvent[] = [];
  const channel = await Channel.open({
    ...nodeChannelParams(node, options),
    signer: node.clientSigner,
    transport: node.transport,
    store,
    reconnect: false,
    onEvent: (e) => events.push(e),
    ...driver,
  } as OpenChannelOptions);
  return { node, channel, store, events };
}

/** Waits until `predicate` holds (the node's messages arrive a microtask apart). */
async function until(predicate: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe.each(['initiator', 'responder'] as const)('contracts through Channel (%s)', (role) => {
  it('creates a contract from an ACI and calls it: results and events decoded, balances moved, state stored with its trees', async () => {
    const { node, channel, store, events } = await openWith({ role });
    const created = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n], deposit: 10n });
    expect(created.contractId).toBe(createdContractId(channel.address, 2n));
    expect(created).toMatchObject({ round: 2n, call: { returnType: 'ok', function: 'init', round: 2n } });
    expect(created.balances[channel.address]).toBe(990n);
    const called = await channel.callContract(created.contractId, { function: 'add', args: [3n], amount: 2n });
    expect(called.call).toMatchObject({ returnType: 'ok', function: 'add', value: 8n, round: 3n });
    expect(called.call.events).toEqual([expect.objectContaining({ address: created.contractId, decoded: { Added: [3n] } })]);
    expect(called.balances[channel.address]).toBe(988n);
    // events for both rounds, decoded
    const calls = events.filter((e): e is Extract<ChannelClientEvent, { type: 'contractCall' }> => e.type === 'contractCall');
    expect(calls.map((e) => [e.round, e.own, e.result.function])).toEqual([
      [2n, true, 'init'],
      [3n, true, 'add'],
    ]);
    expect(calls[1]!.result.value).toBe(8n);
    // the record carries the trees and proves itself
    const record = decodeChannelRecord((await store.read([...store.entries().keys()][0]!))!, 'k').channel;
    expect(record.trees).toBeDefined();
    await expect(verifyChannelRecord(record, 'k')).resolves.toBeUndefined();
    expect(node.round).toBe(3n);
    channel.dispose();
  });

  it('a reverting call is a co-signed round with the revert message', async () => {
    const { channel } = await openWith({ role });
    const { contractId } = await channel.createContract({ code: COUNTER.code, callData: encodeCallData(COUNTER.aci, 'init', [1n]) });
    const reverted = await channel.callContract(contractId, { function: 'add', args: [0n], aci: COUNTER.aci, amount: 5n });
    expect(reverted.call).toMatchObject({ returnType: 'revert', message: 'n must be positive' });
    expect(reverted.balances[channel.address]).toBe(1000n);
    channel.dispose();
  });
});

describe('queries', () => {
  it('dry run, contract state, call results and cleaning, checked and decoded', async () => {
    const { channel } = await openWith({ role: 'initiator' });
    const { contractId } = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    const added = await channel.callContract(contractId, { function: 'add', args: [4n] });
    const dry = await channel.dryRunContract(contractId, { function: 'get' });
    expect(dry).toMatchObject({ verified: true, call: { returnType: 'ok', value: 9n, round: 4n } });
    expect(channel.round).toBe(3n); // nothing kept
    const info = await channel.getContract(contractId);
    expect(info).toMatchObject({ id: contractId, owner: channel.address, vmVersion: 8, abiVersion: 3, active: true, deposit: 0n, state: { value: 9n, owner: channel.address } });
    const past = await channel.getContractCall(contractId, { round: 3n });
    expect(past).toEqual({ verified: true, call: added.call });
    await channel.cleanContractCalls();
    await expect(channel.getContractCall(contractId, { round: 3n })).rejects.toMatchObject({ code: 'CHANNEL_NODE_ERROR', context: { nodeData: [expect.objectContaining({ code: 1004n })] } });
    channel.dispose();
  });

  it('a store map in the state is read back from its entries', async () => {
    const { channel } = await openWith({ role: 'responder' });
    const { contractId } = await channel.createContract({ code: SCORES.code, aci: SCORES.aci });
    const expected = new Map<string, bigint>();
    for (let i = 0; i < 8; i += 1) {
      expected.set(`player-number-${i}`, BigInt(i));
      await channel.callContract(contractId, { function: 'set', args: [`player-number-${i}`, BigInt(i)] });
    }
    const { state } = await channel.getContract(contractId);
    expect(state).toEqual({ owner: channel.address, scores: expected });
    channel.dispose();
  });

  it('arguments are checked at the boundary', async () => {
    const { channel } = await openWith({ role: 'initiator' });
    const ct = createdContractId(channel.address, 2n);
    await expect(channel.callContract(ct, { function: 'add', args: [1n] })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'params.aci' } });
    await expect(channel.callContract('ct_x' as Encoded<'ct'>, { callData: 'cb_KxEvhlvZP6QPOKY=' })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'contractId' } });
    await expect(channel.createContract({ code: COUNTER.code } as never)).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'params.callData' } });
    await expect(channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: ['x'] })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT' });
    // a call of a contract the channel does not hold is refused before anything is sent
    await expect(channel.callContract(ct, { callData: 'cb_KxEvhlvZP6QPOKY=' })).rejects.toMatchObject({ code: 'CHANNEL_COMMAND_REJECTED' });
    channel.dispose();
  });
});

describe('an ACI given with a call', () => {
  it('is registered when the contract has none; one that differs from the registered ACI is refused, an equal one (any key order) is fine', async () => {
    const { channel } = await openWith({ role: 'initiator' });
    const { contractId } = await channel.createContract({ code: COUNTER.code, callData: encodeCallData(COUNTER.aci, 'init', [5n]) });
    const add = (n: bigint) => encodeCallData(COUNTER.aci, 'add', [n]);
    // none registered: the given one is, and decodes this call and the next
    expect((await channel.callContract(contractId, { callData: add(1n), aci: COUNTER.aci })).call).toMatchObject({ function: 'add', value: 6n });
    expect((await channel.callContract(contractId, { function: 'add', args: [1n] })).call).toMatchObject({ function: 'add', value: 7n });
    // another ACI for the same contract: refused before anything is sent, with call data or a function
    const round = channel.round;
    await expect(channel.callContract(contractId, { callData: add(1n), aci: SCORES.aci })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'params.aci' } });
    await expect(channel.callContract(contractId, { callData: add(1n), aci: 'not an ACI' as never })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'params.aci' } });
    await expect(channel.dryRunContract(contractId, { function: 'get', aci: SCORES.aci })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'params.aci' } });
    await expect(channel.forceProgress({ contractId, function: 'add', args: [1n], aci: SCORES.aci, gasPrice: 10n ** 9n })).rejects.toMatchObject({ code: 'CHANNEL_INVALID_ARGUMENT', context: { argument: 'params.aci' } });
    expect(channel.round).toBe(round);
    // an equal ACI (a copy, its keys in another order) is used as the registered one
    const copy = COUNTER.aci.map((entry) => Object.fromEntries(Object.entries(structuredClone(entry)).reverse().map(([k, v]) => [k, typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v])));
    expect((await channel.callContract(contractId, { function: 'add', args: [2n], aci: copy })).call).toMatchObject({ function: 'add', value: 9n });
    expect((await channel.dryRunContract(contractId, { callData: encodeCallData(COUNTER.aci, 'get', []), aci: copy })).call).toMatchObject({ function: 'get', value: 9n });
    // the registered ACI is still the contract's
    expect((await channel.getContract(contractId)).state).toEqual({ value: 9n, owner: channel.address });
    channel.dispose();
  });
});

describe("the peer's contract rounds", () => {
  async function withPeerCounter(driver: Partial<OpenChannelOptions> = {}) {
    const opened = await openWith({ role: 'responder' }, driver);
    const { node } = opened;
    const create = { op: 'OffChainNewContract', owner: node.peer, vm_version: 8n, abi_version: 3n, code: COUNTER.code, deposit: 0n, call_data: encodeCallData(COUNTER.aci, 'init', [5n]) };
    expect(await node.peerUpdate([create])).toEqual({ signed: true });
    await until(() => opened.channel.round === 2n);
    return { ...opened, contract: createdContractId(node.peer, 2n) };
  }
  const peerCall = (node: ContractNode, contract: Encoded<'ct'>, n: bigint) => ({
    op: 'OffChainCallContract',
    caller_id: node.peer,
    contract_id: contract,
    abi_version: 3n,
    amount: 0n,
    gas: 1000000n,
    gas_price: 1n,
    call_data: encodeCallData(COUNTER.aci, 'add', [n]),
    call_stack: [],
  });

  it('are accepted by the default policy (they cannot move our funds) and reported decoded once the ACI is known', async () => {
    const { node, channel, events, contract } = await withPeerCounter();
    channel.setContractAci(contract, COUNTER.aci);
    expect(await node.peerUpdate([peerCall(node, contract, 2n)])).toEqual({ signed: true });
    await until(() => channel.round === 3n);
    const event = events.find((e) => e.type === 'contractCall' && e.round === 3n);
    expect(event).toMatchObject({ own: false, result: { function: 'add', value: 7n, caller: node.peer } });
    channel.dispose();
  });

  it('reach an application policy with the update and the decoded results, which may refuse', async () => {
    let seen: unknown;
    const { node, channel, contract, events } = await withPeerCounter({
      onPeerUpdate: (request) => {
        if (request.contract === undefined) return true;
        seen = request.contract;
        return request.contract.calls[0]?.value === 7n ? 147 : true;
      },
    });
    channel.setContractAci(contract, COUNTER.aci);
    expect(await node.peerUpdate([peerCall(node, contract, 2n)])).toEqual({ signed: false, code: 147n });
    expect(seen).toMatchObject({ update: { op: 'callContract', caller: node.peer, contract }, calls: [{ function: 'add', value: 7n }] });
    expect(events.some((e) => e.type === 'peerUpdateRefused' && e.code === 147)).toBe(true);
    expect(channel.round).toBe(2n);
    channel.dispose();
  });
});

describe('verify before sign', () => {
  it('a node that changes the call data of our call gets no signature: a security event, CHANNEL_SECURITY', async () => {
    const { node, channel, events } = await openWith({ role: 'initiator' });
    const { contractId } = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    node.tamper = (draft) => {
      const u = draft.updates[0] as Record<string, unknown>;
      return { ...draft, updates: [{ ...u, call_data: encodeCallData(COUNTER.aci, 'add', [1000n]) }] as never };
    };
    await expect(channel.callContract(contractId, { function: 'add', args: [1n] })).rejects.toMatchObject({ code: 'CHANNEL_SECURITY' });
    expect(events.some((e) => e.type === 'security' && /updates differ/.test(e.reason))).toBe(true);
    const replies = node.received.filter((m) => m['method'] === 'channels.update');
    expect(replies.at(-1)!['params']).toEqual({ error: 1n });
    expect(channel.round).toBe(2n);
    channel.dispose();
  });

  it('a round reading the chain environment: refused without chainEnv; signed with the environment the node used', async () => {
    const without = await openWith({ role: 'initiator' });
    const a = await without.channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    await expect(without.channel.callContract(a.contractId, { function: 'height' })).rejects.toMatchObject({ code: 'CHANNEL_SECURITY' });
    expect(without.events.some((e) => e.type === 'security' && /chain environment \(height\)/.test(e.reason))).toBe(true);
    without.channel.dispose();

    const requests: unknown[] = [];
    const withEnv = await openWith(
      { role: 'initiator' },
      {
        chainEnv: (request) => {
          requests.push(request.reads);
          return [{ height: 999n, timestamp: 0n, beneficiary: ZERO_AK, difficulty: 1n }, { height: 1000n, timestamp: 1_700_000_000_000n, beneficiary: ZERO_AK, difficulty: 1n }];
        },
      },
    );
    const b = await withEnv.channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    const { call } = await withEnv.channel.callContract(b.contractId, { function: 'height' });
    expect(call.value).toBe(1000n);
    expect(requests).toEqual([['height']]);
    withEnv.channel.dispose();
  });
});

describe('force progress', () => {
  it('is signed after recomputation; once consumed on chain its state is the latest, stored and provable', async () => {
    const { node, channel, store, events } = await openWith({ role: 'initiator' });
    const { contractId } = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    const { tx } = await channel.forceProgress({ contractId, function: 'add', args: [1n], gasPrice: 1_000_000_000n });
    expect(tx).toBe(node.forceProgress);
    node.onChain('consumed_forced_progress', tx, 'channel_force_progress_tx');
    await until(() => channel.round === 3n);
    expect(events.find((e) => e.type === 'forcedProgress')).toMatchObject({ own: true, adopted: true, round: 3n });
    expect(events.find((e) => e.type === 'contractCall' && e.forced)).toMatchObject({ result: { value: 6n, gasPrice: 1_000_000_000n } });
    await until(() => channel.persisted.round === 3n);
    const record = decodeChannelRecord((await store.read([...store.entries().keys()][0]!))!, 'k').channel;
    expect(record.latestState).toBe(tx);
    await expect(verifyChannelRecord(record, 'k')).resolves.toBeUndefined();
    // the next off-chain round builds on the forced state
    const next = await channel.callContract(contractId, { function: 'add', args: [1n] });
    expect(next.call.value).toBe(7n);
    channel.dispose();
  });
});

describe("the peer's force progress", () => {
  it('consumed on chain with its poster\'s signature: adopted; with a forged one: ignored (a security event)', async () => {
    const { node, channel, events, store } = await openWith({ role: 'initiator' });
    const { contractId } = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    await node.peerForceProgress(contractId, encodeCallData(COUNTER.aci, 'add', [1n]), true);
    await until(() => events.some((e) => e.type === 'security' && /poster's valid signature/.test(e.reason)));
    expect(channel.round).toBe(2n);
    const tx = await node.peerForceProgress(contractId, encodeCallData(COUNTER.aci, 'add', [1n]));
    await until(() => channel.round === 3n);
    expect(events.find((e) => e.type === 'forcedProgress' && e.adopted)).toMatchObject({ own: false, round: 3n });
    expect(events.find((e) => e.type === 'contractCall' && e.forced)).toMatchObject({ own: false, result: { value: 6n, caller: node.peer } });
    await until(() => channel.persisted.round === 3n);
    const record = decodeChannelRecord((await store.read([...store.entries().keys()][0]!))!, 'k').channel;
    expect(record.latestState).toBe(tx);
    await expect(verifyChannelRecord(record, 'k')).resolves.toBeUndefined();
    // and the channel goes on from it
    expect((await channel.callContract(contractId, { function: 'add', args: [1n] })).call.value).toBe(7n);
    channel.dispose();
  });
});

describe('durable contract state', () => {
  it('a channel holding contracts is reestablished from its store and goes on; a record with forged trees is refused', async () => {
    const { node, channel, store } = await openWith({ role: 'responder' });
    const { contractId } = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    await channel.callContract(contractId, { function: 'add', args: [2n] });
    channel.dispose();
    const resumed = await Channel.reestablish({ store, channelId: channel.channelId!, signer: node.clientSigner, transport: node.transport, reconnect: false, timeoutMs: 10_000 });
    expect(resumed.round).toBe(3n);
    resumed.setContractAci(contractId, COUNTER.aci);
    const { call } = await resumed.callContract(contractId, { function: 'add', args: [1n] });
    expect(call.value).toBe(8n);
    resumed.dispose();

    // forge: the same record with the trees of another state (a higher balance for us)
    const key = [...store.entries().keys()][0]!;
    const record = decodeChannelRecord((await store.read(key))!, key);
    const other = await openWith({ role: 'responder', responderAmount: 5000n });
    await other.channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    const forged = { ...record, channel: { ...record.channel, trees: other.channel.persisted.trees! } };
    other.channel.dispose();
    await store.write(key, encodeChannelRecord(forged));
    await expect(Channel.reestablish({ store, channelId: channel.channelId!, signer: node.clientSigner, transport: node.transport, reconnect: false })).rejects.toMatchObject({
      code: 'CHANNEL_STORE_CORRUPT',
    });
    expect(decode(forged.channel.trees!, 'ss').length).toBeGreaterThan(0);
  });
});

describe('dropped connection', () => {
  it('a channel holding contracts reconnects (same fsm id) and keeps calling; a round cut by the drop settles', async () => {
    const { node, channel, events } = await openWith({ role: 'initiator' }, { reconnect: { attempts: 3, baseDelayMs: 5, settleWaitMs: 200 } });
    const { contractId } = await channel.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
    node.drop();
    await until(() => events.some((e) => e.type === 'recovered'));
    expect(channel.status).toBe('open');
    const { call } = await channel.callContract(contractId, { function: 'add', args: [2n] });
    expect(call.value).toBe(7n);
    // a call whose sign request the drop cuts: it rejects (it did not take effect), the next one goes through
    node.tamper = (draft) => {
      node.drop();
      return draft;
    };
    await expect(channel.callContract(contractId, { function: 'add', args: [1n] })).rejects.toMatchObject({ code: 'CHANNEL_CONNECTION_LOST' });
    await until(() => events.filter((e) => e.type === 'recovered').length === 2);
    expect(channel.round).toBe(3n);
    const again = await channel.callContract(contractId, { function: 'add', args: [1n] });
    expect(again).toMatchObject({ round: 4n, call: { value: 8n } });
    channel.dispose();
  });
});

