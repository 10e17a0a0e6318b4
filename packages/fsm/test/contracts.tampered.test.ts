/**
 * Acceptance (issue 13): a node that changes the call data, amount, gas, contract id, code
 * or the post-call state hash of a contract round gets a refusal and no signature, on our
 * own rounds (the update must be exactly what we asked) and on the peer's (the state hash
 * must be what the announced update gives on our own trees).
 */
import { encode, type Encoded, type JsonValue } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import type { Command } from '../src/index.js';
import {
  ABI,
  ADD_3,
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
  VM,
  withCounter,
} from './contracts.js';
import { expectRefused, info, I, openChannel, R, SIG_I, SIG_R, signedBy, signRequest, signs, unsigned, type Driver } from './helpers.js';

/** `identity` of CONTRACTS.md Appendix A: another contract's code. */
const IDENTITY_CODE =
  'cb_+GdGA6B1zG4p/FGNKLm8XBYFNIS6ut0x9+w70LfOEhtE/GoTQMC4Op7+RNZEHwA3ADcAGg6CPwEDP/63+3bABDcBBwcBAQCXLwIRRNZEHxFpbml0Ebf7dsAVbWFpbl+CLwCFOC4wLjAAFnGdJA==' as Encoded<'cb'>;
const INIT_NO_ARGS = 'cb_KxFE1kQfP4oEp9E=' as Encoded<'cb'>;
const WRONG_HASH = encode(new Uint8Array(32).fill(9), 'st');

/** A channel with two counters: the initiator's of round 2 and of round 3. */
function twoCounters(role: 'initiator' | 'responder'): { d: Driver; a: Encoded<'ct'>; b: Encoded<'ct'> } {
  const { d, contract: a } = withCounter(role, 'initiator');
  if (role === 'initiator') ownRound(d, createCommand(), [newContractJson(I)]);
  else {
    d.node(info('update'));
    const next = nextRound(d.state, [newContractJson(I)]);
    d.node(signRequest('update_ack', signedBy(unsigned(offChainTxWithHash(next.round, next.stateHash)), SIG_I), [newContractJson(I)]));
    d.sign(SIG_R);
    d.node({ jsonrpc: '2.0', method: 'channels.update', params: { channel_id: null, data: { state: signedBy(unsigned(offChainTxWithHash(next.round, next.stateHash)), SIG_I, SIG_R) } } });
  }
  d.effects = [];
  return { d, a, b: contractAt(I, 3n) };
}

/** The own sign.update for `updates`, with the state hash the node computes for them (or `hash`). */
function ownUpdateRequest(d: Driver, command: Command, updates: JsonValue[], hash?: Encoded<'st'>) {
  d.command(command);
  const next = nextRound(d.state, updates);
  return d.node(signRequest('update', unsigned(offChainTxWithHash(next.round, hash ?? next.stateHash)), updates));
}

describe('own contract call: the node changes what we asked', () => {
  const ask = (contractId: Encoded<'ct'>): Command => ({ kind: 'callContract', contractId, callData: ADD_3, abiVersion: ABI, amount: 7n });
  it.each([
    ['the call data', (a: Encoded<'ct'>) => callContractJson(I, a, GET, 7n)],
    ['the amount', (a: Encoded<'ct'>) => callContractJson(I, a, ADD_3, 8n)],
    ['the gas', (a: Encoded<'ct'>) => callContractJson(I, a, ADD_3, 7n, { gas: 2000000n })],
    ['the gas price', (a: Encoded<'ct'>) => callContractJson(I, a, ADD_3, 7n, { gas_price: 2n })],
    ['the caller', (a: Encoded<'ct'>) => callContractJson(R, a, ADD_3, 7n)],
  ])('%s (its state hash consistent with the change): refused, not signed', (_, update) => {
    const { d, a } = twoCounters('initiator');
    expectRefused(ownUpdateRequest(d, ask(a), [update(a)]), 'channels.update', /updates differ from the requested operation/);
  });

  it('the contract id: refused, not signed', () => {
    const { d, a, b } = twoCounters('initiator');
    expectRefused(ownUpdateRequest(d, ask(a), [callContractJson(I, b, ADD_3, 7n)]), 'channels.update', /updates differ from the requested operation/);
  });

  it('the post-call state hash (the update as asked): refused, not signed', () => {
    const { d, a } = twoCounters('initiator');
    expectRefused(ownUpdateRequest(d, ask(a), [callContractJson(I, a, ADD_3, 7n)], WRONG_HASH), 'channels.update', /state hash/);
  });

  it('the state of another call (the update as asked, the hash of get() instead of add(3)): refused', () => {
    const { d, a } = twoCounters('initiator');
    const other = nextRound(d.state, [callContractJson(I, a, GET, 7n)]).stateHash;
    expectRefused(ownUpdateRequest(d, ask(a), [callContractJson(I, a, ADD_3, 7n)], other), 'channels.update', /state hash/);
  });

  it('control: the honest request is signed', () => {
    const { d, a } = twoCounters('initiator');
    expect(signs(ownUpdateRequest(d, ask(a), [callContractJson(I, a, ADD_3, 7n)]))).toHaveLength(1);
  });
});

describe('own contract create: the node changes what we asked', () => {
  it.each([
    ['the code', newContractJson(I, 10n, IDENTITY_CODE, INIT_NO_ARGS)],
    ['the init call data', newContractJson(I, 10n, COUNTER_CODE, 'cb_KxFE1kQfGxQIyDqy')],
    ['the deposit', newContractJson(I, 11n)],
    ['the VM version', newContractJson(I, 10n, COUNTER_CODE, INIT_5, 7n)],
    ['the owner', newContractJson(R)],
  ])('%s: refused, not signed', (_, update) => {
    const d = openChannel('initiator');
    expectRefused(ownUpdateRequest(d, createCommand(), [update]), 'channels.update', /updates differ from the requested operation/);
  });

  it('the post-create state hash: refused, not signed', () => {
    const d = openChannel('initiator');
    expectRefused(ownUpdateRequest(d, createCommand(), [newContractJson(I)], WRONG_HASH), 'channels.update', /state hash/);
  });
});

describe("the peer's contract round: the announced update must give the signed state", () => {
  /** A sign.update_ack whose JSON says `announced` while its state hash is what `executed` gives. */
  function ack(d: Driver, announced: JsonValue, executed: JsonValue | Encoded<'st'>) {
    d.node(info('update'));
    const hash = typeof executed === 'string' ? (executed as Encoded<'st'>) : nextRound(d.state, [executed]).stateHash;
    return d.node(signRequest('update_ack', signedBy(unsigned(offChainTxWithHash(d.state.round + 1n, hash)), SIG_I), [announced]));
  }

  it.each([
    ['the call data', (a: Encoded<'ct'>) => [callContractJson(I, a, ADD_3, 1n), callContractJson(I, a, GET, 1n)]],
    ['the amount', (a: Encoded<'ct'>) => [callContractJson(I, a, ADD_3, 1n), callContractJson(I, a, ADD_3, 2n)]],
  ] as const)('%s differs from what was executed: refused, not signed', (_, pair) => {
    const { d, a } = twoCounters('responder');
    const [announced, executed] = pair(a);
    expectRefused(ack(d, announced!, executed!), 'channels.update_ack', /state hash/);
  });

  it('the contract id differs from the one executed: refused, not signed', () => {
    const { d, a, b } = twoCounters('responder');
    expectRefused(ack(d, callContractJson(I, a, ADD_3, 1n), callContractJson(I, b, ADD_3, 1n)), 'channels.update_ack', /state hash/);
  });

  it('the code differs from the one executed: refused, not signed', () => {
    const d = openChannel('responder');
    expectRefused(ack(d, newContractJson(I), newContractJson(I, 10n, IDENTITY_CODE, INIT_NO_ARGS)), 'channels.update_ack', /state hash/);
  });

  it('gas other than every WebSocket call carries: refused', () => {
    const { d, a } = twoCounters('responder');
    const u = callContractJson(I, a, ADD_3, 1n, { gas: 2000000n });
    expectRefused(ack(d, u, u), 'channels.update_ack', /gas is 2000000, expected 1000000/);
  });

  it('a call announced as made by us (it would move our funds): refused', () => {
    const { d, a } = twoCounters('responder');
    const u = callContractJson(R, a, ADD_3, 1n);
    expectRefused(ack(d, u, u), 'channels.update_ack', /caller of the peer's call is/);
  });

  it('a wrong post-call state hash: refused, not signed', () => {
    const { d, a } = twoCounters('responder');
    expectRefused(ack(d, callContractJson(I, a, ADD_3, 1n), WRONG_HASH), 'channels.update_ack', /state hash/);
  });

  it('control: the honest announced call is signed', () => {
    const { d, a } = twoCounters('responder');
    const u = callContractJson(I, a, ADD_3, 1n);
    expect(signs(ack(d, u, u))).toHaveLength(1);
  });
});

describe('vm version of the peer create', () => {
  it('is part of the recomputation (FATE_03 code announced as FATE_02 gives another state)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const as7 = newContractJson(I, 10n, COUNTER_CODE, INIT_5, 7n);
    const hash8 = nextRound(d.state, [newContractJson(I)]).stateHash;
    expectRefused(d.node(signRequest('update_ack', signedBy(unsigned(offChainTxWithHash(2n, hash8)), SIG_I), [as7])), 'channels.update_ack', /state hash/);
    expect(VM).toBe(8n);
  });
});
