/**
 * Generalized participants (PROTOCOL.md §2.9, §3.2, §4, §5.6) in the reducer: the channel tx
 * inside GA meta layers is verified as a plain one, the authentication around it is
 * counted by layer or signature as configured, a GA initiator's channel id comes from its
 * auth id, a GA account's own txs carry nonce 0, and this client's own layer must be the one
 * its signer made.
 */
import { addInnerSignatures, authId, computeChannelId, fixFee, unwrapSignedTx, wrapInGaMeta, type Encoded, type GaMetaFields, type JsonValue, type TxWithFee } from '@aechannel/codec';

type JsonObject = { [key: string]: JsonValue };
import { describe, expect, it } from 'vitest';
import {
  channelUpdate,
  connected,
  createTx,
  depositTx,
  FSM_ID,
  I,
  info,
  INITIAL,
  offChainTx,
  openChannel,
  R,
  securityEvents,
  sends,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  signs,
  transferUpdate,
  unsigned,
  withdrawTx,
  type Driver,
} from './helpers.js';

const layer = (gaId: Encoded<'ak'>, authData: Uint8Array = Uint8Array.of(0x2b, 1)): GaMetaFields => ({ version: 2, gaId, authData, abiVersion: 3n, fee: 77_700_000_000_000n, gas: 50_000n, gasPrice: 1_000_000_000n });
const wrap = (tx: Encoded<'tx'>, gaId: Encoded<'ak'>, authData?: Uint8Array): Encoded<'tx'> => wrapInGaMeta(tx, layer(gaId, authData));

/** A basic participant's signature on the channel tx inside any layers (the signer backends do this). */
const cosign = (tx: Encoded<'tx'>, sig: Uint8Array): Encoded<'tx'> => addInnerSignatures(tx, [sig]);

/** Answers the last sign effect with a basic signature inside the layers. */
function answerSigned(d: Driver, sig: Uint8Array): void {
  const s = d.lastSign();
  d.feed({ type: 'signed', requestId: s.requestId, signedTx: cosign(s.tx, sig) });
}

/** Answers the last sign effect by wrapping (a GA client's signer). */
function answerWrapped(d: Driver, gaId: Encoded<'ak'>, authData?: Uint8Array): Encoded<'tx'> {
  const s = d.lastSign();
  const signed = wrap(s.tx, gaId, authData);
  d.feed({ type: 'signed', requestId: s.requestId, signedTx: signed });
  return signed;
}

/** The create of a generalized initiator: nonce 0, the node's fee for it (§5.3). */
const GA_CREATE = unsigned(fixFee(createTx({ nonce: 0n, fee: 0n }) as TxWithFee, {}));

/** A channel with a generalized initiator opened (round 1): the create wrapped by I, co-signed by R. */
function gaOpen(role: 'initiator' | 'responder'): Driver {
  const d = connected(role, { generalizedAccounts: [I] });
  d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
  let create: Encoded<'tx'>;
  if (role === 'initiator') {
    d.node(info('channel_accept', {}, null));
    d.node(signRequest('initiator_sign', GA_CREATE, []));
    create = cosign(answerWrapped(d, I), SIG_R);
  } else {
    d.node(info('channel_open', {}, null));
    d.node(signRequest('responder_sign', wrap(GA_CREATE, I), []));
    answerSigned(d, SIG_R);
    create = cosign(wrap(GA_CREATE, I), SIG_R);
  }
  const channelId = d.state.channelId!;
  const note = (method: string, data: JsonObject): JsonValue => ({ jsonrpc: '2.0', method, params: { channel_id: channelId, data }, version: 1n });
  d.node(note('channels.on_chain_tx', { info: 'channel_changed', tx: create, type: 'channel_create_tx' }));
  for (const event of ['own_funding_locked', 'funding_locked', 'open']) d.node(note('channels.info', { event }));
  d.node(note('channels.update', { state: create }));
  expect(d.state.round).toBe(1n);
  d.effects = [];
  return d;
}

/** A node message of the GA channel (its id is the auth-id one). */
const gaNote = (d: Driver, method: string, data: JsonObject): JsonValue => ({ jsonrpc: '2.0', method, params: { channel_id: d.state.channelId, data }, version: 1n });

describe('a generalized initiator opens (§4, §5.6)', () => {
  it('signs a nonce-0 create by wrapping; the channel id is computed from the auth id of its layer', () => {
    const d = connected('initiator', { generalizedAccounts: [I] });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(info('channel_accept', {}, null));
    d.node(signRequest('initiator_sign', GA_CREATE, []));
    expect(signs(d.effects)).toHaveLength(1);
    expect(d.state.channelId).toBeNull();
    const signed = answerWrapped(d, I, Uint8Array.of(0x2b, 7));
    const expected = computeChannelId(I, authId(I, Uint8Array.of(0x2b, 7)), R);
    expect(d.state.channelId).toBe(expected);
    expect(sends(d.effects).at(-1)).toMatchObject({ method: 'channels.initiator_sign', params: { signed_tx: signed } });
  });

  it('refuses a create with another nonce than 0 for a generalized initiator', () => {
    const d = connected('initiator', { generalizedAccounts: [I] });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(info('channel_accept', {}, null));
    d.node(signRequest('initiator_sign', unsigned(createTx()), []));
    expect(signs(d.effects)).toHaveLength(0);
    expect(securityEvents(d.effects)[0]?.reason).toMatch(/nonce \(a generalized initiator\)/);
  });

  it('the responder co-signs the create inside the initiator\'s layer and learns the channel id from it', () => {
    const d = connected('responder', { generalizedAccounts: [I] });
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(info('channel_open', {}, null));
    const fromInitiator = wrap(GA_CREATE, I, Uint8Array.of(0x2b, 9));
    d.node(signRequest('responder_sign', fromInitiator, []));
    expect(signs(d.effects)).toHaveLength(1);
    expect(d.state.channelId).toBe(computeChannelId(I, authId(I, Uint8Array.of(0x2b, 9)), R));
    answerSigned(d, SIG_R);
    const reply = sends(d.effects).at(-1)!;
    const u = unwrapSignedTx((reply.params as { signed_tx: Encoded<'tx'> }).signed_tx);
    expect(u.layers.map((l) => l.gaId)).toEqual([I]);
    expect(u.signatures).toEqual([SIG_R]);
  });

  it.each([
    ['a signature where the generalized initiator\'s layer is due', { generalizedAccounts: [I] }, () => signedBy(GA_CREATE, SIG_I), /generalized account: it authenticates with a GA meta layer/],
    ['a layer of a basic initiator (§3.2)', {}, () => wrap(unsigned(createTx()), I), /not a generalized account/],
    ['a layer in this client\'s name it did not make', { generalizedAccounts: [R] }, () => wrap(unsigned(createTx()), R), /in this client's name/],
    ['a layer of a stranger', { generalizedAccounts: [I] }, () => wrap(GA_CREATE, 'ak_2TYAjeSxPXcs6y3PBSo8zo947Xb7yPCnpXQZkJxqspcR8JzLu7'), /not a participant/],
  ])('the responder refuses %s', (_name, extra, tx, reason) => {
    const d = connected('responder', extra);
    d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
    d.node(info('channel_open', {}, null));
    d.node(signRequest('responder_sign', tx(), []));
    expect(signs(d.effects)).toHaveLength(0);
    expect(securityEvents(d.effects)[0]?.reason).toMatch(reason);
  });
});

describe('a generalized client in an open channel', () => {
  const gaChannel = (): Driver => gaOpen('initiator');

  it('verifies the off-chain tx inside the peer\'s or its own layer and adopts the co-signed state with its own layer', () => {
    const d = gaChannel();
    d.command({ kind: 'transfer', from: I, to: R, amount: 5n });
    const next = { ...INITIAL, [I]: INITIAL[I]! - 5n, [R]: INITIAL[R]! + 5n };
    const tx = unsigned(offChainTx(2n, next, d.state.channelId!));
    d.node(gaNote(d, 'channels.sign.update', { signed_tx: tx, updates: [transferUpdate(I, R, 5n)] }));
    expect(signs(d.effects)).toHaveLength(1);
    const mine = answerWrapped(d, I, Uint8Array.of(0x2b, 3));
    const coSigned = cosign(mine, SIG_R);
    d.node(gaNote(d, 'channels.update', { state: coSigned }));
    expect(d.state.round).toBe(2n);
    expect(d.state.latestState).toBe(coSigned);
    expect(d.state.balances[R]).toBe(next[R]);
  });

  it('refuses a co-signed state whose own layer carries other auth data (tampered), or lacks the peer\'s signature', () => {
    const d = gaChannel();
    d.command({ kind: 'transfer', from: I, to: R, amount: 5n });
    const next = { ...INITIAL, [I]: INITIAL[I]! - 5n, [R]: INITIAL[R]! + 5n };
    d.node(gaNote(d, 'channels.sign.update', { signed_tx: unsigned(offChainTx(2n, next, d.state.channelId!)), updates: [transferUpdate(I, R, 5n)] }));
    const mine = answerWrapped(d, I, Uint8Array.of(0x2b, 3));
    const tampered = cosign(wrap(unsigned(offChainTx(2n, next, d.state.channelId!)), I, Uint8Array.of(0x2b, 4)), SIG_R);
    d.node(gaNote(d, 'channels.update', { state: tampered }));
    expect(d.state.round).toBe(1n);
    expect(securityEvents(d.effects).at(-1)?.reason).toMatch(/lacks the GA meta layer this client made/);
    d.node(gaNote(d, 'channels.update', { state: mine }));
    expect(d.state.round).toBe(1n);
    expect(securityEvents(d.effects).at(-1)?.reason).toMatch(/carries 1 signature/);
    d.node(gaNote(d, 'channels.update', { state: cosign(mine, SIG_R) }));
    expect(d.state.round).toBe(2n);
  });

  it('aborts when its signer signs instead of wrapping, or wraps another tx', () => {
    const next = { ...INITIAL, [I]: INITIAL[I]! - 5n, [R]: INITIAL[R]! + 5n };
    for (const [answer, reason] of [
      [(tx: Encoded<'tx'>) => signedBy(tx, SIG_I), /does not carry this generalized account's GA meta layer outermost/],
      [(_tx: Encoded<'tx'>, ch: Encoded<'ch'>) => wrap(unsigned(offChainTx(3n, next, ch)), I), /wraps another tx/],
    ] as const) {
      const d = gaChannel();
      const tx = unsigned(offChainTx(2n, next, d.state.channelId!));
      d.command({ kind: 'transfer', from: I, to: R, amount: 5n });
      d.node(gaNote(d, 'channels.sign.update', { signed_tx: tx, updates: [transferUpdate(I, R, 5n)] }));
      const s = d.lastSign();
      d.feed({ type: 'signed', requestId: s.requestId, signedTx: answer(tx, d.state.channelId!) });
      expect(securityEvents(d.effects).at(-1)?.reason).toMatch(reason);
      expect(sends(d.effects).at(-1)).toMatchObject({ method: 'channels.update', params: { error: expect.any(BigInt) } });
    }
  });

  it('expects nonce 0 on its own on-chain txs (deposit)', () => {
    const d = gaChannel();
    const next = { ...INITIAL, [I]: INITIAL[I]! + 10n };
    d.command({ kind: 'deposit', amount: 10n });
    d.node(gaNote(d, 'channels.sign.deposit_tx', { signed_tx: unsigned(depositTx(I, 10n, 2n, next, { channelId: d.state.channelId })), updates: [{ op: 'OffChainDeposit', from: I, amount: 10n }] }));
    expect(signs(d.effects)).toHaveLength(0);
    expect(securityEvents(d.effects)[0]?.reason).toMatch(/nonce \(a generalized account\) is 186, expected 0/);
    const e = gaOpen('initiator');
    e.command({ kind: 'deposit', amount: 10n });
    e.node(gaNote(e, 'channels.sign.deposit_tx', { signed_tx: unsigned(depositTx(I, 10n, 2n, next, { nonce: 0n, channelId: e.state.channelId })), updates: [{ op: 'OffChainDeposit', from: I, amount: 10n }] }));
    expect(signs(e.effects)).toHaveLength(1);
  });

  it('a basic client acknowledges a generalized peer\'s withdrawal inside the peer\'s layer; its signer must keep the layer', () => {
    const d = gaOpen('responder');
    const next = { ...INITIAL, [I]: INITIAL[I]! - 10n };
    d.node(gaNote(d, 'channels.info', { event: 'withdraw_created' }));
    const fromPeer = wrap(unsigned(withdrawTx(I, 10n, 2n, next, { nonce: 0n, channelId: d.state.channelId })), I);
    d.node(gaNote(d, 'channels.sign.withdraw_ack', { signed_tx: fromPeer, updates: [{ op: 'OffChainWithdrawal', to: I, amount: 10n }] }));
    expect(signs(d.effects)).toHaveLength(1);
    // a signer that drops the peer's layer (signing the bare tx) is not forwarded
    const s = d.lastSign();
    d.feed({ type: 'signed', requestId: s.requestId, signedTx: signedBy(unsigned(withdrawTx(I, 10n, 2n, next, { nonce: 0n, channelId: d.state.channelId })), SIG_R) });
    expect(securityEvents(d.effects).at(-1)?.reason).toMatch(/changed the GA meta layers/);
    expect(sends(d.effects).at(-1)).toMatchObject({ method: 'channels.withdraw_ack', params: { error: expect.any(BigInt) } });
  });

  it('a basic peer that wraps instead of signing is refused', () => {
    const d = openChannel('initiator', {});
    d.node(info('update'));
    const next = { ...INITIAL, [I]: INITIAL[I]! + 1n, [R]: INITIAL[R]! - 1n };
    d.node(gaNote(d, 'channels.sign.update_ack', { signed_tx: wrap(unsigned(offChainTx(2n, next)), R), updates: [transferUpdate(R, I, 1n)] }));
    expect(signs(d.effects)).toHaveLength(0);
    expect(securityEvents(d.effects)[0]?.reason).toMatch(/not a generalized account/);
  });
});
