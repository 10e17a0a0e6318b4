/**
 * Force progress (PROTOCOL.md §9.13, CONTRACTS.md §3): the request, the checks of §3.5
 * before signing (the post-call state hash recomputed with the VM), and following it through
 * the chain reports: `consumed_forced_progress` adopts it, `can_snapshot` / `can_slash` report
 * an older one.
 */
import { encode, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import type { Command } from '../src/index.js';
import { ABI, ADD_3, callContractJson, contractAt, forceProgressOn, GET, newContractJson, nextRound, ownRound, withCounter } from './contracts.js';
import { events, I, info, onChainTx, openChannel, R, result, securityEvents, sends, settles, SIG_I, SIG_R, signedBy, signRequest, signs, unsigned, type Driver } from './helpers.js';

/** A state hash no round here gives. */
const WRONG_HASH = encode(new Uint8Array(32).fill(9), 'st');

const fp = (contractId: Encoded<'ct'>, callData: Encoded<'cb'> = ADD_3, extra: Partial<Extract<Command, { kind: 'forceProgress' }>> = {}): Command => ({
  kind: 'forceProgress',
  contractId,
  abiVersion: ABI,
  amount: 0n,
  callData,
  gasPrice: 1000000000n,
  ...extra,
});

/** Runs an own force progress through signing and the node's "ok"; returns the signed tx. */
function ownForceProgress(d: Driver, contract: Encoded<'ct'>): Encoded<'tx'> {
  d.command(fp(contract));
  const tx = unsigned(forceProgressOn(d.state, I, contract, ADD_3));
  d.node(signRequest('force_progress_tx', tx, [callContractJson(I, contract, ADD_3, 0n, { gas_price: 1000000000n })]));
  d.sign(SIG_I);
  d.node(result(d.lastSendId(), 'ok'));
  return signedBy(tx, SIG_I);
}

describe('own force progress', () => {
  it('is signed after the post-call state hash is recomputed; settles on ok and is remembered until the chain reports it', () => {
    const { d, contract } = withCounter('initiator');
    const { commandId, effects } = d.command(fp(contract));
    expect(sends(effects)).toEqual([
      { method: 'channels.force_progress', params: { contract_id: contract, abi_version: ABI, amount: 0n, call_data: ADD_3, gas_price: 1000000000n } },
    ]);
    const tx = unsigned(forceProgressOn(d.state, I, contract, ADD_3));
    const [sign] = signs(d.node(signRequest('force_progress_tx', tx, [])));
    expect(sign!.reason).toMatch(/force progress: call .* at round 3 -> ok/);
    expect(sign!.calls).toHaveLength(1);
    expect(sends(d.sign(SIG_I))[0]!.method).toBe('channels.force_progress_sign');
    expect(settles(d.node(result(d.lastSendId(), 'ok')))).toMatchObject([{ commandId, ok: true, result: { tx: signedBy(tx, SIG_I) } }]);
    expect(d.state.forced).toMatchObject({ round: 3n, tx: signedBy(tx, SIG_I) });
  });

  it.each([
    ['a post-call state hash the call does not give', { stateHash: WRONG_HASH }, /state hash/],
    ['a gas price above the requested one (the poster pays gas × gas price)', { gasPrice: 1000000000n * 1000n }, /gas price/],
    ['more gas than requested', { gas: 2000000n }, /gas is 2000000, expected 1000000/],
    ['another amount', { amount: 5n }, /call amount/],
  ])('refuses %s', (_, opts, reason) => {
    const { d, contract } = withCounter('initiator');
    d.command(fp(contract));
    const effects = d.node(signRequest('force_progress_tx', unsigned(forceProgressOn(d.state, I, contract, ADD_3, opts)), []));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toMatch(reason);
    expect(sends(effects)).toEqual([{ method: 'channels.force_progress_sign', params: { error: 1n } }]);
  });

  it('refuses another call data, and a call of a contract that is not in the state', () => {
    const { d, contract } = withCounter('initiator');
    d.command(fp(contract));
    const other = d.node(signRequest('force_progress_tx', unsigned(forceProgressOn(d.state, I, contract, GET)), []));
    expect(signs(other)).toEqual([]);
    expect(securityEvents(other)[0]!.reason).toMatch(/call data/);
    const unknown = encode(new Uint8Array(32).fill(7), 'ct');
    const e = withCounter('initiator').d;
    e.command(fp(unknown));
    const tx = forceProgressOn(e.state, I, unknown, ADD_3, { stateHash: WRONG_HASH });
    const refused = e.node(signRequest('force_progress_tx', unsigned(tx), []));
    expect(signs(refused)).toEqual([]);
    expect(securityEvents(refused)[0]!.reason).toMatch(/cannot be applied: Contract .* is not in the channel state/);
  });

  it('consumed on chain: becomes the latest state (round, trees, on-chain round); the next round builds on it', () => {
    const { d, contract } = withCounter('initiator');
    const signedFp = ownForceProgress(d, contract);
    const forced = d.state.forced!;
    const effects = d.node(onChainTx('consumed_forced_progress', signedFp, 'channel_force_progress_tx'));
    expect(events(effects).filter((e) => e.type === 'forcedProgress')).toEqual([{ type: 'forcedProgress', info: 'consumed_forced_progress', round: 3n, own: true, adopted: true, reason: null }]);
    expect(events(effects).find((e) => e.type === 'contractCall')).toMatchObject({ round: 3n, own: true, forced: true, call: { gas_price: 1000000000n, return_type: 'ok' } });
    expect(d.state).toMatchObject({ round: 3n, latestState: signedFp, onChainRound: 3n, trees: forced.trees, forced: null });
    // the next off-chain round is computed from the forced state
    const { done } = ownRound(d, { kind: 'callContract', contractId: contract, callData: ADD_3, abiVersion: ABI, amount: 0n }, [callContractJson(I, contract, ADD_3)]);
    expect(settles(done)[0]).toMatchObject({ ok: true, result: { round: 4n } });
    // a solo close now uses an empty payload (the forced round is on chain)
    expect(d.state.onChainRound).toBe(3n);
  });

  it("a report of a force progress that is not ours and does not continue our state is not adopted", () => {
    const { d, contract } = withCounter('initiator');
    const older = signedBy(unsigned(forceProgressOn({ ...d.state, round: d.state.round - 1n }, R, contract, ADD_3)), SIG_R);
    const before = d.state.round;
    const effects = d.node(onChainTx('consumed_forced_progress', older, 'channel_force_progress_tx'));
    expect(d.state.round).toBe(before);
    expect(events(effects).find((e) => e.type === 'forcedProgress')).toMatchObject({ adopted: false, reason: expect.stringMatching(/round/) });
    expect(securityEvents(effects)).toHaveLength(1);
  });
});

describe("the peer's force progress", () => {
  it('continuing our latest state and recomputed: adopted', () => {
    const { d, contract } = withCounter('initiator');
    const theirs = signedBy(unsigned(forceProgressOn(d.state, R, contract, ADD_3)), SIG_R);
    const expected = nextRound(d.state, [callContractJson(R, contract, ADD_3, 0n, { gas_price: 1000000000n })]);
    const effects = d.node(onChainTx('consumed_forced_progress', theirs, 'channel_force_progress_tx'));
    expect(events(effects).find((e) => e.type === 'forcedProgress')).toMatchObject({ own: false, adopted: true });
    expect(d.state.round).toBe(3n);
    expect(d.state.balances).toEqual(expected.balances);
  });

  it('with a state hash the call does not give: not adopted, a security event', () => {
    const { d, contract } = withCounter('initiator');
    const forged = signedBy(unsigned(forceProgressOn(d.state, R, contract, ADD_3, { stateHash: WRONG_HASH })), SIG_R);
    const effects = d.node(onChainTx('consumed_forced_progress', forged, 'channel_force_progress_tx'));
    expect(d.state.round).toBe(2n);
    expect(securityEvents(effects)[0]!.reason).toMatch(/state hash/);
  });

  it('can_snapshot (based on an older state): reported, nothing adopted', () => {
    const { d, contract } = withCounter('responder');
    const theirs = signedBy(unsigned(forceProgressOn(d.state, I, contract, ADD_3)), SIG_I);
    const effects = d.node(onChainTx('can_snapshot', theirs, 'channel_force_progress_tx'));
    expect(events(effects).find((e) => e.type === 'forcedProgress')).toMatchObject({ info: 'can_snapshot', adopted: false, reason: expect.stringMatching(/snapshot/) });
    expect(d.state.round).toBe(2n);
  });
});

describe('force progress: the other checks of CONTRACTS.md §3.5', () => {
  /** `Oracles.aes`: `register()` registers an oracle, an operation not allowed off chain. */
  const ORACLES_CODE =
    'cb_+LxGA6Dm0Y6EoX7TwDSOjliMOCZ4PQXuio/tjjeXNiXg0BSqvsC4j7hv/iKbVT8ANwBHA14AZj/MnwEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAUr4IBAQAbFHd3AP5E1kQfADcANwAaDoI/AQM/mi8CESKbVT8hcmVnaXN0ZXIRRNZEHxFpbml0gi8AhTguMC4wAGkb+zo=' as Encoded<'cb'>;
  const REGISTER = 'cb_KxEim1U/Pwlp6kQ=' as Encoded<'cb'>;

  it('a call that uses an operation not allowed off chain (it would burn all its gas): refused', () => {
    const d = openChannel('initiator');
    ownRound(d, { kind: 'newContract', code: ORACLES_CODE, callData: 'cb_KxFE1kQfP4oEp9E=' as Encoded<'cb'>, vmVersion: 8n, abiVersion: 3n, deposit: 0n }, [
      newContractJson(I, 0n, ORACLES_CODE, 'cb_KxFE1kQfP4oEp9E='),
    ]);
    const contract = contractAt(I, 2n);
    // off chain, the same call is an ordinary round with an error call object
    const offChain = nextRound(d.state, [callContractJson(I, contract, REGISTER)]);
    expect(offChain.calls[0]).toMatchObject({ return_type: 'error' });
    d.command(fp(contract, REGISTER));
    const effects = d.node(signRequest('force_progress_tx', unsigned(forceProgressOn(d.state, I, contract, REGISTER)), []));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toMatch(/not allowed off chain and would burn all its gas/);
  });

  it('while closing, as the responder: allowed and verified the same way', () => {
    const { d, contract } = withCounter('responder');
    d.node(info('closing'));
    expect(d.state.phase).toBe('closing');
    d.command(fp(contract));
    const tx = unsigned(forceProgressOn(d.state, R, contract, ADD_3));
    expect(signs(d.node(signRequest('force_progress_tx', tx, [])))).toHaveLength(1);
  });
});

