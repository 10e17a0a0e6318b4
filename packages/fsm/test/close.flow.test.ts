import { deserializeObject, fixFee, serializeObject, type Encoded, type Tx, type TxWithFee } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { ADD_3, forceProgressOn, withCounter } from './contracts.js';
import {
  afterTransfer,
  closeMutualTx,
  CREATE,
  errorReply,
  events,
  I,
  info,
  INITIAL,
  onChainTx,
  openChannel,
  R,
  result,
  securityEvents,
  sends,
  settles,
  settleTx,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  snapshotTx,
  soloTx,
  unsigned,
} from './helpers.js';

describe('mutual close (§9.10)', () => {
  it('starter: shutdown -> shutdown_sign -> close_mutual settles -> closing -> closed_confirmed -> died', () => {
    const d = openChannel('responder');
    const { commandId, effects } = d.command({ kind: 'shutdown' });
    expect(sends(effects)).toEqual([{ method: 'channels.shutdown', params: {} }]);
    const tx = unsigned(closeMutualTx(R, INITIAL, undefined, { nonce: 1n })); // seed 004: the responder's nonce 0 -> 1
    const [sign] = signs(d.node(signRequest('shutdown_sign', tx)));
    expect(sign!.reason).toMatch(/close mutual: initiator gets \d+, responder gets \d+, fee 16900000000000/);
    expect(sends(d.sign(SIG_R))).toEqual([{ method: 'channels.shutdown_sign', params: { signed_tx: signedBy(tx, SIG_R) } }]);
    const coSigned = signedBy(tx, SIG_I, SIG_R);
    const closing = d.node(onChainTx('close_mutual', coSigned, 'channel_close_mutual_tx'));
    expect(settles(closing)).toEqual([{ type: 'settle', commandId, ok: true, result: { tx: coSigned } }]);
    expect(events(d.node(info('closing')))).toContainEqual({ type: 'statusChanged', status: 'closing' });
    expect(d.state.closingBy).toBe('mutual');
    // No second shutdown while a mutual close is under way; no transfer either.
    expect(settles(d.command({ kind: 'shutdown' }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
    expect(settles(d.command({ kind: 'transfer', from: I, to: R, amount: 1n }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
    d.node(onChainTx('channel_closed', coSigned, 'channel_close_mutual_tx'));
    expect(events(d.node(info('closed_confirmed')))).toEqual([
      { type: 'info', event: 'closed_confirmed', data: { event: 'closed_confirmed' } },
      { type: 'statusChanged', status: 'closed' },
      { type: 'closed' },
    ]);
    expect(events(d.node(info('died')))).toContainEqual({ type: 'died' });
    expect(d.state.status).toBe('died');
  });

  it('acknowledger: shutdown -> shutdown_sign_ack verified against the fee split', () => {
    const d = openChannel('initiator');
    d.node(info('shutdown'));
    const tx = signedBy(unsigned(closeMutualTx(R, INITIAL)), SIG_R);
    expect(signs(d.node(signRequest('shutdown_sign_ack', tx)))).toHaveLength(1);
    expect(sends(d.sign(SIG_I))[0]!.method).toBe('channels.shutdown_sign_ack');
    d.node(onChainTx('close_mutual', signedBy(tx, SIG_I), 'channel_close_mutual_tx'));
    expect(d.state.ack).toBeNull();
    d.node(info('closing'));
    expect(d.state.phase).toBe('closing');
  });

  it('the close fee above maxFee is refused', () => {
    // (the responder does not pay the create fee, so maxFee binds only the close here)
    const d = openChannel('responder', { maxFee: 10n });
    d.node(info('shutdown'));
    const effects = d.node(signRequest('shutdown_sign_ack', signedBy(unsigned(closeMutualTx(I, INITIAL)), SIG_I)));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toContain('maxFee');
    expect(sends(effects)).toEqual([{ method: 'channels.shutdown_sign_ack', params: { error: 1n } }]);
  });
});

describe('solo close, slash, settle (§9.11)', () => {
  it('close solo with an empty payload (latest state on chain) and the PoI of the latest balances', () => {
    const d = openChannel('initiator');
    const { commandId, effects } = d.command({ kind: 'closeSolo', fee: 23360000000000n });
    expect(sends(effects)).toEqual([{ method: 'channels.close_solo', params: { fee: 23360000000000n } }]);
    const tx = unsigned(soloTx(54, I, null, INITIAL, { fee: 23360000000000n }));
    expect(signs(d.node(signRequest('close_solo_sign', tx)))).toHaveLength(1);
    d.sign(SIG_I);
    const done = d.node(result(d.lastSendId(), 'ok'));
    expect(settles(done)).toEqual([{ type: 'settle', commandId, ok: true, result: { tx: signedBy(tx, SIG_I) } }]);
    d.node(onChainTx('solo_closing', signedBy(tx, SIG_I), 'channel_close_solo_tx'));
    d.node(info('closing'));
    expect(d.state).toMatchObject({ phase: 'closing', closingBy: 'solo', status: 'closing' });
  });

  it('close solo after an off-chain update carries the latest co-signed off-chain tx', () => {
    const d = openChannel('initiator');
    const latest = afterTransfer(d);
    d.command({ kind: 'closeSolo' });
    const balances = d.state.balances;
    expect(signs(d.node(signRequest('close_solo_sign', unsigned(soloTx(54, I, null, balances)))))).toEqual([]);
    d.node(info('aborted_update'));
    d.command({ kind: 'closeSolo' });
    expect(signs(d.node(signRequest('close_solo_sign', unsigned(soloTx(54, I, latest, balances)))))).toHaveLength(1);
  });

  it('settle is only allowed while solo closing', () => {
    const d = openChannel('responder');
    expect(settles(d.command({ kind: 'settle' }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
  });

  it('slash asked while open goes to the node: the can_slash notice may reach the socket after the user asks (issue 14)', () => {
    const d = openChannel('responder');
    const latest = afterTransfer(d, I, R, 1n);
    const slash = d.command({ kind: 'slash' });
    expect(settles(slash.effects)).toEqual([]);
    expect(sends(slash.effects)).toEqual([{ method: 'channels.slash', params: {} }]);
    // the node's FSM is already closing; its reports reach this socket after the request
    d.node(onChainTx('can_slash', latest, 'channel_offchain_tx'));
    d.node(info('closing'));
    expect(d.state.phase).toBe('closing');
    const tx = unsigned(soloTx(55, R, latest, d.state.balances));
    expect(signs(d.node(signRequest('slash_tx', tx)))).toHaveLength(1);
    expect(sends(d.sign(SIG_R))).toEqual([{ method: 'channels.slash_sign', params: { signed_tx: signedBy(tx, SIG_R) } }]);
    d.node(result(d.lastSendId(), 'ok'));
    expect(settles(d.effects).filter((s) => s.commandId === slash.commandId)[0]).toMatchObject({ ok: true });
  });

  it('slash asked while open, when the node has nothing to slash: the node\'s error settles it', () => {
    const d = openChannel('responder');
    const slash = d.command({ kind: 'slash' });
    expect(sends(slash.effects)).toEqual([{ method: 'channels.slash', params: {} }]);
    const effects = d.node(errorReply(d.lastSendId(), -32603n, null, { method: 'channels.slash' }));
    expect(settles(effects)).toMatchObject([{ commandId: slash.commandId, ok: false, error: { code: 'FSM_NODE_ERROR' } }]);
    expect(d.state.phase).toBe('open');
    expect(d.state.own).toBeNull();
  });

  it('can_slash -> slash with the latest state; then settle with the latest balances', () => {
    const d = openChannel('responder');
    const latest = afterTransfer(d, I, R, 1n);
    d.node(onChainTx('can_slash', latest, 'channel_offchain_tx'));
    d.node(info('closing'));
    const slash = d.command({ kind: 'slash' });
    expect(sends(slash.effects)).toEqual([{ method: 'channels.slash', params: {} }]);
    const tx = unsigned(soloTx(55, R, latest, d.state.balances));
    expect(signs(d.node(signRequest('slash_tx', tx)))).toHaveLength(1);
    expect(sends(d.sign(SIG_R))).toEqual([{ method: 'channels.slash_sign', params: { signed_tx: signedBy(tx, SIG_R) } }]);
    d.node(result(d.lastSendId(), 'ok'));
    expect(settles(d.effects).filter((s) => s.commandId === slash.commandId)[0]).toMatchObject({ ok: true });
    const settle = d.command({ kind: 'settle' });
    const stx = unsigned(settleTx(R, d.state.balances));
    expect(signs(d.node(signRequest('settle_sign', stx)))).toHaveLength(1);
    expect(sends(d.sign(SIG_R))[0]!.method).toBe('channels.settle_sign');
    d.node(result(d.lastSendId(), 'ok'));
    expect(settles(d.effects).filter((s) => s.commandId === settle.commandId)[0]).toMatchObject({ ok: true });
  });

  it('settle with other final amounts is refused', () => {
    const d = openChannel('responder');
    d.node(onChainTx('solo_closing', CREATE, 'channel_close_solo_tx'));
    d.node(info('closing'));
    d.command({ kind: 'settle' });
    const effects = d.node(signRequest('settle_sign', unsigned(settleTx(R, { [I]: INITIAL[I]! - 5n, [R]: INITIAL[R]! + 5n }))));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toContain('initiator final amount');
  });

  it('a PoI proving other balances is refused', () => {
    const d = openChannel('initiator');
    d.command({ kind: 'closeSolo' });
    const effects = d.node(signRequest('close_solo_sign', unsigned(soloTx(54, I, null, { [I]: 1n, [R]: 2n }))));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toContain('poi state hash');
  });
});

describe('snapshot (§9.12)', () => {
  it('is refused while the latest state is on chain (node 1012/1013), accepted after an update', () => {
    const d = openChannel('initiator');
    expect(settles(d.command({ kind: 'snapshotSolo' }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
    const latest = afterTransfer(d);
    const { commandId, effects } = d.command({ kind: 'snapshotSolo' });
    expect(sends(effects)).toEqual([{ method: 'channels.snapshot_solo', params: {} }]);
    const tx = unsigned(snapshotTx(I, latest));
    expect(signs(d.node(signRequest('snapshot_solo_tx', tx)))).toHaveLength(1);
    expect(sends(d.sign(SIG_I))).toEqual([{ method: 'channels.snapshot_solo_sign', params: { signed_tx: signedBy(tx, SIG_I) } }]);
    expect(settles(d.node(result(d.lastSendId(), 'ok')))).toEqual([{ type: 'settle', commandId, ok: true, result: { tx: signedBy(tx, SIG_I) } }]);
  });

  it('a snapshot of another state is refused', () => {
    const d = openChannel('initiator');
    afterTransfer(d);
    d.command({ kind: 'snapshotSolo' });
    const effects = d.node(signRequest('snapshot_solo_tx', unsigned(snapshotTx(I, CREATE))));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toBe('payload is not the latest co-signed state');
  });
});

describe('force progress (§9.13)', () => {
  const command = (contractId: Encoded<'ct'>) => ({ kind: 'forceProgress', contractId, abiVersion: 3n, amount: 0n, callData: ADD_3, gasPrice: 1000000000n }) as const;
  it('checks the call update, round, payload and the trees before the call', () => {
    const { d, contract } = withCounter('initiator');
    const { commandId, effects } = d.command(command(contract));
    expect(sends(effects)).toEqual([
      { method: 'channels.force_progress', params: { contract_id: contract, abi_version: 3n, amount: 0n, call_data: ADD_3, gas_price: 1000000000n } },
    ]);
    const tx = unsigned(forceProgressOn(d.state, I, contract, ADD_3));
    const [sign] = signs(d.node(signRequest('force_progress_tx', tx, [{ op: 'OffChainCallContract' }])));
    expect(sign!.reason).toContain('force progress');
    expect(sends(d.sign(SIG_I))[0]!.method).toBe('channels.force_progress_sign');
    expect(settles(d.node(result(d.lastSendId(), 'ok')))).toMatchObject([{ commandId, ok: true }]);
  });

  it.each([
    ['another contract call data', (t: Tx) => ({ ...t, update: serializeObject({ ...deserializeObject((t as { update: Uint8Array }).update), callData: new Uint8Array([1, 2, 3]) } as Tx) }), 'call data'],
    ['a wrong round', (t: Tx) => ({ ...t, round: 5n }), 'round'],
    ['trees of another state', (t: Tx) => ({ ...t, offChainTrees: new Uint8Array(0) }), 'invalid content'],
  ])('refuses %s', (_, patch, reason) => {
    const { d, contract } = withCounter('initiator');
    d.command(command(contract));
    // (the fee follows the patched size, so only the patched field is wrong)
    const tx = fixFee(patch(forceProgressOn(d.state, I, contract, ADD_3)) as TxWithFee, { gasPrice: 1000000000n });
    const effects = d.node(signRequest('force_progress_tx', unsigned(tx)));
    expect(signs(effects)).toEqual([]);
    expect(securityEvents(effects)[0]!.reason).toContain(reason);
  });
});

describe('assume_minimum_depth (§7.3)', () => {
  it('sends the tx hash and settles on ok', () => {
    const d = openChannel('initiator');
    const { commandId, effects } = d.command({ kind: 'assumeMinimumDepth', txHash: 'th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur' });
    expect(sends(effects)).toEqual([{ method: 'channels.assume_minimum_depth', params: { tx_hash: 'th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur' } }]);
    expect(settles(d.node(result(d.lastSendId(), 'ok')))).toEqual([{ type: 'settle', commandId, ok: true, result: null }]);
    expect(events(d.node(info('minimum_depth_achieved', { tx_hash: 'th_x', notice: 'already_assumed' })))[0]).toMatchObject({ type: 'info', event: 'minimum_depth_achieved' });
  });
});

describe('on-chain round tracking (§2.8)', () => {
  it('a snapshot on chain makes its round on-chain: a later close solo may use an empty payload', () => {
    const d = openChannel('initiator');
    const latest = afterTransfer(d);
    expect(d.state.onChainRound).toBe(1n);
    const snapshot = signedBy(unsigned(snapshotTx(I, latest)), SIG_I);
    d.node(onChainTx('channel_changed', snapshot, 'channel_snapshot_solo_tx'));
    expect(d.state.onChainRound).toBe(2n);
    expect(settles(d.command({ kind: 'snapshotSolo' }).effects)[0]).toMatchObject({ ok: false, error: { code: 'FSM_COMMAND_NOT_ALLOWED' } });
    d.command({ kind: 'closeSolo' });
    expect(signs(d.node(signRequest('close_solo_sign', unsigned(soloTx(54, I, null, d.state.balances)))))).toHaveLength(1);
  });
});
