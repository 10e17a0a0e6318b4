/**
 * A node that builds every tx the client signs tries to get a `sign` effect for a tx that
 * moves money the user did not agree to (PROTOCOL.md §7.4 "client-side checks"). One test
 * per attack; each asserts that no `sign` effect is produced (or, for the co-signed state,
 * that nothing is adopted).
 */
import { ADD_3, forceProgressOn, withCounter } from './contracts.js';
import { computeStateHash, decodeSignedTx, feeGas, fixFee, Tag, type Encoded, type JsonValue, type Tx, type TxWithFee } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import type { Command, Effect } from '../src/index.js';
import {
  afterTransfer,
  channelUpdate,
  closeMutualTx,
  conflict,
  connected,
  createTx,
  depositTx,
  depositUpdate,
  Driver,
  events,
  forceProgressTx,
  FSM_ID,
  I,
  info,
  INITIAL,
  offChainTx,
  openChannel,
  OTHER_CH,
  R,
  securityEvents,
  sends,
  settleTx,
  settles,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  snapshotTx,
  soloTx,
  transferUpdate,
  unsigned,
  withdrawTx,
  withdrawUpdate,
  type Balances,
  expectRefused,
  ownRequest,
} from './helpers.js';

const move = (b: Balances, from: Encoded<'ak'>, to: Encoded<'ak'>, amount: bigint): Balances => ({ ...b, [from]: b[from]! - amount, [to]: b[to]! + amount });
const AFTER_1 = move(INITIAL, I, R, 1n);
/** The fee the node's rule (§5.3) gives this tx without fee/gas_price in the request. */
const ruleFee = (tx: Tx): bigint => fixFee(tx as TxWithFee, {}).fee;
/** The same tx with the node's default fee (so only the field under test differs). */
const withRuleFee = (tx: Tx): Tx => ({ ...tx, fee: ruleFee(tx) }) as Tx;

function expectSigned(effects: Effect[]): void {
  expect(securityEvents(effects)).toEqual([]);
  expect(signs(effects)).toHaveLength(1);
}

describe('own off-chain transfer (sign.update)', () => {
  const transfer: Command = { kind: 'transfer', from: I, to: R, amount: 1n };

  it('from and to swapped (the user pays, the node makes the user receive... and the reverse)', () => {
    const { effects } = ownRequest(transfer, 'update', offChainTx(2n, move(INITIAL, R, I, 1n)), [transferUpdate(R, I, 1n)]);
    expectRefused(effects, 'channels.update', /updates differ from the requested operation/);
  });

  it('the requested meta string replaced by a second transfer', () => {
    const { effects } = ownRequest({ ...transfer, meta: ['note'] }, 'update', offChainTx(2n, move(INITIAL, I, R, 2n)), [transferUpdate(I, R, 1n), transferUpdate(I, R, 1n)]);
    expectRefused(effects, 'channels.update', /updates differ/);
  });

  it('the right round and updates but the state hash of other balances', () => {
    const { effects } = ownRequest(transfer, 'update', offChainTx(2n, move(INITIAL, I, R, 5n)), [transferUpdate(I, R, 1n)]);
    expectRefused(effects, 'channels.update', /state hash/);
  });

  it('a tx already carrying a signature (not ours: the starter is asked first, §3.3)', () => {
    const d = openChannel('initiator');
    d.command(transfer);
    const effects = d.node(signRequest('update', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_R), [transferUpdate(I, R, 1n)]));
    expectRefused(effects, 'channels.update', /signatures/);
  });
});

describe('peer proposals (acknowledger)', () => {
  it('two transfers in one update_ack (the node builds exactly one, §8.2)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const after = move(move(INITIAL, I, R, 1n), R, I, 1000n);
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, after)), SIG_I), [transferUpdate(I, R, 1n), transferUpdate(R, I, 1000n)]));
    expectRefused(effects, 'channels.update_ack', /exactly one/);
  });

  it('an update_ack of another channel', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const effects = d.node(signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1, OTHER_CH)), SIG_I), [transferUpdate(I, R, 1n)]));
    expectRefused(effects, 'channels.update_ack', /channel id/);
  });

  it('an update_ack without the peer signature (§3.3: the acknowledger co-signs)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const effects = d.node(signRequest('update_ack', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]));
    expectRefused(effects, 'channels.update_ack', /signatures/);
  });

  it('a replayed update_ack after the channel moved on (round no longer last + 1)', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const ack = signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I), [transferUpdate(I, R, 1n)]);
    expectSigned(d.node(ack));
    d.sign(SIG_R);
    d.node(channelUpdate(signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I, SIG_R)));
    expect(d.state.round).toBe(2n);
    expectRefused(d.node(ack), 'channels.update_ack', /round is 2, expected 3/);
  });

  it('a replayed own sign.update after a conflict voided the command', () => {
    const d = openChannel('initiator');
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const request = signRequest('update', unsigned(offChainTx(2n, AFTER_1)), [transferUpdate(I, R, 1n)]);
    expectSigned(d.node(request));
    d.sign(SIG_I);
    d.node(conflict(1n));
    expectRefused(d.node(request), 'channels.update', /no pending transfer or contract command/);
  });

  it('a sign request arriving while a persist is outstanding is verified against the persisted state', () => {
    const d = openChannel('responder');
    d.autoPersist = false;
    d.node(info('update'));
    const ack = signRequest('update_ack', signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I), [transferUpdate(I, R, 1n)]);
    d.node(ack);
    d.sign(SIG_R);
    const persist = d.node(channelUpdate(signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I, SIG_R))).find((e) => e.type === 'persist');
    expect(persist).toBeDefined();
    // The same round-2 request again, during the persist: deferred, then refused (round is now 2).
    expect(d.node(ack)).toEqual([]);
    const effects = d.feed({ type: 'persisted', persistId: (persist as { persistId: number }).persistId });
    expectRefused(effects, 'channels.update_ack', /round is 2, expected 3/);
  });
});

describe('deposit and withdraw', () => {
  const after = { ...INITIAL, [I]: INITIAL[I]! + 5n };
  const deposit = (extra: Partial<Record<string, unknown>> = {}): Tx => withRuleFee(depositTx(I, 5n, 2n, after, extra));

  it('a different amount than requested', () => {
    const bigger = { ...INITIAL, [I]: INITIAL[I]! + 50n };
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n }, 'deposit_tx', withRuleFee(depositTx(I, 50n, 2n, bigger)), [depositUpdate(I, 50n)]);
    expectRefused(effects, 'channels.deposit_tx', /amount is 50, expected 5/);
  });

  it('a deposit from the peer account presented as ours', () => {
    const peerAfter = { ...INITIAL, [R]: INITIAL[R]! + 5n };
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n }, 'deposit_tx', withRuleFee(depositTx(R, 5n, 2n, peerAfter)), [depositUpdate(R, 5n)]);
    expectRefused(effects, 'channels.deposit_tx', /depositor/);
  });

  it('a fee above maxFee', () => {
    // maxFee admits the create fee; the user asks for a deposit fee above it.
    const d = openChannel('initiator', { maxFee: 17640000000000n });
    const fee = 17700000000000n;
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n, fee }, 'deposit_tx', { ...deposit(), fee } as Tx, [depositUpdate(I, 5n)], d);
    expectRefused(effects, 'channels.deposit_tx', /exceeds maxFee/);
  });

  it('no fee requested and no maxFee: a fee above the node rule (§5.3 fix-point at 1e9)', () => {
    const tx = deposit();
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n }, 'deposit_tx', { ...tx, fee: (tx as TxWithFee).fee * 100n } as Tx, [depositUpdate(I, 5n)]);
    expectRefused(effects, 'channels.deposit_tx', /fee is .*, expected/);
  });

  it('fee and gas price requested: a fee above the larger of the two rules (§5.3)', () => {
    const tx = deposit();
    const command: Command = { kind: 'deposit', amount: 5n, fee: (tx as TxWithFee).fee, gasPrice: 1_000_000_000n };
    const { effects } = ownRequest(command, 'deposit_tx', { ...tx, fee: (tx as TxWithFee).fee * 100n } as Tx, [depositUpdate(I, 5n)]);
    expectRefused(effects, 'channels.deposit_tx', /fee is .*, expected/);
  });

  it('the node-rule fee is signed (control)', () => {
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n }, 'deposit_tx', deposit(), [depositUpdate(I, 5n)]);
    expectSigned(effects);
  });

  it('a nonce other than the requested one', () => {
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n, nonce: 7n }, 'deposit_tx', deposit({ nonce: 8n }), [depositUpdate(I, 5n)]);
    expectRefused(effects, 'channels.deposit_tx', /nonce is 8, expected 7/);
  });

  it('a ttl other than the open-time ttl (§5.6: default 0)', () => {
    const { effects } = ownRequest({ kind: 'deposit', amount: 5n }, 'deposit_tx', deposit({ ttl: 5n }), [depositUpdate(I, 5n)]);
    expectRefused(effects, 'channels.deposit_tx', /ttl is 5, expected 0/);
  });

  it('a withdrawal with a different amount', () => {
    const less = { ...INITIAL, [I]: INITIAL[I]! - 50n };
    const { effects } = ownRequest({ kind: 'withdraw', amount: 5n }, 'withdraw_tx', withRuleFee(withdrawTx(I, 50n, 2n, less)), [withdrawUpdate(I, 50n)]);
    expectRefused(effects, 'channels.withdraw_tx', /amount is 50, expected 5/);
  });

  it('a withdrawal with a fee above the node rule', () => {
    const less = { ...INITIAL, [I]: INITIAL[I]! - 5n };
    const tx = withRuleFee(withdrawTx(I, 5n, 2n, less));
    const { effects } = ownRequest({ kind: 'withdraw', amount: 5n }, 'withdraw_tx', { ...tx, fee: (tx as TxWithFee).fee + 1n } as Tx, [withdrawUpdate(I, 5n)]);
    expectRefused(effects, 'channels.withdraw_tx', /fee is .*, expected/);
  });

  it('a peer deposit_ack crediting the peer more than its tx amount', () => {
    const d = openChannel('responder');
    d.node(info('deposit_created'));
    const peerAfter = { ...INITIAL, [I]: INITIAL[I]! + 500n };
    const effects = d.node(signRequest('deposit_ack', signedBy(unsigned(depositTx(I, 5n, 2n, peerAfter)), SIG_I), [depositUpdate(I, 500n)]));
    expectRefused(effects, 'channels.deposit_ack', /updates differ/);
  });
});

describe('mutual close', () => {
  it('from_id is the peer although we started the shutdown', () => {
    const { effects } = ownRequest({ kind: 'shutdown' }, 'shutdown_sign', withRuleFee(closeMutualTx(R, INITIAL)), []);
    expectRefused(effects, 'channels.shutdown_sign', /closer is ak_cU4J/);
  });

  it('finals computed from older balances (not the latest state)', () => {
    const d = openChannel('initiator');
    afterTransfer(d, I, R, 1000n);
    const { effects } = ownRequest({ kind: 'shutdown' }, 'shutdown_sign', withRuleFee(closeMutualTx(I, INITIAL)), [], d);
    expectRefused(effects, 'channels.shutdown_sign', /final amount/);
  });

  it('a fee above the node rule when no fee was requested (the fee comes out of the channel)', () => {
    const fee = ruleFee(closeMutualTx(I, INITIAL)) * 5n;
    const { effects } = ownRequest({ kind: 'shutdown' }, 'shutdown_sign', closeMutualTx(I, INITIAL, fee), []);
    expectRefused(effects, 'channels.shutdown_sign', /fee is .*, expected/);
  });

  it('the node-rule fee (computed on the draft with the full balances, §5.5) is signed (control)', () => {
    const draft = { ...closeMutualTx(I, INITIAL, 0n), initiatorAmountFinal: INITIAL[I]!, responderAmountFinal: INITIAL[R]! } as Tx;
    const { effects } = ownRequest({ kind: 'shutdown' }, 'shutdown_sign', closeMutualTx(I, INITIAL, ruleFee(draft)), []);
    expectSigned(effects);
  });

  it('a ttl other than the open-time ttl', () => {
    const d = openChannel('initiator', { ttl: 1000n });
    const { effects } = ownRequest({ kind: 'shutdown' }, 'shutdown_sign', withRuleFee(closeMutualTx(I, INITIAL, 16900000000000n, { ttl: 0n })), [], d);
    expectRefused(effects, 'channels.shutdown_sign', /ttl is 0, expected 1000/);
  });
});

describe('solo txs: settle, close solo, slash, snapshot, force progress', () => {
  function closing(): { d: Driver; latest: Encoded<'tx'> } {
    const d = openChannel('initiator');
    const latest = afterTransfer(d, I, R, 1n);
    d.node(onChain('solo_closing'));
    d.node(info('closing'));
    return { d, latest };
  }
  const onChain = (name: string): JsonValue => ({ jsonrpc: '2.0', method: 'channels.on_chain_tx', params: { channel_id: null, data: { info: name, tx: null, type: 'channel_close_solo_tx' } } });

  it('settle with amounts of an older state', () => {
    const { d } = closing();
    const { effects } = ownRequest({ kind: 'settle' }, 'settle_sign', withRuleFee(settleTx(I, INITIAL)), [], d);
    expectRefused(effects, 'channels.settle_sign', /final amount/);
  });

  it('close solo whose payload is an older co-signed state', () => {
    const d = openChannel('initiator');
    const older = afterTransfer(d, I, R, 1n);
    afterTransfer(d, I, R, 1n);
    const { effects } = ownRequest({ kind: 'closeSolo' }, 'close_solo_sign', withRuleFee(soloTx(54, I, older, move(INITIAL, I, R, 1n))), [], d);
    expectRefused(effects, 'channels.close_solo_sign', /payload is not the latest|poi/);
  });

  it('close solo whose poi proves other balances', () => {
    const d = openChannel('initiator');
    const latest = afterTransfer(d, I, R, 1n);
    const { effects } = ownRequest({ kind: 'closeSolo' }, 'close_solo_sign', withRuleFee(soloTx(54, I, latest, INITIAL)), [], d);
    expectRefused(effects, 'channels.close_solo_sign', /poi state hash/);
  });

  it('slash with an empty payload (slash always carries the latest state, §2.8)', () => {
    const { d } = closing();
    const { effects } = ownRequest({ kind: 'slash' }, 'slash_tx', withRuleFee(soloTx(55, I, null, AFTER_1)), [], d);
    expectRefused(effects, 'channels.slash_sign', /empty payload/);
  });

  it('snapshot of an older state', () => {
    const d = openChannel('initiator');
    const older = afterTransfer(d, I, R, 1n);
    afterTransfer(d, I, R, 1n);
    const { effects } = ownRequest({ kind: 'snapshotSolo' }, 'snapshot_solo_tx', withRuleFee(snapshotTx(I, older)), [], d);
    expectRefused(effects, 'channels.snapshot_solo_sign', /payload is not the latest/);
  });

  it('close solo with a fee above the node rule', () => {
    const d = openChannel('initiator');
    const latest = afterTransfer(d, I, R, 1n);
    const tx = withRuleFee(soloTx(54, I, latest, AFTER_1));
    const { effects } = ownRequest({ kind: 'closeSolo' }, 'close_solo_sign', { ...tx, fee: (tx as TxWithFee).fee * 10n } as Tx, [], d);
    expectRefused(effects, 'channels.close_solo_sign', /fee is .*, expected/);
  });

  it('force progress with a gas price above the requested one (the poster pays gas × gas price)', () => {
    const { d, contract } = withCounter('initiator');
    const command: Command = { kind: 'forceProgress', contractId: contract, abiVersion: 3n, amount: 0n, callData: ADD_3, gasPrice: 1000000000n };
    const honestFee = (forceProgressOn(d.state, I, contract, ADD_3) as TxWithFee).fee;
    const tx = forceProgressOn(d.state, I, contract, ADD_3, { fee: honestFee, gasPrice: 1000000000n * 1000n });
    const { effects } = ownRequest(command, 'force_progress_tx', tx, [], d);
    expectRefused(effects, 'channels.force_progress_sign', /gas price/);
    // control: the requested gas price is signed
    const fresh = withCounter('initiator').d;
    const ok = ownRequest(command, 'force_progress_tx', forceProgressOn(fresh.state, I, contract, ADD_3), [], fresh);
    expectSigned(ok.effects);
    expect(feeGas(tx)).toBeGreaterThan(0n);
  });
});

describe('create tx', () => {
  function createRequest(role: 'initiator' | 'responder', tx: Tx): Effect[] {
    const d = connected(role);
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    return d.node(signRequest(`${role}_sign`, role === 'initiator' ? unsigned(tx) : signedBy(unsigned(tx), SIG_I)));
  }

  it('a v2 create naming a delegate', () => {
    const { delegateIds: _, ...v1 } = createTx() as Extract<Tx, { tag: 50; version: 1 }>;
    const v2 = { ...v1, version: 2, initiatorDelegateIds: [], responderDelegateIds: [R] } as unknown as Tx;
    for (const role of ['initiator', 'responder'] as const) expectRefused(createRequest(role, v2), null, /delegates/);
  });

  it('a create tx with a ttl (§5.6: the create tx always has ttl 0)', () => {
    for (const role of ['initiator', 'responder'] as const) expectRefused(createRequest(role, createTx({ ttl: 3n })), null, /ttl is 3, expected 0/);
  });

  it('initiator: a create fee above the node rule', () => {
    expectRefused(createRequest('initiator', createTx({ fee: ruleFee(createTx()) * 10n })), null, /fee is .*, expected/);
  });

  it('responder: the create tx without the initiator signature', () => {
    const d = connected('responder');
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    expectRefused(d.node(signRequest('responder_sign', unsigned(createTx()))), null, /signatures/);
  });

  it('the untampered create is signed by both (control)', () => {
    expectSigned(createRequest('initiator', createTx()));
    expectSigned(createRequest('responder', createTx()));
  });
});

describe('co-signed state reported by the node (channels.update)', () => {
  it('a "co-signed" state carrying only our own signature is not adopted', () => {
    const d = openChannel('initiator');
    d.command({ kind: 'transfer', from: I, to: R, amount: 1n });
    const tx = unsigned(offChainTx(2n, AFTER_1));
    d.node(signRequest('update', tx, [transferUpdate(I, R, 1n)]));
    d.sign(SIG_I);
    const effects = d.node(channelUpdate(signedBy(tx, SIG_I)));
    expect(d.state.round).toBe(1n);
    expect(effects.some((e) => e.type === 'persist')).toBe(false);
    expect(securityEvents(effects)).toHaveLength(1);
    expect(settles(effects)).toEqual([]);
  });

  it('a co-signed state lacking our signature (another second signature) is not adopted', () => {
    const d = openChannel('responder');
    d.node(info('update'));
    const tx = signedBy(unsigned(offChainTx(2n, AFTER_1)), SIG_I);
    d.node(signRequest('update_ack', tx, [transferUpdate(I, R, 1n)]));
    d.sign(SIG_R);
    const effects = d.node(channelUpdate(signedBy(tx, new Uint8Array(64).fill(9))));
    expect(d.state.round).toBe(1n);
    expect(securityEvents(effects)).toHaveLength(1);
  });

  it('an older co-signed state is not adopted and is reported as a security event (issue 11)', () => {
    const d = openChannel('initiator');
    const round2 = afterTransfer(d);
    afterTransfer(d);
    expect(d.state.round).toBe(3n);
    const effects = d.node(channelUpdate(round2));
    expect(d.state.round).toBe(3n);
    expect(effects.some((e) => e.type === 'persist')).toBe(false);
    expect(securityEvents(effects)).toEqual([expect.objectContaining({ tag: null, details: { round: 2n, knownRound: 3n } })]);
  });

  it('the latest state reported again is no news (no event)', () => {
    const d = openChannel('initiator');
    const round2 = afterTransfer(d);
    expect(events(d.node(channelUpdate(round2)))).toEqual([]);
  });

  it('the state with both signatures is adopted (control)', () => {
    const d = openChannel('initiator');
    afterTransfer(d);
    expect(d.state.round).toBe(2n);
    expect(decodeSignedTx(d.state.latestState!).signatures).toHaveLength(2);
    expect(decodeSignedTx(d.state.latestState!).tx).toMatchObject({ tag: Tag.ChannelOffChainTx, stateHash: computeStateHash(AFTER_1) });
  });
});
