/**
 * # Theory of operation
 *
 * This file is the whole client side of the æternity channel protocol (PROTOCOL.md §6–§11)
 * as one pure function, {@link step}: `(state, input) -> { state, effects }`. It never
 * touches a socket, a signer, a store, a clock or a random source. The driver (the umbrella
 * `Channel`) turns socket frames, signer answers, store completions and timers into
 * {@link Input}s, and carries out the returned {@link Effect}s in order.
 *
 * ## Where things live
 * Everything that affects transitions is in this file (h11's rule). The rows of the table
 * are the coarse {@link Phase}s; the columns are the input kinds. {@link TRANSITIONS} maps
 * `(phase, input kind)` to a handler, each commented with the flow it implements. Node
 * messages are dispatched further by method ({@link NOTIFICATIONS}) and, for
 * `channels.info`, by event ({@link INFO_EVENTS}); commands by kind ({@link COMMAND_RULES}).
 * A pair with no entry has exactly one documented outcome ({@link UNHANDLED}): a command
 * is settled with `FSM_COMMAND_NOT_ALLOWED`, a node message is reported as an `error` event
 * (a sign request is additionally refused/aborted), anything else is ignored. Nothing is
 * silently accepted.
 *
 * ## Operations
 * Inside `open` (and `closing`) one signing operation runs at a time (§9.14 sub-machine):
 * `own` is the operation this client started (a command), `ack` the peer proposal it is
 * acknowledging. Operation commands arriving while either is busy wait in `queue` and start
 * when the channel is idle; queries (`get.*`), ping, messages and stop go out at once.
 * Every request carries a JSON-RPC id from `counters.rpc`; replies are matched by id, by
 * the `request.method` of id-less errors, or by the `.reply`/`pong` notification kind.
 *
 * ## Verify before sign
 * A `channels.sign.<tag>` request becomes a `sign` effect only after
 * {@link verifySignRequest} accepted it against the pending command / announced update,
 * the channel, the parties, the round, the recomputed state hash and the amounts. A
 * refusal produces no `sign` effect: a `security` event, and an abort reply
 * `{error: VERIFICATION_ABORT_CODE}` on the reply method (the create tx cannot be aborted:
 * the fsm closes the socket instead, §9.2). The signer's answer must carry exactly the
 * inner bytes it was given. One round is never signed with two different txs until a
 * conflict or abort voids the first (`signedAhead`).
 *
 * ## Contracts
 * Contract rounds are verified like payments, with the VM (`contractRound.ts` via
 * {@link verifySignRequest}); the state keeps the full trees once a contract exists and
 * every adoption moves them with the round (`adoptState`). A round whose run reads the
 * chain environment is parked in `envWait` while the driver answers `resolveEnv` (only with
 * `options.resolveChainEnv`; bounded by the `env` timer; voided by a conflict), else refused.
 * Contract queries are settled only after their answer is compared with our own state
 * (`queryMismatch`). An own force progress is kept in `forced` after the node's "ok" until
 * a chain report makes it the latest state (`onForcedOnChain`).
 *
 * ## Persist before acknowledging
 * A new co-signed state exists when `channels.update` carries a state matching a tx we
 * verified and signed (the node only shows the co-signed state there, §8.4). The fsm then
 * adopts it (round, balances, latest state), emits `persist`, and freezes: every later
 * input except `transportClosed` and `persisted` is deferred and replayed, in order, once
 * `persisted` arrives; the command that produced the state settles only then. A new fsm id
 * of an existing channel (reestablish) is persisted the same way, and so is the nonce of an
 * own on-chain tx before its signed reply goes out (`ownNonces`, see safeDefaults.ts), and
 * the create tx this client signed before its reply (`opening.signedCreate`: the node's fsm
 * then runs on without the client, §9.7, so a restart before open can reconnect).
 *
 * ## Time
 * Inputs carry `now`. Client timers ({@link TimerName}) are deadlines in `state.timers`;
 * changes are reported as `setTimer`/`clearTimer` effects; `timerFired` before the
 * deadline does nothing. The node runs the protocol timers itself (§9.9).
 *
 * ## Endings
 * On `transportClosed` every pending command is settled with `FSM_CONNECTION_CLOSED`, on
 * `info died` with `FSM_CHANNEL_DIED` (a pending `stop` settles ok): nothing is left
 * hanging. A `stop` after `died` still goes out while the socket is open (`socketOpen`;
 * the node answers ok); after the socket closed nothing is sent. Exceptions never escape
 * {@link step}: one that would is reported as an `FSM_INTERNAL_ERROR` event and the input
 * leaves the state unchanged.
 */
import { createdContractId, FateError, getContractJson, type CallObjectJson } from '@aechannel/fate';
import {
  decodeSignedTx,
  encode,
  unwrapSignedTx,
  type UnwrappedTx,
  isAechannelError,
  stateTreesHash,
  Tag,
  unpackStateTrees,
  unpackTx,
  verifyPoi,
  type AechannelError,
  type Encoded,
  type JsonValue,
  type Tx,
} from '@aechannel/codec';
import { buildConnectQuery } from './buildConnectQuery.js';
import { equalBytes } from './equalBytes.js';
import { authenticationCount, createChannelId, isGeneralized, layerOf, layersProblem, sameLayer, selfOf } from './generalized.js';
import { fsmError, FsmErrorCode } from './errors.js';
import { DEFAULT_CLIENT_TIMEOUTS, getPersistedChannel } from './state.js';
import type {
  AckOperation,
  ChannelEvent,
  ChannelState,
  ChannelStatus,
  Command,
  CommandKind,
  CommandResults,
  Effect,
  HistoryEntry,
  Input,
  InputKind,
  OwnOperation,
  PendingRequest,
  Phase,
  SignRecord,
  SignTag,
  StepResult,
  TimerName,
} from './types.js';
import { chainEnvProblem, type ChainEnv } from './chainEnv.js';
import { verifyForcedProgress, verifySignRequest } from './verifySignRequest.js';
import {
  callObjectFromJson,
  canonicalCb,
  canonicalJson,
  latestTrees,
  ownContractUpdate,
  packAndRemember,
  runRound,
  toCodecUpdate,
  validAccountId,
  validContractId,
  type ContractUpdate,
} from './contractRound.js';

/** Abort code sent when a sign request fails verification: 1 = "validation error" (§8.6). */
export const VERIFICATION_ABORT_CODE = 1;
/** Abort code sent for `signRefused` without `errorCode`: 4 = "abort" (§8.6). */
export const DEFAULT_REFUSAL_CODE = 4;
/** WebSocket close code used when the fsm closes the socket itself (application range). */
export const FSM_CLOSE_CODE = 4000;

// ---------------------------------------------------------------------------------------
// Context and small helpers
// ---------------------------------------------------------------------------------------

/** Mutable working copy of one step. */
interface Ctx {
  s: ChannelState;
  fx: Effect[];
  now: number;
}

type JsonObject = { [key: string]: JsonValue };

const isObject = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
const asString = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const asBigint = (v: JsonValue | undefined): bigint | null => (typeof v === 'bigint' ? v : null);

function emit(ctx: Ctx, event: ChannelEvent): void {
  ctx.fx.push({ type: 'emit', event });
}

function emitError(ctx: Ctx, error: AechannelError): void {
  emit(ctx, { type: 'error', error });
}

function setStatus(ctx: Ctx, status: ChannelStatus): void {
  if (ctx.s.status === status) return;
  ctx.s.status = status;
  emit(ctx, { type: 'statusChanged', status });
}

function settleOk<K extends CommandKind>(ctx: Ctx, commandId: number, result: CommandResults[K]): void {
  ctx.fx.push({ type: 'settle', commandId, ok: true, result });
}

function settleError(ctx: Ctx, commandId: number, error: AechannelError): void {
  ctx.fx.push({ type: 'settle', commandId, ok: false, error });
}

function nodeErrorOf(error: JsonValue | undefined, method: string | null): AechannelError {
  const e = isObject(error) ? error : {};
  const code = e['code'] ?? null;
  const message = asString(e['message']) ?? 'node error';
  const data = e['data'] ?? null;
  const codes = Array.isArray(data) ? data.map((d) => (isObject(d) ? (d['code'] ?? null) : null)) : [];
  return fsmError(
    FsmErrorCode.NODE_ERROR,
    `The node answered ${method ?? 'a request'} with error ${String(code)} ${message}${codes.length > 0 ? ` (${codes.map(String).join(', ')})` : ''}.`,
    { code, message, data, method },
  );
}

/** Sends a JSON-RPC request with a fresh id; records it when a reply matters. */
function send(
  ctx: Ctx,
  method: string,
  params: JsonObject,
  track: { kind: PendingRequest['kind']; commandId: number | null; query?: PendingRequest['query'] } | null,
): bigint {
  const id = ctx.s.counters.rpc;
  ctx.s.counters.rpc = id + 1n;
  ctx.fx.push({ type: 'send', message: { jsonrpc: '2.0', id, method, params } });
  if (track !== null) {
    // A reply deadline only where a command waits on the reply; id-less bookkeeping (abort
    // and acknowledgement replies) is tracked to route errors, without a timer.
    const timeout = ctx.s.options.clientTimeouts?.reply ?? DEFAULT_CLIENT_TIMEOUTS.reply;
    const deadline = track.commandId === null ? null : ctx.now + timeout;
    ctx.s.requests.push({ rpcId: id, method, commandId: track.commandId, kind: track.kind, deadline, ...(track.query === undefined ? {} : { query: track.query }) });
  }
  return id;
}

function dropRequest(ctx: Ctx, predicate: (r: PendingRequest) => boolean): PendingRequest | null {
  const index = ctx.s.requests.findIndex(predicate);
  if (index < 0) return null;
  const [request] = ctx.s.requests.splice(index, 1);
  return request ?? null;
}

function startPersist(ctx: Ctx, settle: { commandId: number; result: CommandResults[CommandKind] } | null): void {
  const persistId = ctx.s.counters.persist;
  ctx.s.counters.persist = persistId + 1;
  ctx.s.persisting = { persistId, settle };
  ctx.fx.push({ type: 'persist', persistId, snapshot: getPersistedChannel(ctx.s) });
}

function innerBytesOf(tx: Encoded<'tx'>): Uint8Array | null {
  try {
    // The channel tx itself, inside any GA meta layers (§2.9).
    return unwrapSignedTx(tx).innerBytes;
  } catch {
    return null;
  }
}

function sameInner(a: Encoded<'tx'>, b: Encoded<'tx'>): boolean {
  const x = innerBytesOf(a);
  const y = innerBytesOf(b);
  return x !== null && y !== null && equalBytes(x, y);
}

/**
 * What is wrong with the authentication the signer added (null: nothing), beyond its inner
 * tx (`sameInner`): a basic client's signer keeps the GA layers there were; a generalized
 * client's signer adds exactly its own layer around the tx it was given (§2.9).
 */
function signerOutputProblem(s: ChannelState, asked: Encoded<'tx'>, returned: Encoded<'tx'>): string | null {
  let before: UnwrappedTx;
  let after: UnwrappedTx;
  try {
    before = unwrapSignedTx(asked);
    after = unwrapSignedTx(returned);
  } catch {
    return 'it cannot be decoded';
  }
  const self = selfOf(s);
  if (self !== null && isGeneralized(s, self)) {
    const [outer, ...rest] = after.layers;
    if (outer === undefined || outer.gaId !== self) return 'it does not carry this generalized account\'s GA meta layer outermost';
    if (!equalBytes(outer.wrapped, decodeSignedTx(asked).innerBytes)) return 'its GA meta layer wraps another tx';
    if (rest.length !== before.layers.length || !rest.every((layer, i) => sameLayer(layer, before.layers[i]))) return 'it changed the other GA meta layers';
    if (after.signatures.length !== before.signatures.length || !after.signatures.every((sig, i) => equalBytes(sig, before.signatures[i] as Uint8Array))) return 'it changed the signatures';
    return null;
  }
  if (after.layers.length !== before.layers.length || !after.layers.every((layer, i) => sameLayer(layer, before.layers[i]))) return 'it changed the GA meta layers';
  return null;
}

/**
 * What is wrong with the signatures of a state the node reports as co-signed, given the tx
 * we signed (null: nothing). §3.2: both participants sign, exactly one signature each and
 * no extra, so the state carries exactly two and every signature we produced is among them.
 * The fsm cannot verify the peer's signature (no ed25519); counting still keeps a state
 * with only our signature (or with ours replaced) from replacing the latest co-signed one,
 * which is what a dispute needs (§9.11).
 */
function coSignatureProblem(s: ChannelState, ours: Encoded<'tx'>, coSigned: Encoded<'tx'>): string | null {
  const mine = unwrapSignedTx(ours);
  const theirs = unwrapSignedTx(coSigned);
  // Generalized participants count by their GA meta layer (§2.9): two authentications in all.
  const count = authenticationCount(theirs);
  if (count !== 2) return `the co-signed state carries ${count} signature(s) and GA layer(s), expected 2`;
  const participants = [s.options.initiatorId, s.options.responderId];
  const layers = layersProblem(s, theirs, participants, true);
  if (layers !== null) return `the co-signed state carries ${layers}`;
  if (!mine.signatures.every((sig) => theirs.signatures.some((other) => equalBytes(sig, other)))) return 'the co-signed state lacks the signature this client made';
  // The auth part of a generalized client is its own: the layer its signer made, unchanged.
  const self = selfOf(s);
  if (self !== null && isGeneralized(s, self) && !sameLayer(layerOf(mine, self), layerOf(theirs, self))) return 'the co-signed state lacks the GA meta layer this client made';
  return null;
}

// ---------------------------------------------------------------------------------------
// Sign tags
// ---------------------------------------------------------------------------------------

/** Reply method for each sign request tag (§7.4). */
export const REPLY_METHOD: Readonly<Record<SignTag, string>> = {
  initiator_sign: 'channels.initiator_sign',
  responder_sign: 'channels.responder_sign',
  deposit_tx: 'channels.deposit_tx',
  deposit_ack: 'channels.deposit_ack',
  withdraw_tx: 'channels.withdraw_tx',
  withdraw_ack: 'channels.withdraw_ack',
  update: 'channels.update',
  update_ack: 'channels.update_ack',
  shutdown_sign: 'channels.shutdown_sign',
  shutdown_sign_ack: 'channels.shutdown_sign_ack',
  close_solo_sign: 'channels.close_solo_sign',
  slash_tx: 'channels.slash_sign',
  settle_sign: 'channels.settle_sign',
  snapshot_solo_tx: 'channels.snapshot_solo_sign',
  force_progress_tx: 'channels.force_progress_sign',
};

const SIGN_TAGS = Object.keys(REPLY_METHOD) as SignTag[];

/**
 * Sign tags of operations this client started, with the command kind they belong to
 * (`update` also answers `newContract` and `callContract`, see {@link ownTagOf}).
 */
const OWN_TAG_KIND: Partial<Record<SignTag, CommandKind>> = {
  update: 'transfer',
  deposit_tx: 'deposit',
  withdraw_tx: 'withdraw',
  shutdown_sign: 'shutdown',
  close_solo_sign: 'closeSolo',
  slash_tx: 'slash',
  settle_sign: 'settle',
  snapshot_solo_tx: 'snapshotSolo',
  force_progress_tx: 'forceProgress',
};

/** The sign tag of an own operation command (null: it has none). */
function ownTagOf(kind: CommandKind): SignTag | null {
  if (kind === 'newContract' || kind === 'callContract') return 'update';
  return (Object.keys(OWN_TAG_KIND) as SignTag[]).find((tag) => OWN_TAG_KIND[tag] === kind) ?? null;
}

/** Sign tags acknowledging a peer proposal, with the proposal kind. */
const ACK_TAG_KIND: Partial<Record<SignTag, AckOperation['kind']>> = {
  update_ack: 'transfer',
  deposit_ack: 'deposit',
  withdraw_ack: 'withdraw',
  shutdown_sign_ack: 'shutdown',
};

/** Commands that complete when the node accepts their signed reply (solo on-chain txs). */
const SOLO_KINDS: readonly CommandKind[] = ['closeSolo', 'slash', 'settle', 'snapshotSolo', 'forceProgress'];

// ---------------------------------------------------------------------------------------
// Settling everything
// ---------------------------------------------------------------------------------------

/** Settles every pending command (queue, own op, requests, deferred commands) with `error`. */
function settleAllPending(ctx: Ctx, makeError: (what: string) => AechannelError, stopOk: boolean): void {
  const s = ctx.s;
  const done = new Set<number>();
  if (s.own !== null) {
    settleError(ctx, s.own.commandId, makeError(s.own.command.kind));
    done.add(s.own.commandId);
    s.own = null;
  }
  s.ack = null;
  for (const { commandId, command } of s.queue) settleError(ctx, commandId, makeError(command.kind));
  s.queue = [];
  for (const request of s.requests) {
    if (request.commandId === null || done.has(request.commandId)) continue;
    done.add(request.commandId);
    if (stopOk && request.kind === 'stop') settleOk<'stop'>(ctx, request.commandId, null);
    else settleError(ctx, request.commandId, makeError(request.kind));
  }
  s.requests = [];
  const deferred = s.deferred;
  s.deferred = [];
  for (const input of deferred) {
    if (input.type === 'command') settleError(ctx, input.commandId, makeError(input.command.kind));
    else if (input.type === 'transportClosed' || input.type === 'persisted') s.deferred.push(input);
  }
  // A create tx we already signed stays: after an early reconnect (§9.7) the node still
  // reports its co-signed version, which is adopted against this record.
  if (s.opening.sign !== null && s.opening.sign.signedTx === null) s.opening = { sign: null, refused: s.opening.refused };
  s.envWait = null;
  delete s.timers.env;
}

// ---------------------------------------------------------------------------------------
// Sign requests (§8.2), verification and the signer's answers
// ---------------------------------------------------------------------------------------

function slotRecord(s: ChannelState, tag: SignTag): SignRecord | null {
  if (tag === 'initiator_sign' || tag === 'responder_sign') return s.opening.sign;
  if (OWN_TAG_KIND[tag] !== undefined) return s.own?.sign ?? null;
  return s.ack?.sign ?? null;
}

/** `channels.sign.<tag>`: verify, then `sign` or refuse (§7.4, §9.2–§9.13). */
function onSignRequest(ctx: Ctx, tag: SignTag, params: JsonObject): void {
  const s = ctx.s;
  const data = isObject(params['data']) ? params['data'] : {};
  const key: 'signed_tx' | 'tx' = 'signed_tx' in data ? 'signed_tx' : 'tx';
  const tx = asString(data[key]);
  const updates = Array.isArray(data['updates']) ? data['updates'] : [];
  const fsmId = asString(data['fsm_id']);
  if (fsmId !== null) adoptFsmId(ctx, fsmId as Encoded<'ba'>);
  if (tx === null || !tx.startsWith('tx_')) {
    emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, `channels.sign.${tag} without a tx.`, { tag }));
    refuse(ctx, tag, key, 'the sign request carries no tx', null, VERIFICATION_ABORT_CODE);
    return;
  }
  const existing = slotRecord(s, tag);
  if (existing !== null && existing.tag === tag && existing.tx === tx) return; // duplicate request: already handled
  if (s.envWait !== null && s.envWait.tag === tag && s.envWait.tx === tx) return; // duplicate while its environment is resolved
  verifyAndSign(ctx, tag, key, tx as Encoded<'tx'>, updates, null);
}

/**
 * Verifies a sign request and hands it to the signer, or refuses it. A contract round whose
 * run reads the chain environment is first parked (`envWait`) and the driver asked for
 * candidate environments (`resolveEnv`), when it can supply them (`resolveChainEnv`);
 * `envs` are those it answered with (null: not asked yet).
 */
function verifyAndSign(ctx: Ctx, tag: SignTag, key: 'signed_tx' | 'tx', tx: Encoded<'tx'>, updates: JsonValue[], envs: readonly ChainEnv[] | null): void {
  const s = ctx.s;
  const check = verifySignRequest(s, tag, tx, updates, envs === null ? {} : { envs });
  if (!check.ok) {
    if (check.needsEnv !== undefined && envs === null && s.options.resolveChainEnv === true) {
      askEnv(ctx, tag, key, tx, updates, check.needsEnv);
      return;
    }
    refuse(ctx, tag, key, check.reason, check.details, VERIFICATION_ABORT_CODE);
    return;
  }
  const requestId = s.counters.sign;
  s.counters.sign = requestId + 1;
  const record: SignRecord = {
    requestId,
    tag,
    tx,
    key,
    round: check.round,
    balances: check.balances,
    signedTx: null,
    trees: check.trees,
    calls: check.calls,
    contractUpdate: check.contractUpdate,
  };
  if (tag === 'initiator_sign' || tag === 'responder_sign') {
    s.opening = { sign: record, refused: false };
    if (check.channelId !== null) s.channelId = check.channelId;
    if (s.options.initiatorId === 'any' && check.decoded.tag === Tag.ChannelCreateTx) s.options = { ...s.options, initiatorId: check.decoded.initiatorId };
  } else if (OWN_TAG_KIND[tag] !== undefined && s.own !== null) {
    s.own.stage = 'signing';
    s.own.sign = record;
    dropRequest(ctx, (r) => r.rpcId === s.own?.rpcId);
  } else {
    s.ack = { kind: ACK_TAG_KIND[tag] ?? 'transfer', stage: 'signing', sign: record };
  }
  if (check.round !== null && check.round > s.round) s.signedAhead = { round: check.round, tx };
  const learned = OWN_NONCE_TAGS.includes(tag) ? nonceOf(check.decoded) : null;
  if (learned !== null) learnNonce(s, learned, false);
  ctx.fx.push({
    type: 'sign',
    requestId,
    tag,
    tx,
    decoded: check.decoded,
    updates,
    reason: check.reason,
    balances: check.balances,
    calls: check.calls,
    networkId: s.options.networkId,
  });
  // The nonce of an own on-chain tx is stored before the signed tx goes out (the `signed`
  // answer waits behind the persist), so a restart never forgets a nonce the node may use
  // (safeDefaults). The create tx's nonce is stored with the signed create tx, before its reply.
  if (learned !== null && tag !== 'initiator_sign' && s.persisting === null) startPersist(ctx, null);
}

/** Parks a sign request until the driver supplies the chain environment (CONTRACTS.md §2.8). */
function askEnv(ctx: Ctx, tag: SignTag, key: 'signed_tx' | 'tx', tx: Encoded<'tx'>, updates: JsonValue[], reads: readonly string[]): void {
  const s = ctx.s;
  const requestId = s.counters.sign;
  s.counters.sign = requestId + 1;
  // The block this client pinned for its own update (§10.3); otherwise the node picked one.
  const command = tag === 'update' ? s.own?.command : undefined;
  const blockHash = command !== undefined && 'blockHash' in command && command.blockHash !== undefined ? command.blockHash : null;
  s.envWait = { requestId, tag, key, tx, updates, blockHash };
  s.timers.env = ctx.now + (s.options.clientTimeouts?.env ?? DEFAULT_CLIENT_TIMEOUTS.env);
  ctx.fx.push({ type: 'resolveEnv', requestId, blockHash, reads: [...reads], tag });
}

/** `envResolved`: verify the parked sign request against the supplied environments. */
function onEnvResolved(ctx: Ctx, input: Extract<Input, { type: 'envResolved' }>): void {
  const s = ctx.s;
  const wait = s.envWait;
  if (wait === null || wait.requestId !== input.requestId) return; // late or unknown answer
  s.envWait = null;
  delete s.timers.env;
  const envs = Array.isArray(input.envs) ? input.envs.filter((env) => chainEnvProblem(env) === null) : [];
  verifyAndSign(ctx, wait.tag, wait.key, wait.tx, wait.updates, envs);
}

/** Sign requests for an on-chain tx paid with this client's own nonce (verified: `from`/`to` is us). */
const OWN_NONCE_TAGS: readonly SignTag[] = ['initiator_sign', 'deposit_tx', 'withdraw_tx', 'shutdown_sign', 'close_solo_sign', 'slash_tx', 'settle_sign', 'snapshot_solo_tx', 'force_progress_tx'];

function nonceOf(tx: Tx): bigint | null {
  return 'nonce' in tx && typeof tx.nonce === 'bigint' ? tx.nonce : null;
}

/** Raises what the channel knows of the account's nonce (signed; and on chain when `onChain`). */
function learnNonce(s: ChannelState, nonce: bigint, onChain: boolean): void {
  const max = (a: bigint | null): bigint => (a === null || nonce > a ? nonce : a);
  s.ownNonces = { signed: max(s.ownNonces.signed), onChain: onChain ? max(s.ownNonces.onChain) : s.ownNonces.onChain };
}

/** Refuses a sign request: security event + abort reply (create: close the socket). */
function refuse(ctx: Ctx, tag: SignTag, key: 'signed_tx' | 'tx', reason: string, details: JsonValue, errorCode: number): void {
  const s = ctx.s;
  emit(ctx, { type: 'security', reason, code: FsmErrorCode.SIGN_REQUEST_REJECTED, tag, details });
  if (tag === 'initiator_sign' || tag === 'responder_sign') {
    // The create tx cannot be aborted (§9.6): closing the socket before signing kills both node fsms (§9.2).
    if (s.phase === 'opening' || s.phase === 'awaitingFsmUp') {
      s.opening = { sign: null, refused: true };
      ctx.fx.push({ type: 'close', code: FSM_CLOSE_CODE, reason: `refused to sign the create tx: ${reason}` });
    }
    return;
  }
  send(ctx, REPLY_METHOD[tag], { error: BigInt(errorCode) }, { kind: 'signReply', commandId: null });
  const kind = OWN_TAG_KIND[tag];
  if (kind !== undefined) {
    if (s.own !== null && ownTagOf(s.own.command.kind) === tag && (s.own.stage === 'requested' || s.own.stage === 'signing')) {
      dropRequest(ctx, (r) => r.rpcId === s.own?.rpcId);
      s.own.stage = 'aborting';
      s.own.abort = { code: FsmErrorCode.SIGN_REQUEST_REJECTED, message: reason, errorCode };
    }
  } else if (s.ack === null || s.ack.stage === 'announced') {
    // (an acknowledgement already being signed or completed is kept: this refusal is about another tx)
    s.ack = { kind: ACK_TAG_KIND[tag] ?? 'transfer', stage: 'aborting', sign: null };
  }
}

function findSignRecord(s: ChannelState, requestId: number): { record: SignRecord; slot: 'opening' | 'own' | 'ack' } | null {
  if (s.opening.sign?.requestId === requestId) return { record: s.opening.sign, slot: 'opening' };
  if (s.own?.sign?.requestId === requestId && s.own.stage === 'signing') return { record: s.own.sign, slot: 'own' };
  if (s.ack?.sign?.requestId === requestId && s.ack.stage === 'signing') return { record: s.ack.sign, slot: 'ack' };
  return null;
}

/** `signed`: the signer answered; reply to the node with the same key the request used (§7.4, §11). */
function onSigned(ctx: Ctx, input: Extract<Input, { type: 'signed' }>): void {
  const s = ctx.s;
  const found = findSignRecord(s, input.requestId);
  if (found === null || found.record.signedTx !== null) return; // stale: voided by a conflict/abort or already answered
  const { record, slot } = found;
  const authProblem = signerOutputProblem(s, record.tx, input.signedTx);
  if (authProblem !== null) {
    emit(ctx, { type: 'security', reason: `the signer's output: ${authProblem}`, code: FsmErrorCode.SIGNER_MISMATCH, tag: record.tag, details: { requestId: input.requestId } });
    abortSigned(ctx, record, slot, VERIFICATION_ABORT_CODE, FsmErrorCode.SIGNER_MISMATCH, `the signer's output: ${authProblem}`);
    return;
  }
  if (slot === 'opening' && s.channelId === null) {
    // A generalized initiator's channel id comes from the auth id of the layer it just made (§4).
    try {
      const unwrapped = unwrapSignedTx(input.signedTx);
      if (unwrapped.tx.tag === Tag.ChannelCreateTx) s.channelId = createChannelId(s, unwrapped, unwrapped.tx);
    } catch {
      // (checked by signerOutputProblem)
    }
  }
  if (!sameInner(input.signedTx, record.tx)) {
    // The signer returned another tx than the one verified: never forward it.
    emit(ctx, {
      type: 'security',
      reason: 'the signer returned a different transaction',
      code: FsmErrorCode.SIGNER_MISMATCH,
      tag: record.tag,
      details: { requestId: input.requestId },
    });
    abortSigned(ctx, record, slot, VERIFICATION_ABORT_CODE, FsmErrorCode.SIGNER_MISMATCH, 'the signer returned a different transaction');
    return;
  }
  if (slot === 'opening' && s.opening.signedCreate !== input.signedTx) {
    // Once this reply is out the node's fsm runs on without us (§9.7): the signed create is
    // stored first, and this input is replayed after `persisted` to send the reply.
    s.opening = { ...s.opening, signedCreate: input.signedTx };
    startPersist(ctx, null);
    s.deferred.push(input);
    return;
  }
  // (a new record: the one in the state is shared with the state before this step)
  const completed: SignRecord = { ...record, signedTx: input.signedTx };
  if (slot === 'opening') s.opening = { ...s.opening, sign: completed };
  else if (slot === 'own' && s.own !== null) s.own.sign = completed;
  else if (slot === 'ack' && s.ack !== null) s.ack.sign = completed;
  const commandId = slot === 'own' ? (s.own?.commandId ?? null) : null;
  send(ctx, REPLY_METHOD[record.tag], { [record.key]: input.signedTx }, { kind: 'signReply', commandId });
  if (slot === 'own' && s.own !== null) s.own.stage = 'awaitingCompletion';
  if (slot === 'ack' && s.ack !== null) s.ack.stage = 'awaitingCompletion';
}

/** `signRefused`: abort with the user's code (§9.6); the create tx cannot be aborted, so close. */
function onSignRefused(ctx: Ctx, input: Extract<Input, { type: 'signRefused' }>): void {
  const found = findSignRecord(ctx.s, input.requestId);
  // Nothing pending under this id: sending an abort now would only earn error 1018 (§9.6).
  if (found === null || found.record.signedTx !== null) return;
  const code = input.errorCode ?? DEFAULT_REFUSAL_CODE;
  abortSigned(ctx, found.record, found.slot, code, FsmErrorCode.SIGN_REFUSED, `signing was refused (abort code ${code})`);
}

function abortSigned(ctx: Ctx, record: SignRecord, slot: 'opening' | 'own' | 'ack', code: number, errorCode: string, message: string): void {
  const s = ctx.s;
  // `signedAhead` stays until the node confirms the abort (aborted_update / conflict / an error
  // reply): until then no other tx for this round goes to the signer.
  if (slot === 'opening') {
    s.opening = { sign: null, refused: true };
    ctx.fx.push({ type: 'close', code: FSM_CLOSE_CODE, reason: `refused to sign the create tx: ${message}` });
    return;
  }
  const validCode = Number.isInteger(code) && code >= 1 && code <= 65535 ? code : DEFAULT_REFUSAL_CODE;
  send(ctx, REPLY_METHOD[record.tag], { error: BigInt(validCode) }, { kind: 'signReply', commandId: null });
  if (slot === 'own' && s.own !== null) {
    s.own.stage = 'aborting';
    s.own.abort = { code: errorCode, message, errorCode: validCode };
  }
  if (slot === 'ack' && s.ack !== null) s.ack.stage = 'aborting';
}

// ---------------------------------------------------------------------------------------
// Completion of operations
// ---------------------------------------------------------------------------------------

function abortErrorOf(own: OwnOperation): AechannelError {
  const abort = own.abort ?? { code: FsmErrorCode.SIGN_REFUSED, message: 'aborted', errorCode: DEFAULT_REFUSAL_CODE };
  return fsmError(abort.code as FsmErrorCode, `${own.command.kind} aborted: ${abort.message}.`, { errorCode: abort.errorCode });
}

/** Ends the own operation with an error (and forgets its sign record). */
function failOwn(ctx: Ctx, error: AechannelError): void {
  const own = ctx.s.own;
  if (own === null) return;
  ctx.s.own = null;
  dropRequest(ctx, (r) => r.rpcId === own.rpcId);
  ctx.s.requests = ctx.s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === own.commandId));
  settleError(ctx, own.commandId, error);
}

/** At most this many calls of co-signed rounds are kept to check `get.contract_call` answers. */
const MAX_CALL_ARCHIVE = 256;

/** What {@link adoptState} adopts. */
interface Adoption {
  /** The new latest state (co-signed; or an own or verified force progress on chain). */
  state: Encoded<'tx'>;
  round: bigint;
  balances: Record<Encoded<'ak'>, bigint>;
  /** Full trees after the state (a channel holding contracts), else null. */
  trees: Encoded<'ss'> | null;
  /** The round's contract update and call objects (contract rounds). */
  contractUpdate?: ContractUpdate | null;
  calls?: readonly CallObjectJson[];
  /** Whether this client made the contract update. */
  own?: boolean;
  settle: { commandId: number; result: CommandResults[CommandKind] } | null;
}

/** Adopts a new latest state: round, balances, trees, latest state; then persist (frozen until `persisted`). */
function adoptState(ctx: Ctx, adoption: Adoption): void {
  const s = ctx.s;
  const { state, round, balances } = adoption;
  s.latestState = state;
  s.round = round;
  s.balances = { ...balances };
  s.trees = adoption.trees;
  s.signedAhead = null;
  let forced = false;
  try {
    const inner = unwrapSignedTx(state).tx;
    const self = selfOf(s);
    if (inner.tag === Tag.ChannelCreateTx || inner.tag === Tag.ChannelDepositTx || inner.tag === Tag.ChannelWithdrawTx) {
      s.onChainRound = round;
      // A co-signed create/deposit/withdraw is on chain: if it was paid with our nonce, that nonce is used.
      const payer = inner.tag === Tag.ChannelCreateTx ? inner.initiatorId : inner.tag === Tag.ChannelDepositTx ? inner.fromId : inner.toId;
      if (payer === self) learnNonce(s, inner.nonce, true);
    }
    if (inner.tag === Tag.ChannelForceProgressTx) {
      // A force progress is adopted once on chain (CONTRACTS.md §3.4): its round is the chain's.
      forced = true;
      s.onChainRound = round;
      if (inner.fromId === self) learnNonce(s, inner.nonce, true);
    }
  } catch {
    // already decoded by verification; unreachable
  }
  emit(ctx, { type: 'stateChanged', round, state, balances: { ...balances } });
  const update = adoption.contractUpdate ?? null;
  if (update !== null) {
    const calls = adoption.calls ?? [];
    for (const call of calls) emit(ctx, { type: 'contractCall', round, own: adoption.own ?? false, forced, update, call });
    // (a new array: the archive is shared with the state before this step)
    if (calls.length > 0) s.callArchive = [...s.callArchive, ...calls.map((call) => ({ round, call }))].slice(-MAX_CALL_ARCHIVE);
  }
  startPersist(ctx, adoption.settle);
}

/** What an own state-changing command settles with once its state is co-signed. */
function resultOf(s: ChannelState, command: Command, state: Encoded<'tx'>, round: bigint, calls: readonly CallObjectJson[]): CommandResults[CommandKind] {
  const call = calls[0];
  // (selfOf is null only for an initiator named 'any', which no client that sent a command is)
  const self = command.kind === 'newContract' ? selfOf(s) : null;
  if (command.kind === 'newContract' && call !== undefined && self !== null) {
    return { state, round, contractId: createdContractId(self, round), call } satisfies CommandResults['newContract'];
  }
  if (command.kind === 'callContract' && call !== undefined) return { state, round, call } satisfies CommandResults['callContract'];
  return { state, round };
}

/** `channels.update {state}` (§8.4): the co-signed state of a round we signed. */
function onChannelUpdate(ctx: Ctx, params: JsonObject): void {
  const s = ctx.s;
  const data = isObject(params['data']) ? params['data'] : {};
  const state = asString(data['state']);
  if (state === null || !state.startsWith('tx_')) {
    emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'channels.update without a state.', {}));
    return;
  }
  const tx = state as Encoded<'tx'>;
  const candidates: { record: SignRecord; slot: 'opening' | 'own' | 'ack' }[] = [];
  if (s.opening.sign !== null) candidates.push({ record: s.opening.sign, slot: 'opening' });
  if (s.own?.sign != null) candidates.push({ record: s.own.sign, slot: 'own' });
  if (s.ack?.sign != null) candidates.push({ record: s.ack.sign, slot: 'ack' });
  // (a force progress is never reported as co-signed; its own path is `forced`, below)
  const match = candidates.find(({ record }) => record.tag !== 'force_progress_tx' && record.round !== null && record.balances !== null && record.signedTx !== null && sameInner(record.tx, tx));
  if (match !== undefined && match.record.round !== null && match.record.balances !== null && match.record.signedTx !== null && match.record.round > s.round) {
    const problem = coSignatureProblem(s, match.record.signedTx, tx);
    if (problem !== null) {
      emit(ctx, { type: 'security', reason: `${problem}; it is not adopted`, code: FsmErrorCode.SIGN_REQUEST_REJECTED, tag: null, details: { round: match.record.round } });
      return;
    }
    let settle: { commandId: number; result: CommandResults[CommandKind] } | null = null;
    if (match.slot === 'opening' || match.slot === 'ack') s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === null));
    if (match.slot === 'opening') s.opening = { sign: null, refused: false };
    if (match.slot === 'ack') s.ack = null;
    if (match.slot === 'own' && s.own !== null) {
      settle = { commandId: s.own.commandId, result: resultOf(s, s.own.command, tx, match.record.round, match.record.calls ?? []) };
      const own = s.own;
      s.own = null;
      s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === own.commandId));
    }
    adoptState(ctx, {
      state: tx,
      round: match.record.round,
      balances: match.record.balances,
      trees: match.record.trees ?? null,
      contractUpdate: match.record.contractUpdate ?? null,
      calls: match.record.calls ?? [],
      own: match.slot === 'own',
      settle,
    });
    return;
  }
  if (s.latestState !== null && sameInner(s.latestState, tx)) return; // the state we have (open, reestablish, reconnect)
  if (s.forced !== null && sameInner(s.forced.tx, tx)) {
    // Our own force progress, reported as the node's latest state once it consumed it.
    adoptForced(ctx, tx, 'channels.update');
    return;
  }
  let round: bigint | null = null;
  try {
    const inner = unwrapSignedTx(tx).tx;
    if ('round' in inner && typeof inner.round === 'bigint') round = inner.round;
    else if (inner.tag === Tag.ChannelCreateTx) round = 1n;
  } catch {
    round = null;
  }
  if (round !== null && round <= s.round) {
    // §8.4: the node reports the latest co-signed state, never an older one nor another
    // state of our round. Even validly signed, such a state is a lie about the channel:
    // reported like a forged one, never adopted.
    emit(ctx, {
      type: 'security',
      reason: `the node reported a co-signed state of round ${round}${round === s.round ? ' other than ours' : `, older than ours (${s.round})`}; it is not adopted`,
      code: FsmErrorCode.SIGN_REQUEST_REJECTED,
      tag: null,
      details: { round, knownRound: s.round },
    });
    return;
  }
  emit(ctx, {
    type: 'security',
    reason: 'the node reported a co-signed state this client did not verify; it is not adopted',
    code: FsmErrorCode.SIGN_REQUEST_REJECTED,
    tag: null,
    details: { round, knownRound: s.round },
  });
}

/** `channels.conflict` (§8.6, §9.5): the pending operation is void; state = round r. Idempotent. */
function onConflict(ctx: Ctx, params: JsonObject): void {
  const s = ctx.s;
  const data = isObject(params['data']) ? params['data'] : {};
  const errorCode = asBigint(data['error_code']);
  const errorMessage = asString(data['error_msg']);
  const round = asBigint(data['round']);
  emit(ctx, { type: 'conflict', errorCode: errorCode === null ? null : Number(errorCode), errorMessage, round });
  const own = s.own;
  if (own !== null && !(SOLO_KINDS.includes(own.command.kind) && own.stage === 'awaitingCompletion') && own.command.kind !== 'leave') {
    // 2019 variant (§9.6, §11): the node answered the starter's own abort with a conflict carrying its code.
    if (own.stage === 'aborting') failOwn(ctx, abortErrorOf(own));
    else
      failOwn(
        ctx,
        fsmError(FsmErrorCode.CONFLICT, `${own.command.kind} failed: conflict${errorCode === null ? '' : ` ${errorCode}`} (${errorMessage ?? 'no message'}), state is round ${String(round ?? s.round)}.`, {
          errorCode: errorCode === null ? null : Number(errorCode),
          errorMessage,
          round,
        }),
      );
  }
  s.ack = null;
  s.signedAhead = null;
  s.envWait = null;
  delete s.timers.env;
  s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === null));
}

/** `info aborted_update` (§9.6): our abort was accepted. */
function onAbortedUpdate(ctx: Ctx): void {
  const s = ctx.s;
  if (s.own !== null && s.own.stage === 'aborting') failOwn(ctx, abortErrorOf(s.own));
  if (s.ack !== null && s.ack.stage === 'aborting') s.ack = null;
  s.signedAhead = null;
  s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === null));
}

// ---------------------------------------------------------------------------------------
// Node replies (§7.1)
// ---------------------------------------------------------------------------------------

function balancesFromResult(result: JsonValue): Record<Encoded<'ak'>, bigint> | null {
  if (!Array.isArray(result)) return null;
  const out: Record<Encoded<'ak'>, bigint> = {};
  for (const entry of result) {
    if (!isObject(entry)) return null;
    const account = asString(entry['account']);
    const balance = asBigint(entry['balance']);
    if (account === null || balance === null) return null;
    out[account as Encoded<'ak'>] = balance;
  }
  return out;
}

/** The entries of a `channels.history.fetch` result (§7.5), or null when it is not a list of entries. */
function historyFromResult(result: JsonValue): HistoryEntry[] | null {
  if (!Array.isArray(result)) return null;
  const out: HistoryEntry[] = [];
  for (const entry of result) {
    if (!isObject(entry)) return null;
    const type = asString(entry['type']);
    const tag = asString(entry['tag']);
    if (type === null || tag === null) return null;
    out.push({ type, tag, time: asBigint(entry['time']), info: entry['info'] ?? null });
  }
  return out;
}

/** Settles a query/ping/stop/... request with the node's result payload. */
function settleRequest(ctx: Ctx, request: PendingRequest, result: JsonValue): void {
  const s = ctx.s;
  if (request.commandId === null) return;
  const id = request.commandId;
  switch (request.kind) {
    case 'getBalances': {
      const balances = balancesFromResult(result);
      if (balances === null) settleError(ctx, id, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'Malformed get.balances result.', { result }));
      else settleOk<'getBalances'>(ctx, id, balances);
      return;
    }
    case 'getPoi': {
      const poi = isObject(result) ? asString(result['poi']) : null;
      if (poi === null || !poi.startsWith('pi_')) {
        settleError(ctx, id, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'Malformed get.poi result.', { result }));
        return;
      }
      // A PoI proves its leaves up to its root hash: if that is our state hash, every value it
      // proves (accounts, contracts and their stores) is ours.
      const problem = poiProblem(s, poi as Encoded<'pi'>);
      if (problem !== null) queryMismatch(ctx, request, problem, { poi });
      else settleOk<'getPoi'>(ctx, id, { poi: poi as Encoded<'pi'> });
      return;
    }
    case 'dryRunCall': {
      const call = callObjectFromJson(result);
      if (call === null) {
        settleError(ctx, id, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'Malformed dry_run.call_contract result.', { result }));
        return;
      }
      const ours = dryRunLocally(s, request);
      if (ours === null) settleOk<'dryRunCall'>(ctx, id, { call, verified: false });
      else if (typeof ours === 'string') queryMismatch(ctx, request, ours, { call: result });
      else if (canonicalJson(ours) === canonicalJson(call)) settleOk<'dryRunCall'>(ctx, id, { call, verified: true });
      else queryMismatch(ctx, request, 'the dry-run result differs from this client\'s own run of the call', { node: result, ours: ours as unknown as JsonValue });
      return;
    }
    case 'getContract': {
      const command = request.query?.command;
      if (command?.kind !== 'getContract') return;
      const ours = getContractJson(latestTrees(s), command.contractId);
      if (ours === undefined) queryMismatch(ctx, request, `the node reports contract ${command.contractId}, which is not in this client's state`, { result });
      else if (canonicalJson(ours) !== canonicalJson(result)) queryMismatch(ctx, request, 'the contract differs from the one in this client\'s state', { node: result, ours: ours as unknown as JsonValue });
      else settleOk<'getContract'>(ctx, id, ours);
      return;
    }
    case 'getContractCall': {
      const call = callObjectFromJson(result);
      const command = request.query?.command;
      if (call === null || command?.kind !== 'getContractCall') {
        settleError(ctx, id, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'Malformed get.contract_call result.', { result }));
        return;
      }
      const known = s.callArchive.find((a) => a.round === command.round && a.call.caller_id === command.callerId && a.call.contract_id === command.contractId);
      if (known === undefined) settleOk<'getContractCall'>(ctx, id, { call, verified: false });
      else if (canonicalJson(known.call) === canonicalJson(call)) settleOk<'getContractCall'>(ctx, id, { call, verified: true });
      else queryMismatch(ctx, request, `the call object of round ${command.round} differs from the one this client computed and co-signed`, { node: result, ours: known.call as unknown as JsonValue }, true);
      return;
    }
    case 'cleanContractCalls':
      s.callArchive = [];
      settleOk<'cleanContractCalls'>(ctx, id, null);
      return;
    case 'getOffchainState': {
      const r = isObject(result) ? result : {};
      settleOk<'getOffchainState'>(ctx, id, {
        trees: asString(r['trees']) ?? '',
        calls: asString(r['calls']) ?? '',
        signedTx: asString(r['signed_tx']) ?? '',
        halfSignedTx: asString(r['half_signed_tx']) ?? '',
      });
      return;
    }
    case 'getHistory': {
      const entries = historyFromResult(result);
      if (entries === null) settleError(ctx, id, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'Malformed history.fetch result.', { result }));
      else settleOk<'getHistory'>(ctx, id, entries);
      return;
    }
    case 'ping':
    case 'stop':
    case 'assumeMinimumDepth':
      settleOk(ctx, id, null);
      return;
    case 'signReply': {
      // "ok" for a signed reply: a solo on-chain tx is now with the node (§9.11–§9.13).
      const own = s.own;
      if (own !== null && own.commandId === id && SOLO_KINDS.includes(own.command.kind) && own.stage === 'awaitingCompletion' && own.sign?.signedTx != null) {
        s.own = null;
        const record = own.sign;
        if (own.command.kind === 'forceProgress' && record.round !== null && record.balances !== null && record.contractUpdate != null) {
          // Remembered until the chain reports it (consumed: its state becomes ours, CONTRACTS.md §3.4).
          s.forced = {
            tx: own.sign.signedTx,
            round: record.round,
            balances: record.balances,
            trees: record.trees ?? packAndRemember(latestTrees(s)),
            calls: record.calls ?? [],
            update: record.contractUpdate,
          };
        }
        settleOk(ctx, id, { tx: own.sign.signedTx });
      }
      return;
    }
    default:
      return;
  }
}

/**
 * A query answer that contradicts our own state. Asked and answered at the same round, it
 * is a lie (a `security` event); a round completed in between, the answer may be of the
 * other state (a plain error: ask again). `always`: a lie whatever the round (call objects
 * of a past round never change).
 */
function queryMismatch(ctx: Ctx, request: PendingRequest, problem: string, details: JsonValue, always = false): void {
  const sameRound = request.query === undefined || request.query.round === ctx.s.round;
  if (sameRound || always) emit(ctx, { type: 'security', reason: `${request.method}: ${problem}`, code: FsmErrorCode.INVALID_NODE_MESSAGE, tag: null, details });
  if (request.commandId !== null) {
    settleError(ctx, request.commandId, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, `${request.method}: ${problem}${sameRound || always ? '' : ' (the state changed since the request; ask again)'}.`, { details }));
  }
}

/** What is wrong with a PoI the node returned for our latest state (null: nothing). */
function poiProblem(s: ChannelState, poi: Encoded<'pi'>): string | null {
  if (s.latestState === null) return null;
  let proven;
  try {
    proven = verifyPoi(poi);
  } catch (error) {
    return `the PoI is invalid (${isAechannelError(error) ? error.code : 'malformed'})`;
  }
  const inner = decodeSignedTx(s.latestState).tx;
  const ours = 'stateHash' in inner ? (inner.stateHash as Encoded<'st'>) : null;
  return ours === null || proven.stateHash === ours ? null : `the PoI proves state ${proven.stateHash}, not our latest state ${ours}`;
}

/**
 * This client's own run of a dry-run request (round = latest + 1, CONTRACTS.md §2.7): the
 * call object, null when it cannot be known here (a chain-environment read, an unsupported
 * operation, a round completed since the request), or what the node should have answered
 * instead (the node would reject the call).
 */
function dryRunLocally(s: ChannelState, request: PendingRequest): CallObjectJson | string | null {
  const command = request.query?.command;
  if (command?.kind !== 'dryRunCall' || request.query?.round !== s.round) return null;
  const self = selfOf(s);
  if (self === null) return null;
  const update = ownContractUpdate(command, self);
  try {
    const outcome = runRound({
      trees: latestTrees(s),
      updates: [toCodecUpdate(update)],
      round: s.round + 1n,
      reserve: s.options.channelReserve,
      rules: s.options.fateRules ?? 'ceres',
      networkId: s.options.networkId,
      envs: [],
    });
    return outcome.kind === 'computed' ? (outcome.calls[0] ?? null) : null;
  } catch (error) {
    if (error instanceof FateError && error.code !== 'FATE_UNSUPPORTED') return `the node returned a call object, but the call is one the node rejects (${error.code})`;
    return null;
  }
}

/** `{id, result}`: match by id (§7.1). Unknown ids ("ok" for id-less bookkeeping) are ignored. */
function onResult(ctx: Ctx, id: JsonValue | undefined, result: JsonValue): void {
  if (typeof id !== 'bigint') return;
  const request = dropRequest(ctx, (r) => r.rpcId === id);
  if (request === null) return;
  if (ctx.s.own !== null && ctx.s.own.rpcId === id && request.kind !== 'signReply') return; // "ok" for an operation request: the sign request follows
  settleRequest(ctx, request, result);
}

/** `{id, error}`: the request failed; id-less errors are matched by `error.request.method`. */
function onErrorReply(ctx: Ctx, id: JsonValue | undefined, error: JsonValue): void {
  const s = ctx.s;
  const e = isObject(error) ? error : {};
  const requestMethod = isObject(e['request']) ? asString(e['request']['method']) : null;
  if (s.phase === 'awaitingFsmUp' && (id === null || id === undefined)) {
    // Open-time / reconnect rejection (§6.4): an error with an empty request, then the node closes.
    const data = Array.isArray(e['data']) ? e['data'] : [];
    const first = isObject(data[0]) ? data[0] : {};
    const code = Number(asBigint(first['code']) ?? asBigint(e['code']) ?? 0n);
    const message = asString(first['message']) ?? asString(e['message']) ?? 'rejected';
    s.rejection = { code, message };
    const rejection = fsmError(FsmErrorCode.CONNECTION_REJECTED, `The node rejected the connection: ${code} ${message}.`, { code, message, data });
    emitError(ctx, rejection);
    const reconnect = dropRequest(ctx, (r) => r.kind === 'reconnect');
    if (reconnect?.commandId != null) settleError(ctx, reconnect.commandId, rejection);
    return;
  }
  let request: PendingRequest | null = null;
  if (typeof id === 'bigint') request = dropRequest(ctx, (r) => r.rpcId === id);
  else if (requestMethod !== null) request = dropRequest(ctx, (r) => r.method === requestMethod);
  const err = nodeErrorOf(error, request?.method ?? requestMethod);
  // A rejected sign reply (e.g. an abort answered 1018, or a broken tx 1010) leaves no pending signature.
  if (request?.kind === 'signReply' || (request === null && requestMethod !== null && Object.values(REPLY_METHOD).includes(requestMethod))) s.signedAhead = null;
  if (request === null) {
    emitError(ctx, err);
    return;
  }
  if (request.kind === 'signReply' && request.commandId === null && onAbortRejected(ctx, request.method, err)) return;
  const own = s.own;
  if (own !== null && (own.rpcId === request.rpcId || (request.kind === 'signReply' && request.commandId === own.commandId))) {
    failOwn(ctx, err);
    return;
  }
  if (request.commandId !== null) settleError(ctx, request.commandId, err);
  else emitError(ctx, err);
}

/**
 * The node answered one of our aborts with an error (1018 "Not allowed at current channel
 * state" when it has nothing to abort, §9.6): no aborted_update or conflict will follow, so
 * the operation being aborted ends here (own: settled with its abort error; acknowledgement:
 * dropped), instead of blocking the channel. Returns whether it ended one.
 */
function onAbortRejected(ctx: Ctx, method: string, error: AechannelError): boolean {
  const s = ctx.s;
  const own = s.own;
  const replyOf = (match: (tag: SignTag) => boolean): string | undefined => SIGN_TAGS.filter(match).map((tag) => REPLY_METHOD[tag])[0];
  if (own !== null && own.stage === 'aborting' && replyOf((tag) => ownTagOf(own.command.kind) === tag) === method) {
    const aborted = abortErrorOf(own);
    aborted.cause = error;
    failOwn(ctx, aborted);
    return true;
  }
  const ack = s.ack;
  if (ack !== null && ack.stage === 'aborting' && replyOf((tag) => ACK_TAG_KIND[tag] === ack.kind) === method) {
    s.ack = null;
    emitError(ctx, error);
    return true;
  }
  return false;
}

/** `channels.<x>.reply` / `channels.system.pong`: replies to id-less requests (§7.1). */
function onReplyNotification(ctx: Ctx, kind: PendingRequest['kind'], params: JsonObject): void {
  const request = dropRequest(ctx, (r) => r.kind === kind);
  if (request === null) return;
  settleRequest(ctx, request, params['data'] ?? null);
}

// ---------------------------------------------------------------------------------------
// channels.info events (§8.1)
// ---------------------------------------------------------------------------------------

function adoptFsmId(ctx: Ctx, fsmId: Encoded<'ba'>): boolean {
  const s = ctx.s;
  if (s.fsmId === fsmId) return false;
  s.fsmId = fsmId;
  return true;
}

/** A row of {@link INFO_EVENTS}. */
interface InfoRule {
  /** Phases in which the event is expected. */
  phases: readonly Phase[];
  /** Phases the handler may move to (for the diagram). */
  next: readonly Phase[];
  /** The flow it implements. */
  flow: string;
  handle: (ctx: Ctx, data: JsonObject, params: JsonObject) => void;
}

const LIVE: readonly Phase[] = ['awaitingFsmUp', 'opening', 'open', 'closing', 'closed'];
const CHANNEL: readonly Phase[] = ['opening', 'open', 'closing'];

function announce(kind: AckOperation['kind']): InfoRule['handle'] {
  return (ctx) => {
    if (ctx.s.ack === null) ctx.s.ack = { kind, stage: 'announced', sign: null };
  };
}

const noop: InfoRule['handle'] = () => undefined;

/** `channels.info` events: `data.event` -> rule. Unknown events are reported as `info` events. */
export const INFO_EVENTS: Readonly<Record<string, InfoRule>> = {
  fsm_up: {
    phases: ['awaitingFsmUp'],
    next: ['opening', 'open', 'closing'],
    flow: 'First message on a socket (§8.1). Open: the open handshake follows (§9.2). Reconnect: same fsm id, the channel continues where it was (§6.3 case 1). Reestablish: a new fsm id, persisted; channel_reestablished/open follow (§9.7).',
    handle: (ctx, data) => {
      const s = ctx.s;
      const fsmId = asString(data['fsm_id']);
      delete s.timers.fsmUp;
      if (fsmId === null) {
        emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'fsm_up without an fsm id.', {}));
        return;
      }
      const changed = adoptFsmId(ctx, fsmId as Encoded<'ba'>);
      emit(ctx, { type: 'fsmUp', fsmId: fsmId as Encoded<'ba'> });
      const reconnect = dropRequest(ctx, (r) => r.kind === 'reconnect');
      if (reconnect?.commandId != null) settleOk<'reconnect'>(ctx, reconnect.commandId, { fsmId: fsmId as Encoded<'ba'> });
      if (s.phase === 'awaitingFsmUp') {
        if (s.mode === 'reconnect' && s.round >= 1n) {
          s.phase = s.closingBy === null ? 'open' : 'closing';
          setStatus(ctx, s.phase === 'open' ? 'open' : 'closing');
        } else {
          s.phase = 'opening';
        }
      }
      if (changed && s.channelId !== null && s.round >= 1n) startPersist(ctx, null);
    },
  },
  channel_open: { phases: ['opening'], next: [], flow: 'Responder: the initiator asked to open (§9.2 step 3).', handle: noop },
  channel_accept: {
    phases: ['opening'],
    next: [],
    flow: 'Initiator: the responder accepted (§9.2 step 4); status accepted.',
    handle: (ctx) => setStatus(ctx, 'accepted'),
  },
  funding_created: {
    phases: ['opening'],
    next: [],
    flow: 'Responder: the initiator signed the create tx (§9.2 step 7); status halfSigned; fsm_id may be attached (§11).',
    handle: (ctx, data) => {
      const fsmId = asString(data['fsm_id']);
      if (fsmId !== null) adoptFsmId(ctx, fsmId as Encoded<'ba'>);
      setStatus(ctx, 'halfSigned');
    },
  },
  funding_signed: {
    phases: ['opening'],
    next: [],
    flow: 'Initiator: the responder co-signed the create tx (§9.2 step 11); status signed.',
    handle: (ctx, data) => {
      const fsmId = asString(data['fsm_id']);
      if (fsmId !== null) adoptFsmId(ctx, fsmId as Encoded<'ba'>);
      setStatus(ctx, 'signed');
    },
  },
  own_funding_locked: { phases: ['opening'], next: [], flow: 'Create tx at own min depth (§9.2 step 14).', handle: noop },
  funding_locked: { phases: ['opening'], next: [], flow: 'Peer saw the create tx at min depth (§9.2 step 15).', handle: noop },
  open: {
    phases: ['opening', 'open', 'closing'],
    next: ['open'],
    flow: 'Channel usable (§9.2 step 16, after reestablish §9.7, or back from closing).',
    handle: (ctx) => {
      ctx.s.phase = 'open';
      ctx.s.closingBy = null;
      setStatus(ctx, 'open');
    },
  },
  update: { phases: ['open'], next: [], flow: 'Acknowledger: the peer proposed an off-chain update; sign.update_ack follows (§9.3).', handle: announce('transfer') },
  deposit_created: { phases: ['open'], next: [], flow: 'Acknowledger: the peer proposed a deposit; sign.deposit_ack follows (§9.4).', handle: announce('deposit') },
  withdraw_created: { phases: ['open'], next: [], flow: 'Acknowledger: the peer proposed a withdrawal; sign.withdraw_ack follows (§9.4).', handle: announce('withdraw') },
  shutdown: { phases: ['open', 'closing'], next: [], flow: 'Acknowledger: the peer proposed a mutual close; sign.shutdown_sign_ack follows (§9.10).', handle: announce('shutdown') },
  own_deposit_locked: { phases: ['open'], next: [], flow: 'Deposit tx at own min depth (§9.4).', handle: noop },
  deposit_locked: { phases: ['open'], next: [], flow: 'Peer saw the deposit at min depth (§9.4).', handle: noop },
  own_withdraw_locked: { phases: ['open'], next: [], flow: 'Withdraw tx at own min depth (§9.4).', handle: noop },
  withdraw_locked: { phases: ['open'], next: [], flow: 'Peer saw the withdrawal at min depth (§9.4).', handle: noop },
  aborted_update: { phases: CHANNEL, next: [], flow: 'Our abort was accepted (§9.6): the aborted operation settles with its error.', handle: (ctx) => onAbortedUpdate(ctx) },
  closing: {
    phases: ['opening', 'open', 'closing'],
    next: ['closing'],
    flow: 'Close mutual co-signed, or a solo close/slash on chain (§9.10, §9.11).',
    handle: (ctx) => {
      ctx.s.phase = 'closing';
      if (ctx.s.closingBy === null) ctx.s.closingBy = 'solo';
      setStatus(ctx, 'closing');
    },
  },
  closed_confirmed: {
    phases: ['closing', 'open'],
    next: ['closed'],
    flow: 'Closing tx at min depth (§9.10, §9.11); the node fsm stops next.',
    handle: (ctx) => {
      ctx.s.phase = 'closed';
      setStatus(ctx, 'closed');
      emit(ctx, { type: 'closed' });
      const notAllowed = (kind: string): AechannelError => fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${kind} is not possible: the channel is closed.`, { phase: 'closed' });
      for (const { commandId, command } of ctx.s.queue) settleError(ctx, commandId, notAllowed(command.kind));
      ctx.s.queue = [];
      if (ctx.s.own !== null) failOwn(ctx, notAllowed(ctx.s.own.command.kind));
    },
  },
  died: {
    phases: LIVE,
    next: ['died'],
    flow: 'The node fsm terminated (§9.8): every pending command settles with FSM_CHANNEL_DIED (a pending stop settles ok).',
    handle: (ctx) => {
      const s = ctx.s;
      s.phase = 'died';
      setStatus(ctx, 'died');
      emit(ctx, { type: 'died' });
      settleAllPending(ctx, (kind) => fsmError(FsmErrorCode.CHANNEL_DIED, `${kind} failed: the channel fsm died.`, {}), true);
    },
  },
  peer_disconnected: {
    phases: CHANNEL,
    next: [],
    flow: 'Responder with keep_running: the peer left (§9.8); pending operations fall back to the last co-signed state.',
    handle: (ctx) => {
      const s = ctx.s;
      emit(ctx, { type: 'peerDisconnected' });
      if (s.own !== null && !SOLO_KINDS.includes(s.own.command.kind)) {
        failOwn(ctx, fsmError(FsmErrorCode.PEER_DISCONNECTED, `${s.own.command.kind} failed: the peer disconnected.`, {}));
      }
      s.ack = null;
      s.signedAhead = null;
    },
  },
  channel_reestablished: { phases: ['opening', 'open'], next: [], flow: 'Reestablish handshake done (§9.7); open follows.', handle: noop },
  timeout: { phases: LIVE, next: [], flow: 'A node protocol timer fired (§9.9); died follows.', handle: noop },
  minimum_depth_achieved: { phases: CHANNEL, next: [], flow: 'Real confirmation after assume_minimum_depth (§7.3).', handle: noop },
  min_depth_achieved: { phases: CHANNEL, next: [], flow: 'Own snapshot at min depth (§9.12).', handle: noop },
};

/** `channels.info`: dispatch on `data.event`. */
function onInfo(ctx: Ctx, params: JsonObject): void {
  const data = isObject(params['data']) ? params['data'] : {};
  const event = asString(data['event']) ?? '';
  if (event !== 'fsm_up') emit(ctx, { type: 'info', event, data });
  const rule = INFO_EVENTS[event];
  if (rule === undefined) return; // unknown/informational events (bad_signature, zombie_channel, ...) are only reported
  if (!rule.phases.includes(ctx.s.phase)) {
    emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, `Unexpected channels.info ${event} in phase ${ctx.s.phase}.`, { event, phase: ctx.s.phase }));
    if (event !== 'died') return;
  }
  rule.handle(ctx, data, params);
}

// ---------------------------------------------------------------------------------------
// Other notifications
// ---------------------------------------------------------------------------------------

/** `channels.on_chain_tx` (§8.3). */
function onOnChainTx(ctx: Ctx, params: JsonObject): void {
  const s = ctx.s;
  const data = isObject(params['data']) ? params['data'] : {};
  const info = asString(data['info']) ?? '';
  const tx = asString(data['tx'] ?? data['signed_tx']);
  const txType = asString(data['type']);
  emit(ctx, { type: 'onChainTx', info, tx: tx as Encoded<'tx'> | null, txType });
  if (info === 'close_mutual') {
    // A close mutual this client co-signed (its own shutdown, or the peer's it acknowledged)
    // is known to be real. Any other report is not: the channel API cannot look a tx up on
    // chain, so only the node's own `info closing` (which follows a real one, §9.10) moves
    // the phase, and a fake report cannot latch the channel into closing (issue 11).
    if ((s.own?.command.kind === 'shutdown' && s.own.sign?.signedTx != null) || s.ack?.kind === 'shutdown') s.closingBy = 'mutual';
    const own = s.own;
    if (own !== null && own.command.kind === 'shutdown' && own.stage === 'awaitingCompletion' && own.sign?.signedTx != null) {
      s.own = null;
      s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === own.commandId));
      settleOk<'shutdown'>(ctx, own.commandId, { tx: tx !== null && tx.startsWith('tx_') && sameInner(tx as Encoded<'tx'>, own.sign.signedTx) ? (tx as Encoded<'tx'>) : own.sign.signedTx });
    }
    if (s.ack?.kind === 'shutdown') {
      s.ack = null;
      s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === null));
    }
  }
  if (tx !== null && tx.startsWith('tx_') && isForceProgress(tx as Encoded<'tx'>)) onForcedOnChain(ctx, info, tx as Encoded<'tx'>);
  // `solo_closing` / `can_slash` are reported just before `info closing` when the channel
  // enters closing (§8.3); that event records the solo close. On their own they change
  // nothing: a report the client cannot confirm must not decide the phase after a reconnect.
  // A snapshot, close solo or slash on chain carries a co-signed state as payload: that round
  // is now on chain (it decides whether a later solo tx may use an empty payload, §2.8).
  if ((info === 'channel_changed' || info === 'solo_closing') && tx !== null && tx.startsWith('tx_')) {
    const round = payloadRound(tx as Encoded<'tx'>);
    if (round !== null && round > s.onChainRound && round <= s.round) s.onChainRound = round;
  }
}

function isForceProgress(tx: Encoded<'tx'>): boolean {
  try {
    return unwrapSignedTx(tx).tx.tag === Tag.ChannelForceProgressTx;
  } catch {
    return false;
  }
}

/**
 * A force progress of this channel on chain (§8.3, CONTRACTS.md §3.4). `consumed_forced_progress`
 * (`channel_changed` on older nodes): one that continues our latest state is adopted as the
 * latest state (ours as we computed and signed it; the peer's after recomputing it).
 * `can_snapshot` / `can_slash`: it is based on an older state; reported, nothing adopted.
 */
function onForcedOnChain(ctx: Ctx, info: string, tx: Encoded<'tx'>): void {
  const s = ctx.s;
  const own = s.forced !== null && sameInner(s.forced.tx, tx);
  const round = (() => {
    try {
      const inner = unwrapSignedTx(tx).tx;
      return inner.tag === Tag.ChannelForceProgressTx ? inner.round : null;
    } catch {
      return null;
    }
  })();
  if (info === 'can_snapshot' || info === 'can_slash') {
    if (own) s.forced = null;
    emit(ctx, { type: 'forcedProgress', info, round, own, adopted: false, reason: `a force progress based on an older state is on chain (${info === 'can_snapshot' ? 'snapshot' : 'slash'} to replace it)` });
    return;
  }
  if (info !== 'consumed_forced_progress' && info !== 'channel_changed') return;
  if (s.latestState !== null && sameInner(s.latestState, tx)) return; // already adopted
  if (own) {
    adoptForced(ctx, tx, info);
    return;
  }
  const check = verifyForcedProgress(s, tx);
  if (!check.ok) {
    emit(ctx, { type: 'forcedProgress', info, round, own: false, adopted: false, reason: check.reason });
    if (check.needsEnv === undefined) {
      emit(ctx, { type: 'security', reason: `a force progress reported on chain was not adopted: ${check.reason}`, code: FsmErrorCode.SIGN_REQUEST_REJECTED, tag: null, details: { round } });
    }
    return;
  }
  emit(ctx, { type: 'forcedProgress', info, round: check.round, own: false, adopted: true, reason: null });
  adoptState(ctx, { state: tx, round: check.round, balances: check.balances, trees: check.trees, contractUpdate: check.contractUpdate, calls: check.calls, own: false, settle: null });
}

/** Adopts our own force progress (computed and verified when we signed it) as the latest state. */
function adoptForced(ctx: Ctx, tx: Encoded<'tx'>, info: string): void {
  const s = ctx.s;
  const forced = s.forced;
  if (forced === null) return;
  s.forced = null;
  if (forced.round !== s.round + 1n) {
    emit(ctx, { type: 'forcedProgress', info, round: forced.round, own: true, adopted: false, reason: `our force progress of round ${forced.round} no longer continues the latest state (round ${s.round})` });
    return;
  }
  emit(ctx, { type: 'forcedProgress', info, round: forced.round, own: true, adopted: true, reason: null });
  adoptState(ctx, { state: tx, round: forced.round, balances: forced.balances, trees: forced.trees, contractUpdate: forced.update, calls: forced.calls, own: true, settle: null });
}

/** Round of the co-signed state in the payload of a snapshot / close solo / slash tx, if any. */
function payloadRound(tx: Encoded<'tx'>): bigint | null {
  try {
    const inner = unwrapSignedTx(tx).tx;
    if (inner.tag !== Tag.ChannelSnapshotSoloTx && inner.tag !== Tag.ChannelCloseSoloTx && inner.tag !== Tag.ChannelSlashTx) return null;
    if (inner.payload.length === 0) return null;
    const payload = unwrapSignedTx(encode(inner.payload, 'tx')).tx;
    if (!('round' in payload)) return null;
    return typeof payload.round === 'bigint' ? payload.round : null;
  } catch {
    return null;
  }
}

/** `channels.message` (§8.5). */
function onMessage(ctx: Ctx, params: JsonObject): void {
  const data = isObject(params['data']) ? params['data'] : {};
  const message = isObject(data['message']) ? data['message'] : {};
  const from = asString(message['from']);
  const to = asString(message['to']);
  const info = asString(message['info']);
  if (from === null || to === null || info === null) {
    emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'Malformed channels.message.', { data }));
    return;
  }
  emit(ctx, { type: 'message', from: from as Encoded<'ak'>, to: to as Encoded<'ak'>, info });
}

/** `channels.leave {state}` (§9.7): a leave completed (ours or the peer's). */
function onLeave(ctx: Ctx, params: JsonObject): void {
  const s = ctx.s;
  const data = isObject(params['data']) ? params['data'] : {};
  const state = asString(data['state']) as Encoded<'tx'> | null;
  if (state !== null && s.latestState !== null && !sameInner(state, s.latestState)) {
    emit(ctx, { type: 'security', reason: 'channels.leave carries a state other than our latest co-signed one', code: FsmErrorCode.SIGN_REQUEST_REJECTED, tag: null, details: { round: s.round } });
  }
  emit(ctx, { type: 'leave', state });
  if (s.own !== null && s.own.command.kind === 'leave') {
    const own = s.own;
    s.own = null;
    dropRequest(ctx, (r) => r.rpcId === own.rpcId);
    settleOk<'leave'>(ctx, own.commandId, { state: s.latestState });
  }
}

/** A row of {@link NOTIFICATIONS}. */
interface NotificationRule {
  phases: readonly Phase[];
  flow: string;
  handle: (ctx: Ctx, params: JsonObject) => void;
}

/** Node notifications by method. `channels.sign.*` and `*.reply` are matched by prefix/suffix. */
export const NOTIFICATIONS: Readonly<Record<string, NotificationRule>> = {
  'channels.info': { phases: LIVE, flow: 'Node events (§8.1), dispatched on data.event (INFO_EVENTS).', handle: onInfo },
  'channels.update': { phases: CHANNEL, flow: 'Co-signed state of a completed round (§8.4): adopt, persist, settle.', handle: onChannelUpdate },
  'channels.conflict': { phases: CHANNEL, flow: 'Race or rejected update (§9.5): void the pending operation, idempotently.', handle: onConflict },
  'channels.on_chain_tx': { phases: CHANNEL, flow: 'Chain reports (§8.3); close_mutual completes a shutdown.', handle: onOnChainTx },
  'channels.message': { phases: LIVE, flow: 'Generic message from the peer (§8.5).', handle: onMessage },
  'channels.leave': { phases: CHANNEL, flow: 'A leave completed (§9.7).', handle: onLeave },
  'channels.error': {
    phases: LIVE,
    flow: 'Node-reported error, e.g. bad_signature (§8.7).',
    handle: (ctx, params) => {
      const data = isObject(params['data']) ? params['data'] : {};
      emitError(ctx, fsmError(FsmErrorCode.NODE_ERROR, `The node reported: ${String(asString(data['message']) ?? 'error')}.`, { data }));
    },
  },
  'channels.debug': {
    phases: LIVE,
    flow: 'Debug log (§8.7), reported as an info event.',
    handle: (ctx, params) => emit(ctx, { type: 'info', event: 'debug', data: params['data'] ?? null }),
  },
  'channels.system.pong': { phases: LIVE, flow: 'Reply to an id-less ping (§7.6).', handle: (ctx, params) => onReplyNotification(ctx, 'ping', params) },
};

const REPLY_NOTIFICATION_KIND: Readonly<Record<string, PendingRequest['kind']>> = {
  'channels.get.balances.reply': 'getBalances',
  'channels.get.poi.reply': 'getPoi',
  'channels.get.offchain_state.reply': 'getOffchainState',
  'channels.history.fetch.reply': 'getHistory',
  'channels.get.contract.reply': 'getContract',
  'channels.get.contract_call.reply': 'getContractCall',
  'channels.dry_run.call_contract.reply': 'dryRunCall',
  'channels.calls_pruned.reply': 'cleanContractCalls',
};

/** One parsed JSON-RPC message from the node. */
function onNodeObject(ctx: Ctx, message: JsonValue): void {
  const s = ctx.s;
  if (!isObject(message)) {
    emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'A node message that is not an object.', { message }));
    return;
  }
  const method = asString(message['method']);
  if (method === null) {
    if ('result' in message) onResult(ctx, message['id'], message['result'] ?? null);
    else if ('error' in message) onErrorReply(ctx, message['id'], message['error'] ?? null);
    else emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, 'A node message with neither method, result nor error.', { message }));
    return;
  }
  const params = isObject(message['params']) ? message['params'] : {};
  if (method.startsWith('channels.sign.')) {
    const tag = method.slice('channels.sign.'.length) as SignTag;
    if (!SIGN_TAGS.includes(tag)) {
      emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, `Unknown sign request ${method}.`, { method }));
      return;
    }
    if (!CHANNEL.includes(s.phase) && s.phase !== 'awaitingFsmUp') {
      emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, `${method} in phase ${s.phase}: not signed.`, { method, phase: s.phase }));
      return;
    }
    onSignRequest(ctx, tag, params);
    return;
  }
  const replyKind = REPLY_NOTIFICATION_KIND[method];
  if (replyKind !== undefined) {
    onReplyNotification(ctx, replyKind, params);
    return;
  }
  const rule = NOTIFICATIONS[method];
  if (rule === undefined) {
    emit(ctx, { type: 'info', event: method, data: params });
    return;
  }
  if (!rule.phases.includes(s.phase)) {
    emitError(ctx, fsmError(FsmErrorCode.INVALID_NODE_MESSAGE, `Unexpected ${method} in phase ${s.phase}.`, { method, phase: s.phase }));
    return;
  }
  rule.handle(ctx, params);
}

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

/** A row of {@link COMMAND_RULES}. */
interface CommandRule {
  /** Phases in which the command is accepted. */
  phases: readonly Phase[];
  /** Operations run one at a time (queued while the channel is busy); others go out at once. */
  operation: boolean;
  flow: string;
}

const SESSION: readonly Phase[] = ['awaitingFsmUp', 'opening', 'open', 'closing', 'closed'];

/** Which commands each phase accepts (§7, §9). */
export const COMMAND_RULES: Readonly<Record<CommandKind, CommandRule>> = {
  transfer: { phases: ['open'], operation: true, flow: 'channels.update.new -> sign.update -> channels.update (§9.3)' },
  deposit: { phases: ['open'], operation: true, flow: 'channels.deposit -> sign.deposit_tx -> ... -> channels.update (§9.4)' },
  withdraw: { phases: ['open'], operation: true, flow: 'channels.withdraw -> sign.withdraw_tx -> ... -> channels.update (§9.4)' },
  shutdown: { phases: ['open', 'closing'], operation: true, flow: 'channels.shutdown -> sign.shutdown_sign -> on_chain_tx close_mutual (§9.10)' },
  closeSolo: { phases: ['open'], operation: true, flow: 'channels.close_solo -> sign.close_solo_sign -> ok (§9.11)' },
  // Also while open, as the node accepts it: its FSM may be closing already while the
  // can_slash / info closing notices are still on their way to this socket.
  slash: { phases: ['open', 'closing'], operation: true, flow: 'channels.slash -> sign.slash_tx -> ok (§9.11)' },
  settle: { phases: ['closing'], operation: true, flow: 'channels.settle -> sign.settle_sign -> ok (§9.11)' },
  snapshotSolo: { phases: ['open'], operation: true, flow: 'channels.snapshot_solo -> sign.snapshot_solo_tx -> ok (§9.12)' },
  forceProgress: { phases: ['open', 'closing'], operation: true, flow: 'channels.force_progress -> sign.force_progress_tx -> ok (§9.13)' },
  leave: { phases: ['open'], operation: true, flow: 'channels.leave -> channels.leave {state} (§9.7)' },
  assumeMinimumDepth: { phases: CHANNEL, operation: false, flow: 'channels.assume_minimum_depth -> ok (§7.3)' },
  sendMessage: { phases: CHANNEL, operation: false, flow: 'channels.message (§7.6), settled when sent' },
  getBalances: { phases: CHANNEL, operation: false, flow: 'channels.get.balances -> result (§7.5)' },
  getPoi: { phases: CHANNEL, operation: false, flow: 'channels.get.poi -> result (§7.5)' },
  getOffchainState: { phases: CHANNEL, operation: false, flow: 'channels.get.offchain_state -> result (§7.5)' },
  getHistory: { phases: CHANNEL, operation: false, flow: 'channels.history.fetch -> result: the node fsm event log (§7.5)' },
  ping: { phases: SESSION, operation: false, flow: 'channels.system ping -> pong (§7.6)' },
  // Also after died while the socket is still open: the node answers ok (§9.8).
  stop: { phases: [...SESSION, 'died'], operation: false, flow: 'channels.system stop -> ok / died (§7.6)' },
  reconnect: { phases: ['disconnected'], operation: false, flow: 'connect with existing_channel_id/existing_fsm_id -> fsm_up (§6.3)' },
  newContract: { phases: ['open'], operation: true, flow: 'channels.update.new_contract -> sign.update (VM-recomputed) -> channels.update (§9.3, CONTRACTS.md §2.2)' },
  callContract: { phases: ['open'], operation: true, flow: 'channels.update.call_contract -> sign.update (VM-recomputed) -> channels.update (§9.3, CONTRACTS.md §2.3)' },
  dryRunCall: { phases: CHANNEL, operation: false, flow: 'channels.dry_run.call_contract -> call object, checked against our own run (§7.2)' },
  getContract: { phases: CHANNEL, operation: false, flow: 'channels.get.contract -> contract and store, checked against our trees (§7.5)' },
  getContractCall: { phases: CHANNEL, operation: false, flow: 'channels.get.contract_call -> call object, checked against our record of the round (§7.5)' },
  cleanContractCalls: { phases: CHANNEL, operation: false, flow: 'channels.clean_contract_calls -> calls_pruned (§7.5)' },
};

const OPERATION_METHOD: Partial<Record<CommandKind, string>> = {
  transfer: 'channels.update.new',
  deposit: 'channels.deposit',
  withdraw: 'channels.withdraw',
  shutdown: 'channels.shutdown',
  closeSolo: 'channels.close_solo',
  slash: 'channels.slash',
  settle: 'channels.settle',
  snapshotSolo: 'channels.snapshot_solo',
  forceProgress: 'channels.force_progress',
  leave: 'channels.leave',
  newContract: 'channels.update.new_contract',
  callContract: 'channels.update.call_contract',
};

function onChainParams(c: { fee?: bigint; gasPrice?: bigint; nonce?: bigint }): JsonObject {
  const p: JsonObject = {};
  if (c.fee !== undefined) p['fee'] = c.fee;
  if (c.gasPrice !== undefined) p['gas_price'] = c.gasPrice;
  if (c.nonce !== undefined) p['nonce'] = c.nonce;
  return p;
}

function withMeta(p: JsonObject, c: { meta?: readonly string[]; blockHash?: string }): JsonObject {
  if (c.meta !== undefined) p['meta'] = [...c.meta];
  if (c.blockHash !== undefined) p['block_hash'] = c.blockHash;
  return p;
}

/** The request params of an operation command (§7.2, §7.3, §7.6). */
function operationParams(command: Command): JsonObject {
  switch (command.kind) {
    case 'transfer':
      return withMeta({ from: command.from, to: command.to, amount: command.amount }, command);
    case 'deposit':
    case 'withdraw':
      return withMeta({ amount: command.amount, ...onChainParams(command) }, command);
    case 'newContract':
      return withMeta({ code: command.code, call_data: command.callData, vm_version: command.vmVersion, abi_version: command.abiVersion, deposit: command.deposit }, command);
    case 'callContract':
      return withMeta({ contract_id: command.contractId, call_data: command.callData, abi_version: command.abiVersion, amount: command.amount }, command);
    case 'forceProgress': {
      const p: JsonObject = {
        contract_id: command.contractId,
        abi_version: command.abiVersion,
        amount: command.amount,
        call_data: command.callData,
        gas_price: command.gasPrice,
      };
      if (command.gas !== undefined) p['gas'] = command.gas;
      if (command.nonce !== undefined) p['nonce'] = command.nonce;
      return p;
    }
    case 'shutdown':
    case 'closeSolo':
    case 'slash':
    case 'settle':
    case 'snapshotSolo':
      return onChainParams(command);
    default:
      return {};
  }
}

/** Local checks before an operation is sent (h11's LocalProtocolError): null = fine. */
function commandProblem(s: ChannelState, command: Command): AechannelError | null {
  const invalid = (message: string, context: Record<string, unknown> = {}): AechannelError => fsmError(FsmErrorCode.INVALID_COMMAND, message, { kind: command.kind, ...context });
  const self = s.options.role === 'initiator' ? s.options.initiatorId : s.options.responderId;
  const balance = (id: string): bigint | undefined => s.balances[id as Encoded<'ak'>];
  switch (command.kind) {
    case 'transfer': {
      if (command.amount < 0n) return invalid('The transfer amount is negative.', { amount: command.amount });
      if (balance(command.from) === undefined || balance(command.to) === undefined || command.from === command.to) {
        return invalid('A transfer must go between the two participants.', { from: command.from, to: command.to });
      }
      if (balance(command.from)! - command.amount < s.options.channelReserve) {
        return invalid('Insufficient balance: the payer would go below the channel reserve.', { balance: balance(command.from), amount: command.amount });
      }
      return null;
    }
    case 'deposit':
      return command.amount > 0n ? null : invalid('The deposit amount must be positive.', { amount: command.amount });
    case 'withdraw': {
      if (command.amount <= 0n) return invalid('The withdrawal amount must be positive.', { amount: command.amount });
      const own = balance(self);
      if (own === undefined || own - command.amount < s.options.channelReserve) {
        return invalid('Insufficient balance: the withdrawal would go below the channel reserve.', { balance: own, amount: command.amount });
      }
      return null;
    }
    case 'snapshotSolo': {
      // §7.3: 1012 when the latest state is not an off-chain tx; 1013 when it is already on chain.
      if (s.latestState === null) return invalid('No co-signed state to snapshot.');
      const inner = decodeSignedTx(s.latestState).tx;
      if (inner.tag !== Tag.ChannelOffChainTx) return fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, 'The latest state is not an off-chain tx (node error 1012).', { kind: command.kind });
      if (s.onChainRound >= s.round) return fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, 'The latest state is already on chain (node error 1013).', { kind: command.kind });
      return null;
    }
    case 'shutdown':
      return s.closingBy === 'mutual' ? fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, 'A mutual close is already under way.', { kind: command.kind }) : null;
    case 'newContract': {
      const problem = contractCommandProblem(command);
      if (problem !== null) return invalid(problem);
      const own = balance(self);
      if (own === undefined || own - command.deposit < s.options.channelReserve) {
        return invalid('Insufficient balance: the deposit would leave the owner below the channel reserve (node error 1001).', { balance: own, deposit: command.deposit });
      }
      return null;
    }
    case 'callContract': {
      const problem = contractCommandProblem(command);
      if (problem !== null) return invalid(problem);
      const own = balance(self);
      if (own === undefined || own - command.amount < s.options.channelReserve) {
        return invalid('Insufficient balance: the amount would leave the caller below the channel reserve (node error 1001).', { balance: own, amount: command.amount });
      }
      if (s.trees === null || getContractJson(latestTrees(s), command.contractId) === undefined) return invalid('No such contract in the channel state.', { contractId: command.contractId });
      return null;
    }
    case 'slash':
      // While open (closingBy null) it goes to the node, whose FSM may already be closing.
      return s.closingBy !== 'mutual' ? null : fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, 'slash needs a channel that is open or in solo closing.', { kind: command.kind });
    case 'settle':
      return s.closingBy === 'solo' ? null : fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${command.kind} needs a channel in solo closing.`, { kind: command.kind });
    default:
      return null;
  }
}

const isSmallUint = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v < 65536n;
const isAmount = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n;

/**
 * What is wrong with the arguments of a contract command or query (the node's 1006, 1008,
 * 1009, 1005 and negative amounts, caught before anything is sent), or null.
 */
function contractCommandProblem(command: Command): string | null {
  switch (command.kind) {
    case 'newContract':
      if (canonicalCb(command.code) === null) return 'code is not a cb_ contract byte array (node error 1009).';
      if (canonicalCb(command.callData) === null) return 'callData is not a cb_ byte array (node error 1009).';
      if (!isSmallUint(command.vmVersion) || !isSmallUint(command.abiVersion)) return 'vmVersion and abiVersion must be small integers (node error 1008).';
      if (!isAmount(command.deposit)) return 'deposit must be a non-negative integer (node error 1008).';
      return null;
    case 'callContract':
    case 'dryRunCall':
      if (!validContractId(command.contractId)) return 'contractId is not a ct_ contract id (node error 1006).';
      if (canonicalCb(command.callData) === null) return 'callData is not a cb_ byte array (node error 1009).';
      if (!isSmallUint(command.abiVersion)) return 'abiVersion must be a small integer (node error 1008).';
      if (!isAmount(command.amount)) return 'amount must be a non-negative integer (node error 1008).';
      return null;
    case 'getContract':
      return validContractId(command.contractId) ? null : 'contractId is not a ct_ contract id (node error 1006).';
    case 'getContractCall':
      if (!validContractId(command.contractId)) return 'contractId is not a ct_ contract id (node error 1006).';
      if (!validAccountId(command.callerId)) return 'callerId is not an ak_ account id (node error 1005).';
      if (!isAmount(command.round)) return 'round must be a non-negative integer (node error 1008).';
      return null;
    case 'getPoi':
      if (command.accounts !== undefined && !(Array.isArray(command.accounts) && command.accounts.every(validAccountId))) return 'accounts must be ak_ account ids (node error 1005).';
      if (command.contracts !== undefined && !(Array.isArray(command.contracts) && command.contracts.every(validContractId))) return 'contracts must be ct_ contract ids (node error 1006).';
      return null;
    default:
      return null;
  }
}

function isBusy(s: ChannelState): boolean {
  return s.own !== null || s.ack !== null || s.persisting !== null;
}

/** Starts an operation command now (the channel is idle and the phase allows it). */
function startOperation(ctx: Ctx, commandId: number, command: Command): void {
  const s = ctx.s;
  const problem = commandProblem(s, command);
  if (problem !== null) {
    settleError(ctx, commandId, problem);
    return;
  }
  const method = OPERATION_METHOD[command.kind]!;
  const rpcId = send(ctx, method, operationParams(command), { kind: command.kind, commandId });
  // Requests that start a signing round: the "ok" is bookkeeping; a reply timeout still applies until the sign request.
  s.own = { commandId, command, stage: 'requested', rpcId, sign: null, abort: null };
}

/** Starts queued operations while the channel is idle (called after every input). */
function pump(ctx: Ctx): void {
  const s = ctx.s;
  while (!isBusy(s) && s.queue.length > 0) {
    const next = s.queue.shift()!;
    if (!COMMAND_RULES[next.command.kind].phases.includes(s.phase)) {
      settleError(ctx, next.commandId, fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${next.command.kind} is not allowed in phase ${s.phase}.`, { phase: s.phase }));
      continue;
    }
    startOperation(ctx, next.commandId, next.command);
  }
}

/**
 * A command whose values have the wrong type (commands can come from untyped callers: JSON,
 * a replayed recording that sends `"amount": "abc"` on purpose): refused with
 * `FSM_INVALID_COMMAND` before anything reads them, never an internal error. null = fine.
 */
function commandTypeProblem(command: Command): AechannelError | null {
  const fields = command as unknown as Record<string, unknown>;
  const wrong = (field: string, expected: string): AechannelError =>
    fsmError(FsmErrorCode.INVALID_COMMAND, `${field} must be ${expected}.`, { kind: command.kind, field, got: typeof fields[field] });
  for (const field of ['amount', 'fee', 'gasPrice', 'nonce']) {
    if (fields[field] !== undefined && typeof fields[field] !== 'bigint') return wrong(field, 'an integer (bigint)');
  }
  for (const field of ['from', 'to', 'info', 'txHash', 'blockHash']) {
    if (fields[field] !== undefined && typeof fields[field] !== 'string') return wrong(field, 'a string');
  }
  for (const field of ['accounts', 'contracts', 'meta']) {
    const value = fields[field];
    if (value !== undefined && !(Array.isArray(value) && value.every((entry) => typeof entry === 'string'))) return wrong(field, 'a list of strings');
  }
  return null;
}

/** `command`: accept, queue or reject (COMMAND_RULES). */
function onCommand(ctx: Ctx, input: Extract<Input, { type: 'command' }>): void {
  const s = ctx.s;
  const { commandId, command } = input;
  const rule = COMMAND_RULES[command.kind];
  if (rule === undefined) {
    settleError(ctx, commandId, fsmError(FsmErrorCode.INVALID_COMMAND, 'Unknown command kind.', { kind: (command as { kind: unknown }).kind }));
    return;
  }
  const mistyped = commandTypeProblem(command);
  if (mistyped !== null) {
    settleError(ctx, commandId, mistyped);
    return;
  }
  if (!rule.phases.includes(s.phase)) {
    settleError(ctx, commandId, fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${command.kind} is not allowed in phase ${s.phase}.`, { kind: command.kind, phase: s.phase, status: s.status }));
    return;
  }
  if ((s.phase === 'closed' || s.phase === 'died') && !s.socketOpen) {
    // The node closed the socket after the channel ended: there is nothing to send on.
    settleError(ctx, commandId, fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${command.kind} is not possible: the channel ended and its socket is closed.`, { kind: command.kind, phase: s.phase, status: s.status }));
    return;
  }
  if (rule.operation) {
    if (isBusy(s) || s.queue.length > 0) s.queue.push({ commandId, command });
    else startOperation(ctx, commandId, command);
    return;
  }
  const queryProblem = contractCommandProblem(command);
  if (queryProblem !== null) {
    settleError(ctx, commandId, fsmError(FsmErrorCode.INVALID_COMMAND, queryProblem, { kind: command.kind }));
    return;
  }
  switch (command.kind) {
    case 'ping':
      send(ctx, 'channels.system', { action: 'ping' }, { kind: 'ping', commandId });
      return;
    case 'stop':
      send(ctx, 'channels.system', { action: 'stop' }, { kind: 'stop', commandId });
      return;
    case 'sendMessage': {
      const params: JsonObject = { to: command.to, info: command.info };
      if (command.from !== undefined) params['from'] = command.from;
      send(ctx, 'channels.message', params, null);
      settleOk<'sendMessage'>(ctx, commandId, null);
      return;
    }
    case 'getBalances':
      send(ctx, 'channels.get.balances', { accounts: [...command.accounts] }, { kind: 'getBalances', commandId });
      return;
    case 'getPoi': {
      const params: JsonObject = {};
      if (command.accounts !== undefined) params['accounts'] = [...command.accounts];
      if (command.contracts !== undefined) params['contracts'] = [...command.contracts];
      send(ctx, 'channels.get.poi', params, { kind: 'getPoi', commandId, query: { command, round: s.round } });
      return;
    }
    case 'getOffchainState':
      send(ctx, 'channels.get.offchain_state', {}, { kind: 'getOffchainState', commandId });
      return;
    case 'dryRunCall': {
      const params: JsonObject = { contract_id: command.contractId, call_data: command.callData, abi_version: command.abiVersion, amount: command.amount };
      if (command.blockHash !== undefined) params['block_hash'] = command.blockHash;
      send(ctx, 'channels.dry_run.call_contract', params, { kind: 'dryRunCall', commandId, query: { command, round: s.round } });
      return;
    }
    case 'getContract':
      send(ctx, 'channels.get.contract', { pubkey: command.contractId }, { kind: 'getContract', commandId, query: { command, round: s.round } });
      return;
    case 'getContractCall':
      send(ctx, 'channels.get.contract_call', { contract_id: command.contractId, caller_id: command.callerId, round: command.round }, { kind: 'getContractCall', commandId, query: { command, round: s.round } });
      return;
    case 'cleanContractCalls':
      send(ctx, 'channels.clean_contract_calls', {}, { kind: 'cleanContractCalls', commandId });
      return;
    case 'getHistory': {
      const params: JsonObject = {};
      if (command.n !== undefined) params['n'] = command.n;
      if (command.types !== undefined) params['type'] = [...command.types];
      send(ctx, 'channels.history.fetch', params, { kind: 'getHistory', commandId });
      return;
    }
    case 'assumeMinimumDepth':
      send(ctx, 'channels.assume_minimum_depth', { tx_hash: command.txHash }, { kind: 'assumeMinimumDepth', commandId });
      return;
    case 'reconnect': {
      if (s.channelId === null || (s.fsmId === null && s.connectOptions?.existingFsmId === undefined)) {
        settleError(ctx, commandId, fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, 'Reconnect needs a channel id and an fsm id.', { channelId: s.channelId, fsmId: s.fsmId }));
        return;
      }
      s.mode = 'reconnect';
      s.rejection = null;
      s.phase = 'connecting';
      setStatus(ctx, 'connecting');
      s.requests.push({ rpcId: 0n, method: 'connect', commandId, kind: 'reconnect', deadline: null });
      ctx.fx.push({ type: 'connect', query: buildConnectQuery(s) });
      return;
    }
    default:
      settleError(ctx, commandId, fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${command.kind} is not allowed in phase ${s.phase}.`, { phase: s.phase }));
  }
}

// ---------------------------------------------------------------------------------------
// Connection inputs and timers
// ---------------------------------------------------------------------------------------

/** `start`: ask the driver to connect (open §6.2, or reconnect/reestablish §6.3). */
function onStart(ctx: Ctx): void {
  ctx.s.phase = 'connecting';
  setStatus(ctx, 'connecting');
  ctx.fx.push({ type: 'connect', query: buildConnectQuery(ctx.s) });
}

/** `transportOpened`: socket up; wait for fsm_up (client timer `fsmUp`). */
function onTransportOpened(ctx: Ctx): void {
  ctx.s.phase = 'awaitingFsmUp';
  ctx.s.socketOpen = true;
  setStatus(ctx, 'connected');
  ctx.s.timers.fsmUp = ctx.now + (ctx.s.options.clientTimeouts?.fsmUp ?? DEFAULT_CLIENT_TIMEOUTS.fsmUp);
}

/** `transportClosed`: settle everything with FSM_CONNECTION_CLOSED (§9.8); keep what a reconnect needs. */
function onTransportClosed(ctx: Ctx, input: Extract<Input, { type: 'transportClosed' }>): void {
  const s = ctx.s;
  const rejection = s.rejection;
  settleAllPending(
    ctx,
    (kind) =>
      rejection === null
        ? fsmError(FsmErrorCode.CONNECTION_CLOSED, `${kind} failed: the connection closed.`, { code: input.code ?? null, reason: input.reason ?? null })
        : fsmError(FsmErrorCode.CONNECTION_REJECTED, `${kind} failed: the node rejected the connection (${rejection.code} ${rejection.message}).`, rejection),
    false,
  );
  s.timers = {};
  s.socketOpen = false;
  if (s.phase !== 'died' && s.phase !== 'closed') {
    s.phase = 'disconnected';
    setStatus(ctx, 'disconnected');
  }
}

/** `timerFired`: expire what is due; early calls do nothing. */
function onTimerFired(ctx: Ctx, input: Extract<Input, { type: 'timerFired' }>): void {
  const s = ctx.s;
  const at = s.timers[input.timer];
  if (at === undefined || at > ctx.now) return;
  delete s.timers[input.timer];
  if (input.timer === 'env') {
    const wait = s.envWait;
    if (wait === null) return;
    s.envWait = null;
    refuse(ctx, wait.tag, wait.key, 'the chain environment of the contract round was not supplied in time: it cannot be recomputed, so it is not signed', { requestId: wait.requestId }, VERIFICATION_ABORT_CODE);
    return;
  }
  if (input.timer === 'fsmUp') {
    if (s.phase !== 'awaitingFsmUp') return;
    emitError(ctx, fsmError(FsmErrorCode.TIMEOUT, 'The node did not send fsm_up in time.', {}));
    ctx.fx.push({ type: 'close', code: FSM_CLOSE_CODE, reason: 'fsm_up timeout' });
    return;
  }
  const due = s.requests.filter((r) => r.deadline !== null && r.deadline <= ctx.now);
  for (const request of due) {
    dropRequest(ctx, (r) => r === request);
    const error = fsmError(FsmErrorCode.TIMEOUT, `No reply to ${request.method} in time.`, { method: request.method });
    if (s.own !== null && (s.own.rpcId === request.rpcId || (request.kind === 'signReply' && request.commandId === s.own.commandId))) failOwn(ctx, error);
    else if (request.commandId !== null) settleError(ctx, request.commandId, error);
  }
}

/** `persisted`: unfreeze; settle the command of the persisted state; replay deferred inputs. */
function onPersisted(ctx: Ctx, input: Extract<Input, { type: 'persisted' }>): void {
  const s = ctx.s;
  if (s.persisting === null || s.persisting.persistId !== input.persistId) return;
  const { settle } = s.persisting;
  s.persisting = null;
  if (settle !== null) settleOk(ctx, settle.commandId, settle.result);
  const deferred = s.deferred;
  s.deferred = [];
  for (const next of deferred) dispatch(ctx, next);
}

/**
 * `verifiedState`: adopt the node's newer co-signed state after the driver verified both
 * signatures (§9.14: the latest co-signed state is all a client needs). Everything else is
 * checked here; a mismatch is a `security` event and nothing changes.
 */
function onVerifiedState(ctx: Ctx, input: Extract<Input, { type: 'verifiedState' }>): void {
  const s = ctx.s;
  const reject = (reason: string, details: JsonValue = null): void =>
    emit(ctx, { type: 'security', reason: `resync refused: ${reason}`, code: FsmErrorCode.SIGN_REQUEST_REJECTED, tag: null, details });
  let inner;
  try {
    inner = unwrapSignedTx(input.signedTx).tx;
  } catch {
    reject('the state cannot be decoded');
    return;
  }
  const round = 'round' in inner && typeof inner.round === 'bigint' ? inner.round : inner.tag === Tag.ChannelCreateTx ? 1n : null;
  if (round !== null && round <= s.round) return; // not newer: nothing to adopt
  if (round === null || !('channelId' in inner) || inner.channelId !== s.channelId || !('stateHash' in inner)) {
    reject('not a state of this channel', { channelId: s.channelId });
    return;
  }
  let trees;
  try {
    trees = unpackStateTrees(input.trees);
  } catch {
    reject('the trees cannot be decoded');
    return;
  }
  if (stateTreesHash(input.trees) !== inner.stateHash) {
    reject('the trees do not hash to the state hash of the tx', { round });
    return;
  }
  const balances: Record<Encoded<'ak'>, bigint> = {};
  for (const id of Object.keys(s.balances).length > 0 ? Object.keys(s.balances) : [s.options.initiatorId, s.options.responderId]) {
    const balance = trees.balances[id as Encoded<'ak'>];
    if (balance === undefined) {
      reject(`the trees lack the account ${id}`, { round });
      return;
    }
    balances[id as Encoded<'ak'>] = balance;
  }
  let settle: { commandId: number; result: CommandResults[CommandKind] } | null = null;
  // The round's own record, if this client verified it (its contract update and calls).
  let record: SignRecord | null = null;
  let own = false;
  if (s.own?.sign != null && sameInner(s.own.sign.tx, input.signedTx)) {
    record = s.own.sign;
    own = true;
    settle = { commandId: s.own.commandId, result: resultOf(s, s.own.command, input.signedTx, round, s.own.sign.calls ?? []) };
    const ownOp = s.own;
    s.own = null;
    s.requests = s.requests.filter((r) => !(r.kind === 'signReply' && r.commandId === ownOp.commandId));
  }
  if (s.ack?.sign != null && sameInner(s.ack.sign.tx, input.signedTx)) {
    record = s.ack.sign;
    s.ack = null;
  }
  if (s.opening.sign !== null && sameInner(s.opening.sign.tx, input.signedTx)) s.opening = { sign: null, refused: false };
  // Trees with contracts are kept whole (they are the state); a payment-only state is its balances.
  adoptState(ctx, {
    state: input.signedTx,
    round,
    balances,
    trees: trees.contracts.length > 0 ? input.trees : null,
    contractUpdate: record?.contractUpdate ?? null,
    calls: record?.calls ?? [],
    own,
    settle,
  });
}

// ---------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------

/** A cell of {@link TRANSITIONS}. */
export interface Transition {
  /** The flow this handler implements. */
  flow: string;
  /** Phases it may lead to (for the diagram; the current phase is implied). */
  next: readonly Phase[];
  handle: (ctx: Ctx, input: never) => void;
}

const command: Transition = { flow: 'accept / queue / reject the command (COMMAND_RULES)', next: [], handle: onCommand };
const nodeMessage: Transition = {
  flow: 'dispatch the node message (NOTIFICATIONS, INFO_EVENTS, sign requests, replies)',
  next: [],
  handle: (ctx: Ctx, input: Extract<Input, { type: 'nodeMessage' }>) => {
    if (Array.isArray(input.message)) for (const m of input.message) onNodeObject(ctx, m);
    else onNodeObject(ctx, input.message);
  },
};
const signed: Transition = { flow: 'forward the signed tx with the request key (§7.4)', next: [], handle: onSigned };
const signRefused: Transition = { flow: 'abort with the user code (§9.6); create: close', next: [], handle: onSignRefused };
const transportClosed: Transition = { flow: 'settle all pending with FSM_CONNECTION_CLOSED (§9.8)', next: ['disconnected'], handle: onTransportClosed };
const timerFired: Transition = { flow: 'expire due client timers', next: [], handle: onTimerFired };
const persisted: Transition = { flow: 'unfreeze, settle, replay deferred inputs', next: [], handle: onPersisted };
const envResolved: Transition = {
  flow: 'verify the contract round that waited for its chain environment; sign or refuse (CONTRACTS.md §2.8)',
  next: [],
  handle: onEnvResolved,
};
const verifiedState: Transition = {
  flow: 'resync: adopt the newer co-signed state the driver verified (trees hash = state hash), persist',
  next: [],
  handle: onVerifiedState,
};

/**
 * The transition table: `(phase, input kind) -> handler`. Missing cells: {@link UNHANDLED}.
 * (Inputs other than `transportClosed`/`persisted` that arrive while a persist is in
 * flight are deferred first; see the theory of operation.)
 */
export const TRANSITIONS: Readonly<Record<Phase, Partial<Record<InputKind, Transition>>>> = {
  initial: {
    start: { flow: 'emit connect with the open (§6.2) or reconnect/reestablish (§6.3) query', next: ['connecting'], handle: onStart },
    command,
  },
  connecting: {
    transportOpened: { flow: 'socket open: status connected, wait for fsm_up', next: ['awaitingFsmUp'], handle: onTransportOpened },
    transportClosed,
    command,
  },
  awaitingFsmUp: { nodeMessage: { ...nodeMessage, next: ['opening', 'open', 'closing', 'died'] }, command, transportClosed, timerFired, persisted },
  opening: { nodeMessage: { ...nodeMessage, next: ['open', 'closing', 'died'] }, command, signed, signRefused, transportClosed, timerFired, persisted, verifiedState },
  open: { nodeMessage: { ...nodeMessage, next: ['closing', 'closed', 'died'] }, command, signed, signRefused, transportClosed, timerFired, persisted, verifiedState, envResolved },
  closing: { nodeMessage: { ...nodeMessage, next: ['open', 'closed', 'died'] }, command, signed, signRefused, transportClosed, timerFired, persisted, verifiedState, envResolved },
  closed: { nodeMessage: { ...nodeMessage, next: ['died'] }, command, transportClosed: { ...transportClosed, next: [] }, timerFired, persisted },
  died: { nodeMessage: { ...nodeMessage, next: [] }, command, transportClosed: { ...transportClosed, next: [] }, persisted },
  disconnected: { command: { ...command, next: ['connecting'] }, persisted },
};

/** The one documented outcome of each input kind in a phase without a cell. */
export const UNHANDLED: Readonly<Record<InputKind, string>> = {
  start: 'ignored: the fsm was already started',
  transportOpened: 'ignored: no connect is in progress',
  transportClosed: 'ignored: no socket is open',
  nodeMessage: 'ignored: no socket is open in this phase',
  command: 'settled with FSM_COMMAND_NOT_ALLOWED',
  signed: 'ignored: nothing is being signed in this phase (a late answer for a voided request)',
  signRefused: 'ignored: nothing is being signed in this phase (an abort now would earn error 1018)',
  persisted: 'ignored: no persist is in flight',
  timerFired: 'ignored: no timer is armed in this phase',
  verifiedState: 'ignored: there is no channel session to resynchronise',
  envResolved: 'ignored: no sign request waits for a chain environment in this phase',
};

const DEFERRABLE: readonly InputKind[] = ['nodeMessage', 'command', 'signed', 'signRefused', 'timerFired', 'verifiedState', 'envResolved'];

function dispatch(ctx: Ctx, input: Input): void {
  const s = ctx.s;
  ctx.now = input.now;
  if (s.persisting !== null && DEFERRABLE.includes(input.type)) {
    s.deferred.push(input);
    return;
  }
  const cell = TRANSITIONS[s.phase][input.type];
  if (cell === undefined) {
    if (input.type === 'command') {
      settleError(ctx, input.commandId, fsmError(FsmErrorCode.COMMAND_NOT_ALLOWED, `${input.command.kind} is not allowed in phase ${s.phase}.`, { kind: input.command.kind, phase: s.phase }));
    }
    return;
  }
  (cell.handle as (ctx: Ctx, input: Input) => void)(ctx, input);
  pump(ctx);
}

const TIMER_NAMES = ['fsmUp', 'reply', 'env'] as const;

function syncTimers(ctx: Ctx, before: Partial<Record<TimerName, number>>): void {
  const s = ctx.s;
  // (the earliest reply deadline, in a loop: this runs after every input)
  let reply = Infinity;
  for (const request of s.requests) if (request.deadline !== null && request.deadline < reply) reply = request.deadline;
  if (reply !== Infinity && s.phase !== 'disconnected') s.timers.reply = reply;
  else if (s.timers.reply !== undefined) delete s.timers.reply;
  for (const timer of TIMER_NAMES) {
    const was = before[timer];
    const is = s.timers[timer];
    if (was === is) continue;
    if (is === undefined) ctx.fx.push({ type: 'clearTimer', timer });
    else ctx.fx.push({ type: 'setTimer', timer, at: is });
  }
}

/**
 * The reducer: applies one input and returns the next state and the effects to carry out,
 * in order. Pure and deterministic; never throws (a bug is reported as an
 * `FSM_INTERNAL_ERROR` event with the state unchanged).
 * @param state - the current state (not modified)
 * @param input - a fact: a node message, a command, a signer answer, a timer, ...
 * @returns `{ state, effects }`
 * @example
 * let state = createInitialState(options, { mode: 'open' });
 * ({ state } = step(state, { type: 'start', now: 0 }));
 * const { state: next, effects } = step(state, { type: 'transportOpened', now: 1 });
 */
export function step(state: ChannelState, input: Input): StepResult {
  const ctx: Ctx = { s: draftOf(state), fx: [], now: input.now };
  try {
    dispatch(ctx, input);
    syncTimers(ctx, state.timers);
    return { state: ctx.s, effects: ctx.fx };
  } catch (cause) {
    const error = fsmError(FsmErrorCode.INTERNAL, `Internal error while handling ${input.type}: ${cause instanceof Error ? cause.message : String(cause)}.`, {
      input: input.type,
      phase: state.phase,
    });
    if (isAechannelError(cause)) error.cause = cause;
    return { state, effects: [{ type: 'emit', event: { type: 'error', error } }] };
  }
}

/**
 * The state a step works on: new copies of the containers handlers change in place (the
 * top level, timers, counters, the operation slots and their sign records, the lists), and
 * everything else shared with the state the step was given: the options, commands, queued
 * inputs, requests, archived calls and every string (the `ss_` trees, contract code). A
 * handler that changes anything else replaces it (a new object), never writes into it; the
 * fsm tests run every step on a deep-frozen state to hold them to that
 * (`test/setup.frozenStates.ts`). So an input costs a few small copies, not a copy of the
 * whole state.
 */
function draftOf(state: ChannelState): ChannelState {
  // Field by field (one object shape, no spread of a 35-field object); a field added to
  // ChannelState and missing here fails the typecheck. What the handlers change in place is
  // copied (the pending commands, the queues, timers and counters); what they only ever
  // replace is shared with the previous state: the balances, the opening slot, the nonces,
  // the call archive and every sign record (onSigned replaces the record it completes).
  // Tests step deep-frozen states, so a handler that changed a shared part would throw.
  return {
    format: state.format,
    version: state.version,
    mode: state.mode,
    options: state.options,
    phase: state.phase,
    status: state.status,
    fsmId: state.fsmId,
    channelId: state.channelId,
    latestState: state.latestState,
    round: state.round,
    onChainRound: state.onChainRound,
    signedAhead: state.signedAhead,
    persisting: state.persisting,
    rejection: state.rejection,
    connectOptions: state.connectOptions,
    closingBy: state.closingBy,
    trees: state.trees,
    forced: state.forced,
    envWait: state.envWait,
    socketOpen: state.socketOpen,
    balances: state.balances,
    opening: state.opening,
    own: state.own === null ? null : { ...state.own },
    ack: state.ack === null ? null : { ...state.ack },
    queue: [...state.queue],
    requests: [...state.requests],
    deferred: [...state.deferred],
    timers: { ...state.timers },
    counters: { ...state.counters },
    ownNonces: state.ownNonces,
    callArchive: state.callArchive,
  };
}

/** Convenience for drivers and tests: the initial effects of a fresh state. */
export function start(state: ChannelState, now: number): StepResult {
  return step(state, { type: 'start', now });
}
