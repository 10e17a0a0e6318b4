/**
 * Test helpers: a two-party payment channel with valid txs built by codec, node message
 * builders, and a tiny driver that answers `persist` at once.
 */
import {
  addSignatures,
  buildPoi,
  computeChannelId,
  computeStateHash,
  decode,
  fixFee,
  packStateTrees,
  packTx,
  serializeObject,
  splitCloseMutualFee,
  Tag,
  type Encoded,
  type JsonValue,
  type Tx,
  type TxWithFee,
} from '@aechannel/codec';
import {
  createInitialState,
  step,
  type ChannelOptions,
  type ChannelState,
  type Command,
  type Effect,
  type Input,
  type Role,
} from '../src/index.js';
import { expect } from 'vitest';

export const I = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS' as const;
export const R = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W' as const;
export const OTHER = 'ak_2TYAjeSxPXcs6y3PBSo8zo947Xb7yPCnpXQZkJxqspcR8JzLu7' as const;
export const NONCE = 185n;
/** The initiator's next nonce after the create (what its own on-chain txs carry, §5.6). */
export const OWN_NONCE = NONCE + 1n;
export const CH = computeChannelId(I, NONCE, R);
export const OTHER_CH = computeChannelId(I, NONCE + 1n, R);
export const FSM_ID = 'ba_eSQrbB0Z7MCUR/cK5LHmbFQxF4WhsOFciA0gT1o90V5EkQRy' as Encoded<'ba'>;
export const FSM_ID_2 = 'ba_0vB975RwScDTfiAy3ysqweNjANMlPTyKbGbyugm1b6keX9iA' as Encoded<'ba'>;
export const NETWORK = 'local_iris_testnet';

export type Balances = Record<Encoded<'ak'>, bigint>;

export function options(role: Role, extra: Partial<ChannelOptions> = {}): ChannelOptions {
  return {
    role,
    initiatorId: I,
    responderId: R,
    initiatorAmount: 70000000000000n,
    responderAmount: 40000000000000n,
    pushAmount: 1n,
    channelReserve: 2n,
    lockPeriod: 10n,
    host: 'localhost',
    port: 13179,
    networkId: NETWORK,
    ...extra,
  };
}

export const INITIAL: Balances = { [I]: 69999999999999n, [R]: 40000000000001n };

/** Two fake 64-byte signatures (the fsm does not verify signatures). */
export const SIG_I = new Uint8Array(64).fill(1);
export const SIG_R = new Uint8Array(64).fill(2);

export const unsigned = (inner: Tx): Encoded<'tx'> => packTx({ tag: Tag.SignedTx, version: 1, signatures: [], encodedTx: inner } as Tx);
export const signedBy = (tx: Encoded<'tx'>, ...sigs: Uint8Array[]): Encoded<'tx'> => addSignatures(tx, sigs);

export function createTx(overrides: Partial<Record<string, unknown>> = {}, balances: Balances = INITIAL): Tx {
  return {
    tag: Tag.ChannelCreateTx,
    version: 1,
    initiatorId: I,
    initiatorAmount: 70000000000000n,
    responderId: R,
    responderAmount: 40000000000000n,
    channelReserve: 2n,
    lockPeriod: 10n,
    ttl: 0n,
    fee: 17640000000000n,
    delegateIds: [],
    stateHash: computeStateHash(balances),
    nonce: NONCE,
    ...overrides,
  } as Tx;
}

export function offChainTx(round: bigint, balances: Balances, channelId: Encoded<'ch'> = CH): Tx {
  return { tag: Tag.ChannelOffChainTx, version: 2, channelId, round, stateHash: computeStateHash(balances) } as Tx;
}

/** `tx` with the fee the node's default rule gives it (§5.3), unless `extra` sets one. */
function ruleFee(tx: Tx, extra: Partial<Record<string, unknown>>): Tx {
  return 'fee' in extra ? tx : fixFee(tx as TxWithFee, {});
}

export function depositTx(from: Encoded<'ak'>, amount: bigint, round: bigint, balances: Balances, extra: Partial<Record<string, unknown>> = {}): Tx {
  return ruleFee({ tag: Tag.ChannelDepositTx, version: 1, channelId: CH, fromId: from, amount, ttl: 0n, fee: 0n, stateHash: computeStateHash(balances), round, nonce: OWN_NONCE, ...extra } as Tx, extra);
}

export function withdrawTx(to: Encoded<'ak'>, amount: bigint, round: bigint, balances: Balances, extra: Partial<Record<string, unknown>> = {}): Tx {
  return ruleFee({ tag: Tag.ChannelWithdrawTx, version: 1, channelId: CH, toId: to, amount, ttl: 0n, fee: 0n, stateHash: computeStateHash(balances), round, nonce: OWN_NONCE, ...extra } as Tx, extra);
}

/** A close mutual; without `fee`, the node's default fee computed on the draft with the full balances (§5.5). */
export function closeMutualTx(from: Encoded<'ak'>, balances: Balances, fee?: bigint, extra: Partial<Record<string, unknown>> = {}): Tx {
  if (fee === undefined) {
    const draft = { tag: Tag.ChannelCloseMutualTx, version: 1, channelId: CH, fromId: from, initiatorAmountFinal: balances[I]!, responderAmountFinal: balances[R]!, ttl: 0n, fee: 0n, nonce: OWN_NONCE, ...extra } as TxWithFee;
    return closeMutualTx(from, balances, fixFee(draft, {}).fee, extra);
  }
  const split = splitCloseMutualFee(balances[I]!, balances[R]!, fee);
  return { tag: Tag.ChannelCloseMutualTx, version: 1, channelId: CH, fromId: from, ...split, ttl: 0n, fee, nonce: OWN_NONCE, ...extra } as Tx;
}

export function settleTx(from: Encoded<'ak'>, balances: Balances, extra: Partial<Record<string, unknown>> = {}): Tx {
  return ruleFee({
    tag: Tag.ChannelSettleTx,
    version: 1,
    channelId: CH,
    fromId: from,
    initiatorAmountFinal: balances[I]!,
    responderAmountFinal: balances[R]!,
    ttl: 0n,
    fee: 0n,
    nonce: OWN_NONCE,
    ...extra,
  } as Tx, extra);
}

export function soloTx(tag: 54 | 55, from: Encoded<'ak'>, payload: Encoded<'tx'> | null, balances: Balances, extra: Partial<Record<string, unknown>> = {}): Tx {
  return ruleFee({
    tag,
    version: 1,
    channelId: CH,
    fromId: from,
    payload: payload === null ? new Uint8Array(0) : decode(payload, 'tx'),
    poi: decode(buildPoi(balances, [I, R]), 'pi'),
    ttl: 0n,
    fee: 0n,
    nonce: OWN_NONCE,
    ...extra,
  } as Tx, extra);
}

export function snapshotTx(from: Encoded<'ak'>, payload: Encoded<'tx'>, extra: Partial<Record<string, unknown>> = {}): Tx {
  return ruleFee({ tag: Tag.ChannelSnapshotSoloTx, version: 1, channelId: CH, fromId: from, payload: decode(payload, 'tx'), ttl: 0n, fee: 0n, nonce: OWN_NONCE, ...extra } as Tx, extra);
}

export const CONTRACT = 'ct_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS' as const;
export const CALL_DATA = 'cb_KxFE1kQfP4oEp9E=' as Encoded<'cb'>;

export function forceProgressTx(from: Encoded<'ak'>, round: bigint, payload: Encoded<'tx'> | null, balances: Balances, extra: Partial<Record<string, unknown>> = {}, update: Partial<Record<string, unknown>> = {}): Tx {
  const call = {
    tag: Tag.ChannelOffChainUpdateCallContract,
    version: 1,
    caller: from,
    contract: CONTRACT,
    abiVersion: 3n,
    amount: 10n,
    gas: 1000000n,
    gasPrice: 1000000000n,
    callData: decode(CALL_DATA, 'cb'),
    callStack: [],
    ...update,
  } as Tx;
  const tx = {
    tag: Tag.ChannelForceProgressTx,
    version: 1,
    channelId: CH,
    fromId: from,
    payload: payload === null ? new Uint8Array(0) : decode(payload, 'tx'),
    round,
    update: serializeObject(call),
    stateHash: computeStateHash({ ...balances, [from]: balances[from]! - 1n }),
    offChainTrees: decode(packStateTrees({ accounts: balances }), 'ss'),
    ttl: 0n,
    fee: 0n,
    nonce: OWN_NONCE,
    ...extra,
  } as Tx;
  return 'fee' in extra ? tx : fixFee(tx as TxWithFee, { gasPrice: (call as { gasPrice: bigint }).gasPrice });
}

// ---- node messages ----

const note = (method: string, data: JsonValue, channelId: string | null = CH): JsonValue => ({ jsonrpc: '2.0', method, params: { channel_id: channelId, data }, version: 1n });
export const info = (event: string, extra: Record<string, JsonValue> = {}, channelId: string | null = CH): JsonValue => note('channels.info', { event, ...extra }, channelId);
export const signRequest = (tag: string, tx: string, updates: JsonValue[] = [], key = 'signed_tx'): JsonValue => note(`channels.sign.${tag}`, { [key]: tx, updates });
export const channelUpdate = (state: string): JsonValue => note('channels.update', { state });
export const conflict = (round: bigint, code = 2n, msg = 'conflict'): JsonValue => note('channels.conflict', { channel_id: CH, error_code: code, error_msg: msg, round });
export const onChainTx = (infoName: string, tx: string, type: string): JsonValue => note('channels.on_chain_tx', { info: infoName, tx, type });
export const result = (id: bigint, value: JsonValue): JsonValue => ({ jsonrpc: '2.0', version: 1n, id, channel_id: CH, result: value });
export const errorReply = (id: bigint | null, code: bigint, dataCode: bigint | null, request: JsonValue = {}): JsonValue => ({
  jsonrpc: '2.0',
  version: 1n,
  id,
  channel_id: CH,
  error: { code, message: 'Rejected', data: dataCode === null ? [] : [{ code: dataCode, message: 'x' }], request },
});

export const transferUpdate = (from: string, to: string, amount: bigint): JsonValue => ({ op: 'OffChainTransfer', from, to, amount });
export const depositUpdate = (from: string, amount: bigint): JsonValue => ({ op: 'OffChainDeposit', from, amount });
export const withdrawUpdate = (to: string, amount: bigint): JsonValue => ({ op: 'OffChainWithdrawal', to, amount });

// ---- driving ----

/** An input whose `now` the driver fills in. */
export type LooseInput = Input extends infer T ? (T extends Input ? Omit<T, 'now'> & { now?: number } : never) : never;

/** A small driver: feeds inputs, collects effects, optionally answers persist at once. */
export class Driver {
  state: ChannelState;
  effects: Effect[] = [];
  now = 1000;
  commandIds = 0;
  autoPersist: boolean;

  constructor(state: ChannelState, autoPersist = true) {
    this.state = state;
    this.autoPersist = autoPersist;
  }

  /** Feeds one input (and `persisted` for every `persist` if autoPersist); returns the new effects. */
  feed(input: LooseInput): Effect[] {
    const out: Effect[] = [];
    const queue: Input[] = [{ now: (this.now += 1), ...input } as Input];
    while (queue.length > 0) {
      const r = step(this.state, queue.shift()!);
      this.state = r.state;
      out.push(...r.effects);
      if (this.autoPersist) for (const e of r.effects) if (e.type === 'persist') queue.push({ type: 'persisted', now: this.now, persistId: e.persistId });
    }
    this.effects.push(...out);
    return out;
  }

  node(message: JsonValue): Effect[] {
    return this.feed({ type: 'nodeMessage', message });
  }

  command(command: Command): { commandId: number; effects: Effect[] } {
    const commandId = (this.commandIds += 1);
    return { commandId, effects: this.feed({ type: 'command', commandId, command }) };
  }

  /** The last `sign` effect. */
  lastSign(): Extract<Effect, { type: 'sign' }> {
    const sign = [...this.effects].reverse().find((e) => e.type === 'sign');
    if (sign?.type !== 'sign') throw new Error('no sign effect');
    return sign;
  }

  /** Answers the last sign effect with the tx plus a fake signature. */
  sign(sig: Uint8Array): Effect[] {
    const s = this.lastSign();
    return this.feed({ type: 'signed', requestId: s.requestId, signedTx: signedBy(s.tx, sig) });
  }

  /** The id of the last `send` effect. */
  lastSendId(): bigint {
    const send = [...this.effects].reverse().find((e) => e.type === 'send');
    if (send?.type !== 'send') throw new Error('no send');
    return (send.message as { id: bigint }).id;
  }
}

export const sends = (effects: Effect[]): { method: JsonValue; params: JsonValue }[] =>
  effects.flatMap((e) => (e.type === 'send' ? [{ method: (e.message as { method: JsonValue }).method, params: (e.message as { params: JsonValue }).params }] : []));
export const events = (effects: Effect[]): Extract<Effect, { type: 'emit' }>['event'][] => effects.flatMap((e) => (e.type === 'emit' ? [e.event] : []));
export const settles = (effects: Effect[]): Extract<Effect, { type: 'settle' }>[] => effects.flatMap((e) => (e.type === 'settle' ? [e] : []));
export const signs = (effects: Effect[]): Extract<Effect, { type: 'sign' }>[] => effects.flatMap((e) => (e.type === 'sign' ? [e] : []));
export const securityEvents = (effects: Effect[]): Extract<ReturnType<typeof events>[number], { type: 'security' }>[] =>
  events(effects).flatMap((e) => (e.type === 'security' ? [e] : []));

/** The co-signed create tx of the test channel. */
export const CREATE = signedBy(unsigned(createTx()), SIG_I, SIG_R);

/** A driver whose fsm is in a connected session before fsm_up (open mode). */
export function connected(role: Role, extra: Partial<ChannelOptions> = {}): Driver {
  const d = new Driver(createInitialState(options(role, extra), { mode: 'open' }));
  d.feed({ type: 'start' });
  d.feed({ type: 'transportOpened' });
  return d;
}

/** A driver whose fsm has just opened the channel (round 1, co-signed create persisted). */
export function openChannel(role: Role, extra: Partial<ChannelOptions> = {}): Driver {
  const d = connected(role, extra);
  d.node(info('fsm_up', { fsm_id: FSM_ID }, null));
  if (role === 'initiator') {
    d.node(info('channel_accept', {}, null));
    d.node(signRequest('initiator_sign', unsigned(createTx()), []));
    d.sign(SIG_I);
    d.node(info('funding_signed', { fsm_id: FSM_ID }));
  } else {
    d.node(info('channel_open', {}, null));
    d.node(info('funding_created', { fsm_id: FSM_ID }));
    d.node(signRequest('responder_sign', signedBy(unsigned(createTx()), SIG_I), []));
    d.sign(SIG_R);
  }
  d.node(onChainTx('channel_changed', CREATE, 'channel_create_tx'));
  d.node(info('own_funding_locked'));
  d.node(info('funding_locked'));
  d.node(info('open'));
  d.node(channelUpdate(CREATE));
  d.effects = [];
  return d;
}

/** Runs a full own transfer so the latest state is an off-chain tx (round 2). */
export function afterTransfer(d: Driver, from: Encoded<'ak'> = I, to: Encoded<'ak'> = R, amount = 1n): Encoded<'tx'> {
  const before = d.state.balances;
  const next = { ...before, [from]: before[from]! - amount, [to]: before[to]! + amount };
  const round = d.state.round + 1n;
  d.command({ kind: 'transfer', from, to, amount });
  const tx = unsigned(offChainTx(round, next));
  d.node(signRequest('update', tx, [transferUpdate(from, to, amount)]));
  d.sign(d.state.options.role === 'initiator' ? SIG_I : SIG_R);
  const coSigned = signedBy(tx, SIG_I, SIG_R);
  d.node(channelUpdate(coSigned));
  d.effects = [];
  return coSigned;
}

// ---- refused sign requests ----

/** Starts `command` on an open channel (initiator by default), then answers with a sign request. */
export function ownRequest(command: Command, tag: string, tx: Tx, updates: JsonValue[], d: Driver = openChannel('initiator')): { d: Driver; effects: Effect[] } {
  d.command(command);
  return { d, effects: d.node(signRequest(tag, unsigned(tx), updates)) };
}

/** No `sign` effect, a `security` event matching `reason`, and (unless null) the abort `{error: 1}` on `reply`. */
export function expectRefused(effects: Effect[], reply: string | null, reason: RegExp): void {
  expect(signs(effects)).toEqual([]);
  expect(securityEvents(effects).map((e) => e.reason).join(' | ')).toMatch(reason);
  if (reply !== null) expect(sends(effects)).toEqual([{ method: reply, params: { error: 1n } }]);
}

