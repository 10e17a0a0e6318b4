/**
 * Off-chain contracts (CONTRACTS.md §2, PROTOCOL.md §7.2, §9.3): create and call rounds of
 * both roles, recomputed with the VM before signing; every later round over the full trees;
 * the contract queries checked against our own state; the trees in the persisted snapshot.
 */
import { computeStateHash, decode, stringifyJson, type Encoded, type JsonValue } from '@aechannel/codec';
import { contractToJson, treesFromStateTrees } from '@aechannel/fate';
import { describe, expect, it } from 'vitest';
import { createInitialState, getPersistedChannel, type Command } from '../src/index.js';
import {
  ABI,
  ADD_0,
  ADD_3,
  callCommand,
  callContractJson,
  contractAt,
  COUNTER_CODE,
  createCommand,
  GET,
  INIT_5,
  newContractJson,
  nextRound,
  offChainTxWithHash,
  ownRound,
  peerOf,
  peerRound,
  selfOf,
  VM,
  withCounter,
} from './contracts.js';
import {
  channelUpdate,
  depositUpdate,
  Driver,
  events,
  FSM_ID,
  I,
  info,
  openChannel,
  R,
  result,
  securityEvents,
  sends,
  settles,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  transferUpdate,
  unsigned,
  depositTx,
  OWN_NONCE,
} from './helpers.js';

describe.each(['initiator', 'responder'] as const)('contract rounds as %s', (role) => {
  it('own create: new_contract request, VM-checked sign.update, settles with the contract id and its init call', () => {
    const d = openChannel(role);
    const self = selfOf(d);
    const { started, signEffects, done, next } = ownRound(d, createCommand(), [newContractJson(self)]);
    expect(sends(started.effects)).toEqual([
      { method: 'channels.update.new_contract', params: { code: COUNTER_CODE, call_data: INIT_5, vm_version: VM, abi_version: ABI, deposit: 10n } },
    ]);
    const [sign] = signs(signEffects);
    expect(sign).toMatchObject({ tag: 'update', balances: next.balances });
    expect(sign!.calls).toEqual(next.calls);
    expect(sign!.reason).toMatch(/^your contract round 2: create contract by .*-> ok/);
    const contractId = contractAt(self, 2n);
    expect(settles(done)).toEqual([{ type: 'settle', commandId: started.commandId, ok: true, result: { state: expect.any(String), round: 2n, contractId, call: next.calls[0] } }]);
    expect(events(done).filter((e) => e.type === 'contractCall')).toEqual([{ type: 'contractCall', round: 2n, own: true, forced: false, update: expect.objectContaining({ op: 'newContract', owner: self, deposit: 10n }), call: next.calls[0] }]);
    // The deposit left the owner; the trees are the state now, and they are persisted.
    expect(d.state.balances[self]).toBe(next.balances[self]);
    expect(d.state.trees).not.toBeNull();
    expect(treesFromStateTrees(d.state.trees!).contracts.size).toBe(1);
    expect(getPersistedChannel(d.state).trees).toBe(d.state.trees);
  });

  it('own call: call_contract request; the call object and the contract store come from the VM', () => {
    const { d, contract } = withCounter(role, role);
    const self = selfOf(d);
    const { started, done, next } = ownRound(d, callCommand(contract, ADD_3, 7n), [callContractJson(self, contract, ADD_3, 7n)]);
    expect(sends(started.effects)).toEqual([{ method: 'channels.update.call_contract', params: { contract_id: contract, call_data: ADD_3, abi_version: ABI, amount: 7n } }]);
    const [settle] = settles(done);
    expect(settle).toMatchObject({ ok: true, result: { round: 3n, call: { return_type: 'ok', caller_id: self, caller_nonce: 3n, contract_id: contract } } });
    expect(next.calls[0]!.log).toHaveLength(1); // Added(3)
    expect(d.state.balances[self]).toBe(next.balances[self]);
  });

  it('a reverting call is an ordinary round (the amount goes back, Iris+)', () => {
    const { d, contract } = withCounter(role, role);
    const before = d.state.balances[selfOf(d)]!;
    const { done } = ownRound(d, callCommand(contract, ADD_0, 7n), [callContractJson(selfOf(d), contract, ADD_0, 7n)]);
    expect(settles(done)[0]).toMatchObject({ ok: true, result: { call: { return_type: 'revert' } } });
    expect(d.state.balances[selfOf(d)]).toBe(before);
  });

  it("the peer's create and call are recomputed and co-signed; events name them as the peer's", () => {
    const { d, contract } = withCounter(role, role === 'initiator' ? 'responder' : 'initiator');
    const peer = peerOf(d);
    const { signEffects, done, next } = peerRound(d, [callContractJson(peer, contract, ADD_3, 1n)]);
    expect(signs(signEffects)[0]).toMatchObject({ tag: 'update_ack', balances: next.balances });
    expect(signs(signEffects)[0]!.reason).toMatch(/^peer contract round 3: call/);
    expect(events(done).find((e) => e.type === 'contractCall')).toMatchObject({ own: false, round: 3n, call: { caller_id: peer, return_type: 'ok' } });
  });

  it('once contracts exist, a transfer round is hashed over the full trees (calls tree emptied)', () => {
    const { d } = withCounter(role, 'initiator');
    const self = selfOf(d);
    const peer = peerOf(d);
    const updates = [transferUpdate(self, peer, 5n)];
    const next = nextRound(d.state, updates);
    // The balances alone no longer give the state hash.
    expect(next.stateHash).not.toBe(computeStateHash(next.balances));
    const { done } = ownRound(d, { kind: 'transfer', from: self, to: peer, amount: 5n }, updates);
    expect(settles(done)[0]).toMatchObject({ ok: true, result: { round: 3n } });
    expect(treesFromStateTrees(d.state.trees!).calls.size).toBe(0);
    // A node that hashes only the balances is refused.
    d.command({ kind: 'transfer', from: self, to: peer, amount: 1n });
    const after = { ...d.state.balances, [self]: d.state.balances[self]! - 1n, [peer]: d.state.balances[peer]! + 1n };
    const refused = d.node(signRequest('update', unsigned(offChainTxWithHash(4n, computeStateHash(after))), [transferUpdate(self, peer, 1n)]));
    expect(signs(refused)).toEqual([]);
    expect(securityEvents(refused)[0]!.reason).toMatch(/state hash/);
  });

  it('a deposit with contracts present is computed over the full trees', () => {
    const { d } = withCounter(role, 'initiator');
    const self = selfOf(d);
    d.command({ kind: 'deposit', amount: 9n });
    const next = nextRound(d.state, [depositUpdate(self, 9n)]);
    const tx = depositTx(self, 9n, 3n, next.balances, { stateHash: next.stateHash, nonce: OWN_NONCE });
    const effects = d.node(signRequest('deposit_tx', unsigned(tx), [depositUpdate(self, 9n)]));
    expect(securityEvents(effects)).toEqual([]);
    expect(signs(effects)).toHaveLength(1);
  });
});

describe('contract queries are checked against our own state', () => {
  it('dry run: the node result equal to our own run is verified; a different one is a security event', () => {
    const { d, contract } = withCounter('initiator');
    const ours = nextRound(d.state, [callContractJson(I, contract, GET)]).calls[0]!;
    const ok = d.command({ kind: 'dryRunCall', contractId: contract, callData: GET, abiVersion: ABI, amount: 0n });
    expect(sends(ok.effects)).toEqual([{ method: 'channels.dry_run.call_contract', params: { contract_id: contract, call_data: GET, abi_version: ABI, amount: 0n } }]);
    expect(settles(d.node(result(d.lastSendId(), ours as unknown as JsonValue)))).toEqual([{ type: 'settle', commandId: ok.commandId, ok: true, result: { call: ours, verified: true } }]);
    const lie = d.command({ kind: 'dryRunCall', contractId: contract, callData: GET, abiVersion: ABI, amount: 0n });
    const effects = d.node(result(d.lastSendId(), { ...ours, return_value: 'cb_VNLOFXc=' } as unknown as JsonValue));
    expect(settles(effects)[0]).toMatchObject({ commandId: lie.commandId, ok: false, error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
    expect(securityEvents(effects)).toHaveLength(1);
  });

  it('get.contract: settles with the contract as our trees hold it; a different store is refused', () => {
    const { d, contract } = withCounter('responder');
    const record = [...treesFromStateTrees(d.state.trees!).contracts.entries()][0]![1];
    const honest = contractToJson(decode(contract, 'ct'), record);
    const q = d.command({ kind: 'getContract', contractId: contract });
    expect(sends(q.effects)).toEqual([{ method: 'channels.get.contract', params: { pubkey: contract } }]);
    // The node's JSON carries numbers where ours has them too (vm/abi versions): compared by value.
    const reply = { ...honest, contract: { ...honest.contract, vm_version: 8n, abi_version: 3n } };
    expect(settles(d.node(result(d.lastSendId(), reply as unknown as JsonValue)))).toEqual([{ type: 'settle', commandId: q.commandId, ok: true, result: honest }]);
    const key = Object.keys(honest.contract_state)[0]!;
    const lie = d.command({ kind: 'getContract', contractId: contract });
    const wrong = d.node(result(d.lastSendId(), { ...reply, contract_state: { ...honest.contract_state, [key]: 'cv_Vl4/10M=' } } as unknown as JsonValue));
    expect(settles(wrong)[0]).toMatchObject({ commandId: lie.commandId, ok: false, error: { code: 'FSM_INVALID_NODE_MESSAGE' } });
    expect(securityEvents(wrong)).toHaveLength(1);
  });

  it('get.contract_call: verified against the call we co-signed; after clean_contract_calls it is no longer known', () => {
    const { d, contract } = withCounter('initiator');
    const init = d.state.callArchive[0]!.call;
    const q = d.command({ kind: 'getContractCall', contractId: contract, callerId: I, round: 2n });
    expect(sends(q.effects)).toEqual([{ method: 'channels.get.contract_call', params: { contract_id: contract, caller_id: I, round: 2n } }]);
    expect(settles(d.node(result(d.lastSendId(), init as unknown as JsonValue)))).toEqual([{ type: 'settle', commandId: q.commandId, ok: true, result: { call: init, verified: true } }]);
    const lie = d.command({ kind: 'getContractCall', contractId: contract, callerId: I, round: 2n });
    const effects = d.node(result(d.lastSendId(), { ...init, gas_used: init.gas_used + 1n } as unknown as JsonValue));
    expect(settles(effects)[0]).toMatchObject({ commandId: lie.commandId, ok: false });
    expect(securityEvents(effects)).toHaveLength(1);
    const clean = d.command({ kind: 'cleanContractCalls' });
    expect(sends(clean.effects)).toEqual([{ method: 'channels.clean_contract_calls', params: {} }]);
    expect(settles(d.node({ jsonrpc: '2.0', method: 'channels.calls_pruned.reply', params: { channel_id: null, data: { action: 'calls_pruned' } } }))).toEqual([
      { type: 'settle', commandId: clean.commandId, ok: true, result: null },
    ]);
    expect(d.state.callArchive).toEqual([]);
    const later = d.command({ kind: 'getContractCall', contractId: contract, callerId: I, round: 2n });
    expect(settles(d.node(result(d.lastSendId(), init as unknown as JsonValue)))[0]).toMatchObject({ commandId: later.commandId, ok: true, result: { verified: false } });
  });

  it('malformed contract queries are refused before anything is sent', () => {
    const d = openChannel('initiator');
    for (const command of [
      { kind: 'dryRunCall', contractId: 'ABCDEFG', callData: GET, abiVersion: ABI, amount: 0n },
      { kind: 'dryRunCall', contractId: contractAt(I, 2n), callData: 'ABCDEFG', abiVersion: ABI, amount: 0n },
      { kind: 'dryRunCall', contractId: contractAt(I, 2n), callData: GET, abiVersion: ABI, amount: '1' },
      { kind: 'getContractCall', contractId: contractAt(I, 2n), callerId: 'ABCEDFG', round: 3n },
      { kind: 'getContractCall', contractId: contractAt(I, 2n), callerId: I, round: '2' },
      { kind: 'getPoi', accounts: ['ak_3NTNtGF'] },
      { kind: 'callContract', contractId: contractAt(I, 2n), callData: GET, abiVersion: ABI, amount: 0n },
    ]) {
      const { effects } = d.command(command as unknown as Command);
      const label = stringifyJson(command as unknown as JsonValue);
      expect(sends(effects), label).toEqual([]);
      expect(settles(effects)[0], label).toMatchObject({ ok: false, error: { code: 'FSM_INVALID_COMMAND' } });
    }
  });
});

describe('durable contract state', () => {
  it('a channel holding contracts is reestablished from its snapshot and keeps verifying rounds', () => {
    const { d, contract } = withCounter('initiator');
    const saved = getPersistedChannel(d.state);
    const resumed = new Driver(createInitialState({}, { mode: 'reestablish', savedState: saved }));
    resumed.feed({ type: 'start' });
    resumed.feed({ type: 'transportOpened' });
    resumed.node(info('fsm_up', { fsm_id: FSM_ID }));
    resumed.node(info('channel_reestablished'));
    resumed.node(info('open'));
    expect(resumed.state.trees).toBe(saved.trees);
    const { done } = ownRound(resumed, callCommand(contract, ADD_3), [callContractJson(I, contract, ADD_3)]);
    expect(settles(done)[0]).toMatchObject({ ok: true, result: { round: 3n, call: { return_type: 'ok' } } });
  });

  it("a resync adopts the node's trees of a newer co-signed contract round (trees hash = its state hash)", () => {
    const { d, contract } = withCounter('initiator');
    const behind = new Driver(createInitialState({}, { mode: 'reestablish', savedState: getPersistedChannel(d.state) }));
    // the channel moved on without this copy: a co-signed call of round 3
    ownRound(d, callCommand(contract, ADD_3), [callContractJson(I, contract, ADD_3)]);
    behind.feed({ type: 'start' });
    behind.feed({ type: 'transportOpened' });
    behind.node(info('fsm_up', { fsm_id: FSM_ID }));
    behind.node(info('open'));
    const adopted = behind.feed({ type: 'verifiedState', signedTx: d.state.latestState!, trees: d.state.trees! });
    expect(events(adopted).find((e) => e.type === 'stateChanged')).toMatchObject({ round: 3n });
    expect(behind.state).toMatchObject({ round: 3n, trees: d.state.trees, balances: d.state.balances });
    // trees of another state are refused
    const other = withCounter('initiator').d;
    const stale = new Driver(createInitialState({}, { mode: 'reestablish', savedState: getPersistedChannel(other.state) }));
    stale.feed({ type: 'start' });
    stale.feed({ type: 'transportOpened' });
    stale.node(info('fsm_up', { fsm_id: FSM_ID }));
    const refused = stale.feed({ type: 'verifiedState', signedTx: d.state.latestState!, trees: other.state.trees! });
    expect(securityEvents(refused)[0]!.reason).toMatch(/trees do not hash to the state hash/);
    expect(stale.state.round).toBe(2n);
  });
});

