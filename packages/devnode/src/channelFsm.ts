/**
 * The node's per-participant channel FSM (PROTOCOL.md §9), written independently of
 * `@aechannel/fsm`.
 *
 * Theory of operation. Each channel has two FSMs, one per participant, each serving one
 * client socket. They talk through in-process messages that mirror the Noise peer messages
 * of §9.15 (`channel_open`, `update`, `update_ack`, `deposit_created`, ... ). Every input
 * (a client request, a peer message, a chain event, a timer) runs as one task of the
 * devnode's serial {@link EventQueue}, so the FSM never sees two inputs at once and message
 * races happen exactly where two real nodes would have them: a peer message is delivered
 * after the tasks already queued.
 *
 * The state names of §9.1 are kept (`awaiting_signature`, `half_signed`, `open`, ...). The
 * pending operation (`#op`) records what the client was asked to sign (sign tag, the exact
 * inner bytes, the updates and the state they lead to); a reply is accepted only if it
 * carries those inner bytes and a valid signature of this client (§3.2), and only then does
 * the FSM move on. Everything else about a request is answered the way the node answers it
 * (§7.1): `result "ok"` before the sign request, no reply to a successful request without
 * `id`, errors always.
 *
 * Notification order follows the recordings (§9.2–§9.13); the per-version differences of
 * §11 are switched by {@link CompatFlags}.
 *
 * It is one file because every flow reads and changes the same private state (`#state`,
 * `#op`, `#latest`, the calls archive) and the hand-overs between flows (a proposal racing a
 * request, a chain event ending an op) are what the file is about; its sections follow the
 * flows: opening, chain events, client requests (contracts and force progress in their own
 * section), sign replies, mutual operations, reestablish.
 *
 * The state of a channel is its full state trees (accounts, contracts with their stores,
 * the calls of the latest round). Every off-chain update, contract creates and calls
 * included, runs through the FATE VM of `@aechannel/fate` on both FSMs, against the chain
 * view of the block the proposal pins (CONTRACTS.md §2, §2.8); each FSM keeps its own
 * archive of call results (`channels.get.contract_call`, `cs_`). Force progress (§9.13,
 * CONTRACTS.md §3) is built, signed and posted like the other solo txs; the chain executes it.
 */
import {
  Tag,
  buildSignedTx,
  computeChannelId,
  decode,
  decodeSignedTx,
  deserializeObject,
  unwrapSignedTx,
  encode,
  isAechannelError,
  minimumDepth,
  serializeObject,
  splitCloseMutualFee,
  txHash,
  txTypeName,
  type ChannelOffChainUpdate,
  type Encoded,
  type JsonValue,
  type Tx,
  type TxOf,
  type TxWithFee,
} from '@aechannel/codec';
import { contractToJson, callObjectToJson, dryRun, packTrees, type CallObject, type ChainView, type ChannelTrees, type FateRulesPreset } from '@aechannel/fate';
import type { SimChain, IncludedTx } from './chain.js';
import type { DevnodeClock } from './clock.js';
import type { CompatFlags } from './compat.js';
import type { EventQueue } from './eventQueue.js';
import { withFee } from './fees.js';
import type { IdSource } from './keys.js';
import { layerAuthId } from './generalized.js';
import { CallsArchive, poiOf, readAccountId, readBytes, readContractId, readInt, required } from './contracts.js';
import {
  applyRound,
  callUpdateToJson,
  coSigned,
  initialTrees,
  stateHashOf,
  toUpdateObject,
  updateFailure,
  updatesToJson,
  type Balances,
  type CallContractUpdate,
  type CoSignedState,
  type OffChainUpdate,
} from './offchain.js';
import type { ReportTag, Role, TimerName } from './params.js';
import type { Pairable, PeerRegistry } from './peerRegistry.js';
import {
  RpcFailure,
  actionNotAllowed,
  conflictMessage,
  errorReply,
  internalError,
  invalidRequest,
  methodNotFound,
  notification,
  rejected,
  resultReply,
  type JsonObject,
  type RpcError,
  type RpcRequest,
} from './rpc.js';

/** Client requests that may wait behind an operation in flight (§9.4); more get 107. */
const MAX_POSTPONED = 16;
/** Entries the event history keeps at most, whatever `log_keep` asks for. */
const MAX_LOG_KEEP = 1000;
/** Longest tag or info of a history entry (a method name comes from the client). */
const MAX_LOG_TEXT = 200;

/** The FSM states of §9.1, plus `terminated`. */
export type FsmStateName =
  | 'awaiting_connect'
  | 'awaiting_open'
  | 'initialized'
  | 'accepted'
  | 'awaiting_signature'
  | 'half_signed'
  | 'awaiting_locked'
  | 'signed'
  | 'dep_half_signed'
  | 'wdraw_half_signed'
  | 'dep_signed'
  | 'wdraw_signed'
  | 'open'
  | 'awaiting_update_ack'
  | 'awaiting_leave_ack'
  | 'awaiting_reestablish'
  | 'reestablish_init'
  | 'mutual_closing'
  | 'mutual_closed'
  | 'channel_closing'
  | 'channel_closed'
  | 'terminated';

/** A client connection as the FSM sees it. */
export interface ClientSession {
  readonly id: number;
  readonly closed: boolean;
  /** Sends one node → client message. */
  send(message: JsonObject): void;
}

/** A request being handled, with the way to answer it (single or batch). */
export interface RequestContext {
  request: RpcRequest;
  session: ClientSession;
  /** Answers the request; may run long after the request (a postponed request, §9.4). */
  reply(message: JsonObject): void;
  /**
   * Set for an item of a batch (§6.1): an unexpected failure (not an {@link RpcFailure})
   * is reported to the host and answered with -32603, so the other items still get their
   * replies. Without it the failure propagates to the queue's error handler.
   */
  batchItem?: true;
}

/** The channel parameters an FSM runs with. */
export interface ChannelConfig {
  initiatorId: Encoded<'ak'> | undefined;
  responderId: Encoded<'ak'>;
  initiatorAmount: bigint;
  responderAmount: bigint;
  pushAmount: bigint;
  channelReserve: bigint;
  lockPeriod: bigint;
  /** Default TTL of on-chain txs after the create tx (§5.6). */
  ttl: bigint;
  createFee: bigint | undefined;
  createGasPrice: bigint | undefined;
  createNonce: bigint | undefined;
  minimumDepthStrategy: 'txfee' | 'plain' | undefined;
  minimumDepth: bigint | undefined;
  port: bigint;
  timeouts: Partial<Record<TimerName, number>>;
  report: Record<ReportTag, boolean>;
  keepRunning: boolean;
  msgForwarding: boolean;
  logKeep: bigint;
  bhDeltaNotNewerThan: bigint;
  bhDeltaNotOlderThan: bigint;
  bhDeltaPick: bigint;
}

/** What survives an FSM for a later reestablish (§9.7). */
export interface CachedChannel {
  channelId: Encoded<'ch'>;
  role: Role;
  fsmId: Uint8Array;
  config: ChannelConfig;
  latest: CoSignedState;
  /** The FSM's archive of call results. */
  calls: readonly CallObject[];
}

/** Services the devnode provides to its FSMs. */
export interface FsmHost {
  readonly chain: SimChain;
  readonly queue: EventQueue;
  readonly clock: DevnodeClock;
  readonly ids: IdSource;
  readonly networkId: string;
  readonly compat: CompatFlags;
  readonly createTxVersion: 1 | 2;
  /** The rules contracts run with (`ceres`, `iris` or the recordings' `early-iris`). */
  readonly fateRules: FateRulesPreset;
  readonly registry: PeerRegistry;
  /** Called when the FSM learns its channel id (reconnect lookups). */
  channelKnown(fsm: ChannelFsm): void;
  /** Called once when the FSM terminates; `cache` is set when the channel can be reestablished. */
  terminated(fsm: ChannelFsm, cache: CachedChannel | undefined): void;
  /** Runs a task after the simulated network latency (peer messages, mempool acknowledgements). */
  later(task: () => void | Promise<void>): void;
  /** Closes a client socket after the messages already queued went out. */
  closeSession(session: ClientSession): void;
  /**
   * Closes the socket of a client whose FSM just died, after a short grace in which the
   * client's `channels.system stop` is still answered (§9.8; the node answers it ok).
   */
  closeSessionAfterDied(session: ClientSession): void;
  /** Reports an unexpected internal error that was handled (the devnode's `onError`). */
  reportError(error: unknown): void;
  /** Fault knob: should this FSM treat the next peer proposal as crossing its own? */
  takeInjectedConflict(fsm: ChannelFsm): boolean;
}

type OpKind = 'create' | 'update' | 'deposit' | 'withdraw' | 'shutdown' | 'close_solo' | 'slash' | 'settle' | 'snapshot' | 'force_progress';

/** Sign tags of §8.2. */
export type SignTag =
  | 'initiator_sign'
  | 'responder_sign'
  | 'update'
  | 'update_ack'
  | 'deposit_tx'
  | 'deposit_ack'
  | 'withdraw_tx'
  | 'withdraw_ack'
  | 'shutdown_sign'
  | 'shutdown_sign_ack'
  | 'close_solo_sign'
  | 'slash_tx'
  | 'settle_sign'
  | 'snapshot_solo_tx'
  | 'force_progress_tx';

/** Reply methods of §7.4 and the sign tag each answers (`null`: accepted but never matches). */
export const replyMethods: Readonly<Record<string, SignTag | null>> = Object.freeze({
  'channels.initiator_sign': 'initiator_sign',
  'channels.responder_sign': 'responder_sign',
  'channels.update': 'update',
  'channels.update_ack': 'update_ack',
  'channels.deposit_tx': 'deposit_tx',
  'channels.deposit_ack': 'deposit_ack',
  'channels.withdraw_tx': 'withdraw_tx',
  'channels.withdraw_ack': 'withdraw_ack',
  'channels.shutdown_sign': 'shutdown_sign',
  'channels.shutdown_sign_ack': 'shutdown_sign_ack',
  'channels.close_solo_sign': 'close_solo_sign',
  'channels.close_solo_tx': 'close_solo_sign',
  'channels.slash_sign': 'slash_tx',
  'channels.slash_tx': 'slash_tx',
  'channels.settle_sign': 'settle_sign',
  'channels.settle_tx': 'settle_sign',
  'channels.snapshot_solo_sign': 'snapshot_solo_tx',
  // §7.4: maps to an internal tag that never matches.
  'channels.snapshot_solo_tx': null,
  'channels.force_progress_sign': 'force_progress_tx',
  'channels.force_progress_tx': 'force_progress_tx',
});

interface PendingOp {
  kind: OpKind;
  tag: SignTag;
  /** True when this FSM's client started it. */
  own: boolean;
  /** The tx handed to the client (possibly carrying the peer's signature). */
  toSign: Encoded<'tx'>;
  innerBytes: Uint8Array;
  tx: Tx;
  updates: OffChainUpdate[];
  /** The state the op leads to (update, deposit, withdraw), with the round's call objects. */
  next: NextState | undefined;
  blockHash: Encoded<'kh'>;
  /** The tx once this client signed it. */
  signed: Encoded<'tx'> | undefined;
  /** For settle: post only after the lock period. */
  waitUnlock?: boolean;
}

type MutualKind = 'update' | 'deposit' | 'withdraw' | 'shutdown';

/** A state an op leads to. */
interface NextState {
  round: bigint;
  trees: ChannelTrees;
  calls: readonly CallObject[];
}

/** In-process stand-ins for the peer messages of §9.15. */
export type PeerMessage =
  | {
      type: 'channel_open';
      initiatorId: Encoded<'ak'>;
      responderId: Encoded<'ak'>;
      initiatorAmount: bigint;
      responderAmount: bigint;
      pushAmount: bigint;
      channelReserve: bigint;
      lockPeriod: bigint;
    }
  | { type: 'channel_accept'; minimumDepth: bigint | undefined; minimumDepthStrategy: 'txfee' | 'plain' | undefined }
  | { type: 'funding_created'; tx: Encoded<'tx'> }
  | { type: 'funding_signed'; tx: Encoded<'tx'> }
  | { type: 'funding_locked' }
  | { type: 'proposal'; kind: MutualKind; tx: Encoded<'tx'>; updates: OffChainUpdate[]; blockHash: Encoded<'kh'> }
  | { type: 'proposal_ack'; kind: MutualKind; tx: Encoded<'tx'> }
  | { type: 'locked'; kind: 'deposit' | 'withdraw'; txHash: Encoded<'th'> }
  /** Refuses or abandons the proposal with these inner bytes (§9.15 `*_error`). */
  | { type: 'op_error'; kind: OpKind; round: bigint; errorCode: number; innerBytes: Uint8Array | undefined }
  | { type: 'leave' }
  | { type: 'leave_ack' }
  | { type: 'inband_msg'; from: Encoded<'ak'>; to: Encoded<'ak'>; info: string }
  | { type: 'channel_reestablish'; channelId: Encoded<'ch'>; tx: Encoded<'tx'> }
  | { type: 'channel_reest_ack'; tx: Encoded<'tx'> }
  | { type: 'fatal'; reason: string }
  | { type: 'disconnect' };

interface DepthWatch {
  hash: Encoded<'th'>;
  kind: 'funding' | 'deposit' | 'withdraw' | 'close' | 'snapshot';
  tx: Tx;
  assumed: boolean;
  cancel: () => void;
}

const ZERO_BLOCK_HASH = encode(new Uint8Array(32), 'kh');

/** Gas and gas price of every off-chain call (CONTRACTS.md §1.3). */
const OFFCHAIN_GAS = 1_000_000n;

const timerDefaults: Record<TimerName, number> = {
  accept: 120_000,
  funding_create: 120_000,
  funding_sign: 120_000,
  funding_lock: 360_000,
  idle: 600_000,
  sign: 500_000,
  initialized: 120_000,
  awaiting_open: 600_000,
};

const stateTimers: Partial<Record<FsmStateName, TimerName>> = {
  awaiting_connect: 'accept',
  initialized: 'initialized',
  awaiting_open: 'awaiting_open',
  accepted: 'funding_create',
  awaiting_signature: 'sign',
  half_signed: 'funding_sign',
  dep_half_signed: 'funding_sign',
  wdraw_half_signed: 'funding_sign',
  awaiting_locked: 'funding_lock',
  signed: 'funding_lock',
  dep_signed: 'funding_lock',
  wdraw_signed: 'funding_lock',
  open: 'idle',
  awaiting_reestablish: 'idle',
  mutual_closed: 'idle',
  channel_closing: 'idle',
  channel_closed: 'idle',
  awaiting_update_ack: 'accept',
  awaiting_leave_ack: 'accept',
  mutual_closing: 'accept',
  reestablish_init: 'accept',
};

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const signTagOf: Record<MutualKind, { own: SignTag; ack: SignTag }> = {
  update: { own: 'update', ack: 'update_ack' },
  deposit: { own: 'deposit_tx', ack: 'deposit_ack' },
  withdraw: { own: 'withdraw_tx', ack: 'withdraw_ack' },
  shutdown: { own: 'shutdown_sign', ack: 'shutdown_sign_ack' },
};

/** Info events announcing a peer proposal to the acknowledger (§8.1). */
const proposalEvent: Record<MutualKind, string> = {
  update: 'update',
  deposit: 'deposit_created',
  withdraw: 'withdraw_created',
  shutdown: 'shutdown',
};

/** One participant's channel FSM. */
export class ChannelFsm implements Pairable {
  readonly role: Role;
  readonly fsmId: Uint8Array;
  readonly fsmIdEncoded: Encoded<'ba'>;
  readonly config: ChannelConfig;
  #reestablishing: Encoded<'ch'> | undefined;
  #state: FsmStateName;
  #status: 'undefined' | 'open' | 'closing' | 'disconnected' = 'undefined';
  #channelId: Encoded<'ch'> | undefined;
  #reportedChannelId: Encoded<'ch'> | null = null;
  #peer: ChannelFsm | undefined;
  #client: ClientSession | undefined;
  #clientMayDisconnect = false;
  #latest: CoSignedState | undefined;
  #lastReportedRound: bigint | undefined;
  #op: PendingOp | undefined;
  #peerLockedEarly = false;
  #postponed: RequestContext[] = [];
  readonly #watches = new Map<Encoded<'th'>, DepthWatch>();
  #unsubscribeChain: (() => void) | undefined;
  #cancelUnlock: (() => void) | undefined;
  #timer: unknown;
  #timerGeneration = 0;
  #history: { type: string; tag: string; time: bigint; info: string }[] = [];
  readonly #calls: CallsArchive;
  readonly #host: FsmHost;

  constructor(
    host: FsmHost,
    role: Role,
    config: ChannelConfig,
    session: ClientSession,
    restore?: { channelId: Encoded<'ch'>; latest: CoSignedState; calls?: readonly CallObject[] },
  ) {
    this.#host = host;
    this.role = role;
    this.config = config;
    this.#client = session;
    this.fsmId = host.ids.next('fsm');
    this.fsmIdEncoded = encode(this.fsmId, 'ba');
    this.#reestablishing = restore?.channelId;
    this.#calls = new CallsArchive(restore?.calls ?? []);
    if (restore !== undefined) {
      this.#channelId = restore.channelId;
      this.#reportedChannelId = restore.channelId;
      this.#latest = restore.latest;
      this.#clientMayDisconnect = true;
    }
    this.#state = role === 'initiator' ? 'awaiting_connect' : restore === undefined ? 'awaiting_open' : 'awaiting_reestablish';
  }

  // ---------------------------------------------------------------------------------------
  // Getters

  /** The FSM state name (§9.1). */
  get state(): FsmStateName {
    return this.#state;
  }

  /** The channel id once known. */
  get channelId(): Encoded<'ch'> | undefined {
    return this.#channelId;
  }

  /** The latest co-signed state. */
  get latest(): CoSignedState | undefined {
    return this.#latest;
  }

  /** The attached client, if any. */
  get client(): ClientSession | undefined {
    return this.#client;
  }

  /** Own account. */
  get me(): Encoded<'ak'> {
    return (this.role === 'initiator' ? this.config.initiatorId : this.config.responderId) as Encoded<'ak'>;
  }

  /** The peer's account (undefined for a responder accepting `any` before `channel_open`). */
  get other(): Encoded<'ak'> | undefined {
    return this.role === 'initiator' ? this.config.responderId : this.config.initiatorId;
  }

  get port(): bigint {
    return this.config.port;
  }

  get initiatorKey(): Encoded<'ak'> | undefined {
    return this.config.initiatorId;
  }

  get responderKey(): Encoded<'ak'> {
    return this.config.responderId;
  }

  /** Set while the FSM reestablishes (or waits to reestablish) an existing channel. */
  get reestablishing(): Encoded<'ch'> | undefined {
    return this.#reestablishing;
  }

  /** The channel id the client sees (§7.1, §11). */
  get reportedChannelId(): Encoded<'ch'> | null {
    return this.#reportedChannelId;
  }

  // ---------------------------------------------------------------------------------------
  // Lifecycle

  /** Sends `fsm_up` and starts looking for the peer (§9.2 steps 1–2, §9.7). */
  start(): void {
    this.#info('fsm_up', { fsm_id: this.fsmIdEncoded });
    if (this.reestablishing !== undefined) this.#host.channelKnown(this);
    if (this.role === 'initiator') this.#host.registry.connect(this);
    else this.#host.registry.listen(this);
    this.#armTimer();
  }

  /** Called by the registry once paired with the peer FSM. */
  paired(peer: Pairable): void {
    this.#peer = peer as ChannelFsm;
    if (this.role !== 'initiator') return;
    // The initiator speaks first.
    this.#host.queue.enqueue(() => this.#onConnected());
  }

  /** Attaches a (re)connected client socket (§6.3 reconnect); the fsm id stays. */
  attach(session: ClientSession): void {
    const old = this.#client;
    this.#client = session;
    if (old !== undefined && old !== session && !old.closed) this.#host.closeSession(old);
    this.#info('fsm_up', { fsm_id: this.fsmIdEncoded });
  }

  /** The client socket closed (§9.8). */
  clientClosed(session: ClientSession): void {
    if (this.#client !== session || this.#state === 'terminated') return;
    this.#client = undefined;
    if (!this.#clientMayDisconnect) this.#terminate('client_disconnected');
  }

  /** `channels.system stop` (§7.6): terminate ungracefully. */
  stop(): void {
    this.#terminate('stop');
  }

  /**
   * The devnode stops: release timers, chain watches and the pairing slot without telling
   * anyone (the sockets are being closed anyway).
   */
  dispose(): void {
    if (this.#state === 'terminated') return;
    this.#state = 'terminated';
    this.#releaseResources();
    this.#peer = undefined;
    this.#postponed = [];
  }

  #releaseResources(): void {
    this.#clearTimer();
    for (const watch of this.#watches.values()) watch.cancel();
    this.#watches.clear();
    this.#unsubscribeChain?.();
    this.#unsubscribeChain = undefined;
    this.#cancelUnlock?.();
    this.#cancelUnlock = undefined;
    this.#host.registry.remove(this);
  }

  /** Whether the FSM has terminated. */
  get terminated(): boolean {
    return this.#state === 'terminated';
  }

  #terminate(reason: string): void {
    if (this.#state === 'terminated') return;
    this.#log('rpt', 'died', reason);
    if (reason === 'timeout') this.#info('timeout');
    this.#info('died');
    this.#state = 'terminated';
    this.#releaseResources();
    this.#postponed = [];
    const peer = this.#peer;
    this.#peer = undefined;
    if (peer !== undefined && peer.#peer === this) this.#host.queue.enqueue(() => peer.#onPeerLost());
    const closed = this.#host.chain.getChannel(this.#channelId ?? ('ch_' as Encoded<'ch'>))?.closedAt !== undefined;
    const cache =
      this.#channelId !== undefined && this.#latest !== undefined && this.#status !== 'undefined' && !closed
        ? { channelId: this.#channelId, role: this.role, fsmId: this.fsmId, config: this.config, latest: this.#latest, calls: this.#calls.values() }
        : undefined;
    this.#host.terminated(this, cache);
    const client = this.#client;
    if (client !== undefined) this.#host.closeSessionAfterDied(client);
  }

  // ---------------------------------------------------------------------------------------
  // Reporting

  #send(message: JsonObject): void {
    const client = this.#client;
    if (client !== undefined && !client.closed) client.send(message);
  }

  #notify(report: ReportTag | 'always', method: string, data: JsonValue): void {
    if (report !== 'always' && !this.config.report[report]) return;
    this.#log('rpt', method, typeof data === 'object' && data !== null && !Array.isArray(data) ? String(data['event'] ?? data['info'] ?? '') : '');
    this.#send(notification(method, this.#reportedChannelId, data));
  }

  #info(event: string, extra: JsonObject = {}): void {
    this.#notify('info', 'channels.info', { event, ...extra });
  }

  #onChainTx(info: string, signedTx: Encoded<'tx'>): void {
    if (this.#channelId !== undefined) this.#reportedChannelId = this.#channelId;
    // (the channel tx inside any GA meta layers)
    const type = txTypeName(unwrapSignedTx(signedTx).tx.tag);
    this.#notify('on_chain_tx', 'channels.on_chain_tx', { info, tx: signedTx, type });
  }

  #signRequest(op: PendingOp, extra: JsonObject = {}): void {
    this.#op = op;
    this.#state = 'awaiting_signature';
    this.#notify('always', `channels.sign.${op.tag}`, { ...extra, signed_tx: op.toSign, updates: updatesToJson(op.updates) });
  }

  #conflict(code: number, round: bigint): void {
    const data: JsonObject = { channel_id: this.#reportedChannelId, error_code: BigInt(code), error_msg: conflictMessage(code), round };
    this.#notify('conflict', 'channels.conflict', data);
  }

  #error(message: string): void {
    this.#notify('error', 'channels.error', { message });
  }

  #reportUpdate(): void {
    const latest = this.#latest;
    if (latest === undefined || latest.round === this.#lastReportedRound) return;
    this.#lastReportedRound = latest.round;
    this.#notify('update', 'channels.update', { state: latest.signedTx });
  }

  #log(type: string, tag: string, info: string): void {
    // Bounded whatever `log_keep` and the client's method names say (devnode limits, README).
    this.#history.push({ type, tag: tag.slice(0, MAX_LOG_TEXT), time: BigInt(this.#host.clock.now()), info: info.slice(0, MAX_LOG_TEXT) });
    const keep = Math.min(Number(this.config.logKeep), MAX_LOG_KEEP);
    if (this.#history.length > keep) this.#history.splice(0, this.#history.length - keep);
  }

  /** Makes a co-signed state the latest one and archives its call objects. */
  #adopt(signedTx: Encoded<'tx'>, next: NextState, tag: number): void {
    this.#latest = coSigned(signedTx, next.round, next.trees, tag);
    for (const call of next.calls) this.#calls.add(call);
  }

  #knowChannelId(id: Encoded<'ch'>): void {
    this.#channelId = id;
    if (this.#host.compat.channelIdBeforeOnChainTx) this.#reportedChannelId = id;
    this.#host.channelKnown(this);
  }

  // ---------------------------------------------------------------------------------------
  // Timers (§9.9)

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#host.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #armTimer(): void {
    this.#clearTimer();
    if (this.#state === 'terminated') return;
    const name = stateTimers[this.#state];
    if (name === undefined) return;
    const ms = this.config.timeouts[name] ?? (name === 'initialized' ? this.config.timeouts.accept : name === 'awaiting_open' ? this.config.timeouts.idle : undefined) ?? timerDefaults[name];
    this.#timerGeneration += 1;
    const generation = this.#timerGeneration;
    this.#timer = this.#host.clock.setTimeout(() => {
      this.#host.queue.enqueue(() => {
        if (generation === this.#timerGeneration) this.#onTimeout();
      });
    }, ms);
  }

  #onTimeout(): void {
    if (this.#state === 'terminated') return;
    const op = this.#op;
    const updating =
      (this.#state === 'awaiting_signature' && op !== undefined && op.kind !== 'create') ||
      this.#state === 'awaiting_update_ack' ||
      this.#state === 'dep_half_signed' ||
      this.#state === 'wdraw_half_signed' ||
      // §9.9: a mutual close that times out while solo-closing returns to channel_closing.
      (this.#state === 'mutual_closing' && this.#status === 'closing');
    if (updating && op !== undefined) {
      // §9.8: a timeout during an update is recoverable (conflict code 3 to both).
      const round = this.#latest?.round ?? 0n;
      this.#toPeer({ type: 'op_error', kind: op.kind, round, errorCode: 3, innerBytes: op.innerBytes });
      this.#fallBack(3);
      return;
    }
    if (this.role === 'responder' && this.config.keepRunning && this.#status !== 'undefined') {
      this.#armTimer();
      return;
    }
    this.#terminate('timeout');
  }

  // ---------------------------------------------------------------------------------------
  // Peer link

  #toPeer(message: PeerMessage): void {
    const peer = this.#peer;
    if (peer === undefined) return;
    this.#log('snd', message.type, '');
    this.#host.later(async () => {
      if (peer.#peer !== this || peer.#state === 'terminated') return;
      await peer.#onPeerMessage(message);
    });
  }

  #onPeerLost(): void {
    if (this.#state === 'terminated') return;
    this.#peer = undefined;
    if (this.#status === 'closing') return;
    if (this.role === 'responder' && this.config.keepRunning && this.#latest !== undefined && this.#status === 'open') {
      this.#awaitReestablish();
      return;
    }
    this.#terminate('peer_lost');
  }

  /** §9.8 `keep_running`: fall back to the last co-signed state and wait for a reestablish. */
  #awaitReestablish(): void {
    this.#op = undefined;
    this.#state = 'open';
    this.#status = 'disconnected';
    this.#info('peer_disconnected');
    this.#reestablishing = this.#channelId;
    this.#host.registry.listen(this);
    this.#armTimer();
  }

  async #onPeerMessage(message: PeerMessage): Promise<void> {
    if (this.#state === 'terminated') return;
    this.#log('rcv', message.type, '');
    try {
      await this.#dispatchPeer(message);
    } finally {
      this.#armTimer();
    }
  }

  async #dispatchPeer(m: PeerMessage): Promise<void> {
    switch (m.type) {
      case 'channel_open':
        return this.#onChannelOpen(m);
      case 'channel_accept':
        return this.#onChannelAccept(m);
      case 'funding_created':
        return this.#onFundingCreated(m.tx);
      case 'funding_signed':
        return this.#onFundingSigned(m.tx);
      case 'funding_locked':
        return this.#onPeerFundingLocked();
      case 'proposal':
        return this.#onProposal(m);
      case 'proposal_ack':
        return this.#onProposalAck(m);
      case 'locked':
        return this.#onPeerLocked(m.kind);
      case 'op_error':
        return this.#onOpError(m);
      case 'leave':
        return this.#onLeave();
      case 'leave_ack':
        return this.#onLeaveAck();
      case 'inband_msg':
        if (this.#latest === undefined && this.#channelId === undefined) return;
        this.#notify('message', 'channels.message', {
          message: { channel_id: this.#channelId ?? null, from: m.from, to: m.to, info: m.info },
        });
        return;
      case 'channel_reestablish':
        return this.#onReestablish(m);
      case 'channel_reest_ack':
        return this.#onReestablishAck(m.tx);
      case 'fatal':
        this.#terminate(m.reason);
        return;
      case 'disconnect':
        this.#onPeerLost();
        return;
      default:
    }
  }

  // ---------------------------------------------------------------------------------------
  // Opening (§9.2)

  #onConnected(): void {
    if (this.#state !== 'awaiting_connect' || this.#peer === undefined) return;
    if (this.reestablishing !== undefined && this.#latest !== undefined) {
      this.#state = 'reestablish_init';
      this.#toPeer({ type: 'channel_reestablish', channelId: this.reestablishing, tx: this.#latest.signedTx });
    } else {
      const c = this.config;
      this.#state = 'initialized';
      this.#toPeer({
        type: 'channel_open',
        initiatorId: c.initiatorId as Encoded<'ak'>,
        responderId: c.responderId,
        initiatorAmount: c.initiatorAmount,
        responderAmount: c.responderAmount,
        pushAmount: c.pushAmount,
        channelReserve: c.channelReserve,
        lockPeriod: c.lockPeriod,
      });
    }
    this.#armTimer();
  }

  #onChannelOpen(m: Extract<PeerMessage, { type: 'channel_open' }>): void {
    if (this.#state !== 'awaiting_open') return;
    const c = this.config;
    const matches =
      m.responderId === c.responderId &&
      (c.initiatorId === undefined || c.initiatorId === m.initiatorId) &&
      m.initiatorAmount === c.initiatorAmount &&
      m.responderAmount === c.responderAmount &&
      m.pushAmount === c.pushAmount &&
      m.channelReserve === c.channelReserve &&
      m.lockPeriod === c.lockPeriod;
    if (!matches) {
      this.#toPeer({ type: 'fatal', reason: 'channel_open_mismatch' });
      this.#terminate('channel_open_mismatch');
      return;
    }
    (c as { initiatorId: Encoded<'ak'> | undefined }).initiatorId = m.initiatorId;
    this.#info('channel_open');
    this.#state = 'accepted';
    this.#toPeer({ type: 'channel_accept', minimumDepth: c.minimumDepth, minimumDepthStrategy: c.minimumDepthStrategy });
  }

  #initialBalances(): Balances {
    const c = this.config;
    return {
      [c.initiatorId as Encoded<'ak'>]: c.initiatorAmount - c.pushAmount,
      [c.responderId]: c.responderAmount + c.pushAmount,
    };
  }

  #initialState(): NextState {
    return { round: 1n, trees: initialTrees(this.#initialBalances()), calls: [] };
  }

  #buildCreateTx(): TxOf<typeof Tag.ChannelCreateTx> {
    const c = this.config;
    const nonce = c.createNonce ?? this.#host.chain.nextNonce(c.initiatorId as Encoded<'ak'>);
    const base = {
      tag: Tag.ChannelCreateTx,
      initiatorId: c.initiatorId as Encoded<'ak'>,
      initiatorAmount: c.initiatorAmount,
      responderId: c.responderId,
      responderAmount: c.responderAmount,
      channelReserve: c.channelReserve,
      lockPeriod: c.lockPeriod,
      // §5.6: the create tx always has ttl 0.
      ttl: 0n,
      fee: 0n,
      stateHash: stateHashOf(initialTrees(this.#initialBalances())),
      nonce,
    } as const;
    const tx: TxOf<typeof Tag.ChannelCreateTx> =
      this.#host.createTxVersion === 1
        ? { ...base, version: 1, delegateIds: [] }
        : { ...base, version: 2, initiatorDelegateIds: [], responderDelegateIds: [] };
    return withFee(tx, { fee: c.createFee, gasPrice: c.createGasPrice });
  }

  #onChannelAccept(m: Extract<PeerMessage, { type: 'channel_accept' }>): void {
    if (this.#state !== 'initialized') return;
    const c = this.config as { minimumDepth: bigint | undefined; minimumDepthStrategy: 'txfee' | 'plain' | undefined };
    if (c.minimumDepth === undefined && c.minimumDepthStrategy === undefined) {
      // §6.2: an initiator that set neither adopts the responder's values.
      c.minimumDepth = m.minimumDepth;
      c.minimumDepthStrategy = m.minimumDepthStrategy;
    }
    this.#info('channel_accept');
    let tx: TxOf<typeof Tag.ChannelCreateTx>;
    try {
      tx = this.#buildCreateTx();
    } catch (error) {
      if (!(error instanceof RpcFailure)) throw error;
      this.#error('could_not_compute_fee');
      this.#toPeer({ type: 'fatal', reason: 'create_failed' });
      this.#terminate('create_failed');
      return;
    }
    const innerBytes = serializeObject(tx);
    this.#signRequest({
      kind: 'create',
      tag: 'initiator_sign',
      own: true,
      toSign: buildSignedTx(innerBytes, []),
      innerBytes,
      tx,
      updates: [],
      next: this.#initialState(),
      blockHash: ZERO_BLOCK_HASH,
      signed: undefined,
    });
  }

  async #onFundingCreated(signedTx: Encoded<'tx'>): Promise<void> {
    if (this.#state !== 'accepted') return;
    let decoded: ReturnType<typeof unwrapSignedTx>;
    try {
      decoded = unwrapSignedTx(signedTx);
    } catch {
      this.#fatalDuringOpen('not_create_tx');
      return;
    }
    const tx = decoded.tx;
    const c = this.config;
    if (
      tx.tag !== Tag.ChannelCreateTx ||
      tx.initiatorId !== c.initiatorId ||
      tx.responderId !== c.responderId ||
      tx.initiatorAmount !== c.initiatorAmount ||
      tx.responderAmount !== c.responderAmount ||
      tx.channelReserve !== c.channelReserve ||
      tx.lockPeriod !== c.lockPeriod
    ) {
      this.#fatalDuringOpen('not_create_tx');
      return;
    }
    if (tx.stateHash !== stateHashOf(initialTrees(this.#initialBalances()))) {
      this.#fatalDuringOpen('bad_state_hash');
      return;
    }
    const verified = await this.#host.chain.authenticate(signedTx, [tx.initiatorId]);
    if (!verified.valid) {
      this.#fatalDuringOpen('bad_signature');
      return;
    }
    this.#knowChannelId(this.#createChannelId(signedTx, tx));
    this.#info('funding_created', this.#host.compat.fsmIdInFundingCreated ? { fsm_id: this.fsmIdEncoded } : {});
    this.#signRequest(
      {
        kind: 'create',
        tag: 'responder_sign',
        own: false,
        toSign: signedTx,
        innerBytes: decoded.innerBytes,
        tx,
        updates: [],
        next: this.#initialState(),
        blockHash: ZERO_BLOCK_HASH,
        signed: undefined,
      },
      this.#host.compat.fsmIdInResponderSign ? { fsm_id: this.fsmIdEncoded } : {},
    );
  }

  /**
   * The channel id a create tx makes (§4): from its nonce, or for a generalized initiator
   * (nonce 0) from the auth id of the initiator's GA meta layer.
   */
  #createChannelId(signedTx: Encoded<'tx'>, tx: TxOf<typeof Tag.ChannelCreateTx>): Encoded<'ch'> {
    if (this.#host.chain.gaOf(tx.initiatorId) === undefined) return computeChannelId(tx.initiatorId, tx.nonce, tx.responderId);
    return computeChannelId(tx.initiatorId, layerAuthId(unwrapSignedTx(signedTx), tx.initiatorId) ?? tx.nonce, tx.responderId);
  }

  /** §8.1 `bad_signature`, `bad_state_hash`, `not_create_tx`: fatal during open. */
  #fatalDuringOpen(event: string): void {
    this.#info(event);
    this.#toPeer({ type: 'fatal', reason: event });
    this.#terminate(event);
  }

  async #onFundingSigned(signedTx: Encoded<'tx'>): Promise<void> {
    if (this.#state !== 'half_signed' || this.#op === undefined) return;
    const op = this.#op;
    const check = await this.#checkCoSigned(signedTx, op.innerBytes);
    if (!check) {
      this.#fatalDuringOpen('bad_signature');
      return;
    }
    this.#adopt(signedTx, op.next as NextState, Tag.ChannelCreateTx);
    this.#op = undefined;
    this.#info('funding_signed', this.#host.compat.fsmIdInFundingSigned ? { fsm_id: this.fsmIdEncoded } : {});
    this.#subscribeChain();
    const posted = await this.#post(signedTx, () => this.#onChainTx('funding_signed', signedTx));
    if (posted === undefined) {
      this.#error('tx_rejected');
      this.#toPeer({ type: 'fatal', reason: 'create_rejected' });
      this.#terminate('create_rejected');
      return;
    }
    this.#state = 'awaiting_locked';
    this.#watchDepth(posted, 'funding', op.tx);
  }

  #onOwnFundingLocked(): void {
    if (this.#state !== 'awaiting_locked') return;
    this.#info('own_funding_locked');
    this.#toPeer({ type: 'funding_locked' });
    this.#state = 'signed';
    if (this.#peerLockedEarly) {
      this.#peerLockedEarly = false;
      this.#info('funding_locked');
      this.#enterOpen();
    }
  }

  #onPeerFundingLocked(): void {
    if (this.#state === 'signed') {
      this.#info('funding_locked');
      this.#enterOpen();
    } else if (this.#state === 'awaiting_locked' || this.#state === 'half_signed' || this.#state === 'awaiting_signature') {
      this.#peerLockedEarly = true;
    }
  }

  /** Enters `open`: `info open` when the status changes, `channels.update` when the round does (§8.1, §8.4). */
  #enterOpen(): void {
    this.#state = 'open';
    this.#op = undefined;
    if (this.#status !== 'open') {
      this.#status = 'open';
      this.#info('open');
    }
    this.#reportUpdate();
    this.#armTimer();
    const postponed = this.#postponed;
    this.#postponed = [];
    for (const ctx of postponed) this.#host.queue.enqueue(() => this.handleRequest(ctx));
  }

  // ---------------------------------------------------------------------------------------
  // Chain events (§10.2)

  /**
   * Follows the chain for this channel: the chain indexes each block's txs by channel id
   * when it builds the block, so a block reaches this FSM only when it has txs of this
   * channel (blocks of other channels cost nothing here, §10.2). Every caller knows the
   * channel id already (it is computed from the create tx, or restored).
   */
  #subscribeChain(): void {
    const channelId = this.#channelId;
    if (this.#unsubscribeChain !== undefined || channelId === undefined) return;
    this.#unsubscribeChain = this.#host.chain.onChannelBlock(channelId, (txs) => {
      this.#host.queue.enqueue(() => this.#onBlock(txs));
    });
  }

  /** The txs of this channel in a new block (in block order). */
  #onBlock(txs: readonly IncludedTx[]): void {
    if (this.#state === 'terminated') return;
    for (const included of txs) this.#onChannelTx(included);
    this.#armTimer();
  }

  #onChannelTx(included: IncludedTx): void {
    const tx = included.tx;
    switch (tx.tag) {
      case Tag.ChannelCreateTx:
      case Tag.ChannelDepositTx:
      case Tag.ChannelWithdrawTx:
      case Tag.ChannelSnapshotSoloTx:
        this.#onChainTx('channel_changed', included.signedTx);
        return;
      case Tag.ChannelCloseMutualTx:
      case Tag.ChannelSettleTx:
        this.#onChainTx('channel_closed', included.signedTx);
        this.#state = 'channel_closed';
        this.#status = 'closing';
        this.#watchDepth(included.hash, 'close', tx);
        return;
      case Tag.ChannelForceProgressTx:
        this.#onForceProgressMined(included, tx);
        return;
      case Tag.ChannelCloseSoloTx:
      case Tag.ChannelSlashTx: {
        const onChain = this.#host.chain.getChannel(this.#channelId as Encoded<'ch'>);
        const latest = this.#latest;
        if (onChain !== undefined && latest !== undefined && onChain.round < latest.round) {
          this.#onChainTx('can_slash', latest.signedTx);
        } else {
          this.#onChainTx('solo_closing', included.signedTx);
        }
        // A pending update cannot complete once the channel is closing; a shutdown can (§7.3).
        const op = this.#op;
        const keep = op !== undefined && (op.kind === 'shutdown' || op.kind === 'slash' || op.kind === 'settle');
        if (!keep) {
          this.#op = undefined;
          if (this.#state !== 'mutual_closed') this.#state = 'channel_closing';
        }
        if (this.#status !== 'closing') {
          this.#status = 'closing';
          this.#info('closing');
        }
        return;
      }
      default:
    }
  }

  /**
   * A force progress of this channel was mined (§8.3, CONTRACTS.md §3.4). Built on our latest
   * state (its trees are ours and its round is the next one) and accepted by the chain: the
   * FSM re-applies the call with the env of the including block, adopts the forced state and
   * reports `consumed_forced_progress`. Built on an older state: `can_snapshot` while open,
   * `can_slash` while closing. A force progress the chain did not apply changes nothing.
   */
  #onForceProgressMined(included: IncludedTx, tx: TxOf<typeof Tag.ChannelForceProgressTx>): void {
    const latest = this.#latest;
    const onChain = this.#host.chain.getChannel(this.#channelId as Encoded<'ch'>);
    if (latest === undefined || onChain === undefined || onChain.round !== tx.round || onChain.stateHash !== tx.stateHash) return;
    if (tx.round <= latest.round) {
      this.#onChainTx(this.#status === 'closing' ? 'can_slash' : 'can_snapshot', included.signedTx);
      return;
    }
    let next: NextState | undefined;
    try {
      const update = deserializeObject(tx.update) as ChannelOffChainUpdate;
      if (tx.round === latest.round + 1n && update.tag === Tag.ChannelOffChainUpdateCallContract) {
        const applied = this.#applyNext([callUpdateToJson(update)], this.#host.chain.viewAt(included.height));
        if (stateHashOf(applied.trees) === tx.stateHash) next = applied;
      }
    } catch (error) {
      if (!(error instanceof RpcFailure) && !isAechannelError(error)) throw error;
    }
    if (next === undefined) {
      // Forced on top of a state this FSM does not hold: only a co-signed state can follow.
      this.#onChainTx(this.#status === 'closing' ? 'can_slash' : 'can_snapshot', included.signedTx);
      return;
    }
    const pending = this.#op;
    this.#adopt(included.signedTx, next, Tag.ChannelForceProgressTx);
    this.#onChainTx(this.#host.compat.forceProgressAsChannelChanged ? 'channel_changed' : 'consumed_forced_progress', included.signedTx);
    if (pending !== undefined && pending.next !== undefined) {
      // A mutual op on the replaced round can no longer complete.
      this.#fallBack(2);
    }
  }

  #watchDepth(hash: Encoded<'th'>, kind: DepthWatch['kind'], tx: Tx): void {
    const fee = (tx as { fee?: bigint }).fee ?? 0n;
    // Codec's minimumDepth is exact and bounded for any factor a client may send (§10.1).
    const value = this.config.minimumDepth;
    const depth = minimumDepth({ fee, strategy: this.config.minimumDepthStrategy ?? 'txfee', ...(value === undefined ? {} : { value }) });
    const watch: DepthWatch = {
      hash,
      kind,
      tx,
      assumed: false,
      cancel: () => undefined,
    };
    watch.cancel = this.#host.chain.watchDepth(hash, depth, () => {
      this.#host.queue.enqueue(() => this.#onDepth(watch));
    });
    this.#watches.set(hash, watch);
  }

  #onDepth(watch: DepthWatch): void {
    if (this.#state === 'terminated' || this.#watches.get(watch.hash) !== watch) return;
    this.#watches.delete(watch.hash);
    if (watch.assumed) {
      // §7.3: the real confirmation after assume_minimum_depth.
      this.#info('minimum_depth_achieved', { notice: 'already_assumed', tx_hash: watch.hash, tx_type: txTypeName(watch.tx.tag) });
      return;
    }
    this.#reachedDepth(watch);
    this.#armTimer();
  }

  #reachedDepth(watch: DepthWatch): void {
    switch (watch.kind) {
      case 'funding':
        this.#onOwnFundingLocked();
        return;
      case 'deposit':
      case 'withdraw':
        this.#onOwnLocked(watch.kind);
        return;
      case 'close':
        this.#info('closed_confirmed');
        this.#terminate('closed');
        return;
      case 'snapshot':
        this.#info('min_depth_achieved', { type: txTypeName(watch.tx.tag), tx_hash: watch.hash });
        return;
      default:
    }
  }

  /**
   * Posts to the chain; `onPooled` (the on-chain report of the poster) runs once the mempool
   * acknowledged the tx, so a request that arrives meanwhile is answered first (seed 002).
   */
  async #post(signedTx: Encoded<'tx'>, onPooled?: () => void): Promise<Encoded<'th'> | undefined> {
    try {
      return await this.#host.chain.post(signedTx, () => {
        if (this.#state !== 'terminated') onPooled?.();
      });
    } catch (error) {
      if (!isAechannelError(error)) throw error;
      return undefined;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Signature checks (§3.2)

  /** True when `signedTx` carries `innerBytes` with valid signatures of both participants. */
  async #checkCoSigned(signedTx: Encoded<'tx'>, innerBytes: Uint8Array): Promise<boolean> {
    let decoded: ReturnType<typeof unwrapSignedTx>;
    try {
      decoded = unwrapSignedTx(signedTx);
    } catch {
      return false;
    }
    if (!equalBytes(decoded.innerBytes, innerBytes)) return false;
    // Signatures of basic participants, accepted GA meta layers of generalized ones (§2.9).
    const result = await this.#host.chain.authenticate(signedTx, this.#participants());
    return result.valid;
  }

  #participants(): Encoded<'ak'>[] {
    return [this.config.initiatorId as Encoded<'ak'>, this.config.responderId];
  }

  /**
   * Which participants validly signed `signedTx` (no foreign or duplicate signature allowed).
   * @returns the signers, or `undefined` when a signature matches no participant
   */
  async #signersOf(signedTx: Encoded<'tx'>): Promise<Encoded<'ak'>[] | undefined> {
    // This FSM's client first: the signature it just added is its own (no failed try against the peer's key).
    const [initiator, responder] = this.#participants() as [Encoded<'ak'>, Encoded<'ak'>];
    const expected = this.me === responder ? [responder, initiator] : [initiator, responder];
    const result = await this.#host.chain.authenticate(signedTx, expected);
    // A foreign signature, a layer of a basic or unknown account, or a layer its auth function refuses.
    return result.extra > 0 || result.failures.some((f) => f.kind === 'layer') ? undefined : result.signers;
  }

  // ---------------------------------------------------------------------------------------
  // Client requests (§7)

  /**
   * Handles one client request addressed to this FSM.
   * @param ctx - the request and how to answer it
   */
  async handleRequest(ctx: RequestContext): Promise<void> {
    if (this.#state === 'terminated') {
      // After died the socket stays open for a moment (closeSessionAfterDied): a stop is
      // answered ok, as the node does, and ends the conversation.
      if (ctx.request.method === 'channels.system' && ctx.request.params['action'] === 'stop') {
        this.#ok(ctx);
        this.#host.closeSession(ctx.session);
      }
      return;
    }
    this.#log('req', ctx.request.method, '');
    try {
      await this.#dispatchRequest(ctx);
    } catch (error) {
      if (error instanceof RpcFailure) this.#fail(ctx, error.error);
      else if (ctx.batchItem === true) {
        this.#host.reportError(error);
        this.#fail(ctx, internalError());
      } else throw error;
    } finally {
      this.#armTimer();
    }
  }

  #ok(ctx: RequestContext): void {
    if (ctx.request.hasId) ctx.reply(resultReply(ctx.request.id, this.#reportedChannelId, 'ok'));
  }

  #result(ctx: RequestContext, method: string, payload: JsonValue): void {
    if (ctx.request.hasId) ctx.reply(resultReply(ctx.request.id, this.#reportedChannelId, payload));
    else ctx.reply(notification(method, this.#reportedChannelId, payload));
  }

  /**
   * Answers a frame the devnode refused to read (a number or nesting over its limits, a
   * batch over `maxBatchItems`): `-32000 Invalid request` with `id: null` and nothing echoed.
   */
  refuseFrame(session: ClientSession): void {
    session.send(errorReply(null, this.#reportedChannelId, invalidRequest(), {}));
  }

  #fail(ctx: RequestContext, error: RpcError): void {
    ctx.reply(errorReply(ctx.request.hasId ? ctx.request.id : null, this.#reportedChannelId, error, ctx.request.raw));
  }

  async #dispatchRequest(ctx: RequestContext): Promise<void> {
    const { method, params } = ctx.request;
    if (Object.hasOwn(replyMethods, method)) return this.#onSignReply(ctx, replyMethods[method] ?? null);
    switch (method) {
      case 'channels.system':
        return this.#onSystem(ctx);
      case 'channels.update.new':
        return this.#onTransfer(ctx);
      case 'channels.deposit':
      case 'channels.withdraw':
        return this.#onDepositWithdraw(ctx, method === 'channels.deposit' ? 'deposit' : 'withdraw');
      case 'channels.shutdown':
        return this.#onShutdown(ctx);
      case 'channels.close_solo':
      case 'channels.slash':
      case 'channels.settle':
      case 'channels.snapshot_solo':
        return this.#onSoloRequest(ctx, method.slice('channels.'.length) as 'close_solo' | 'slash' | 'settle' | 'snapshot_solo');
      case 'channels.assume_minimum_depth':
        return this.#onAssumeMinimumDepth(ctx);
      case 'channels.leave':
        return this.#onLeaveRequest(ctx);
      case 'channels.message':
        return this.#onMessage(ctx);
      case 'channels.get.balances':
        return this.#onGetBalances(ctx);
      case 'channels.get.poi':
        return this.#onGetPoi(ctx);
      case 'channels.get.offchain_state':
        return this.#onGetOffchainState(ctx);
      case 'channels.get.contract':
        return this.#onGetContract(ctx);
      case 'channels.get.contract_call':
        return this.#onGetContractCall(ctx);
      case 'channels.history.fetch':
        return this.#result(ctx, 'channels.history.fetch.reply', this.#historyPayload(params));
      case 'channels.clean_contract_calls':
        this.#calls.clear();
        return this.#result(ctx, 'channels.calls_pruned.reply', { action: 'calls_pruned' });
      case 'channels.update.new_contract':
        return this.#onNewContract(ctx);
      case 'channels.update.call_contract':
        return this.#onCallContract(ctx);
      case 'channels.dry_run.call_contract':
        return this.#onDryRun(ctx);
      case 'channels.force_progress':
        return this.#onForceProgress(ctx);
      default:
        throw new RpcFailure(methodNotFound());
    }
  }

  #onSystem(ctx: RequestContext): void {
    const action = ctx.request.params['action'];
    if (action === 'ping') {
      this.#result(ctx, 'channels.system.pong', { action: 'system', tag: 'pong' });
      return;
    }
    if (action === 'stop') {
      this.#ok(ctx);
      this.stop();
      return;
    }
    throw new RpcFailure(methodNotFound());
  }

  #historyPayload(params: JsonObject): JsonValue {
    // `n` is a count: a non-integer is 1008 and a negative one 1002, as for amounts (§8.8).
    const count = params['n'];
    if (count !== undefined && typeof count !== 'bigint') throw new RpcFailure(rejected(1008));
    if (count !== undefined && count < 0n) throw new RpcFailure(rejected(1002));
    const types = Array.isArray(params['type']) ? params['type'] : undefined;
    const entries = this.#history.filter((e) => types === undefined || types.includes(e.type));
    const n = count === undefined || count > BigInt(entries.length) ? entries.length : Number(count);
    return entries
      .slice(entries.length - n)
      .map((e) => ({ type: e.type, tag: e.tag, time: e.time, info: e.info }));
  }

  /**
   * How an update-like request fits the current state (§9.4, §9.5): run it now, postpone it
   * until the FSM is back in `open`, drop it (answered ok) after the conflict it caused with
   * the peer's proposal this client was asked to co-sign, or refuse it.
   * @returns true when the caller should proceed now
   */
  #admitUpdate(ctx: RequestContext, allowClosing = false): boolean {
    const state = this.#state;
    if (this.#status === 'open' || (allowClosing && this.#status === 'closing')) {
      if (state === 'open' || (allowClosing && state === 'channel_closing')) return true;
      if (state === 'awaiting_signature' && this.#op !== undefined) {
        if (this.#op.own) throw new RpcFailure(rejected(107));
        // §9.5: a new client request while the client should co-sign the peer's proposal is
        // answered ok and rejects that proposal (conflict on both sides); the request itself
        // is then dropped, as the node drops it, not started.
        this.#ok(ctx);
        this.#rejectPeerProposal(2);
        return false;
      }
      if (
        state === 'awaiting_update_ack' ||
        state === 'dep_half_signed' ||
        state === 'wdraw_half_signed' ||
        state === 'awaiting_locked' ||
        state === 'mutual_closing'
      ) {
        // Bounded: each waiting request holds its whole frame (devnode limit, README).
        if (this.#postponed.length >= MAX_POSTPONED) throw new RpcFailure(rejected(107));
        this.#postponed.push(ctx);
        return false;
      }
    }
    throw new RpcFailure(internalError());
  }

  #rejectPeerProposal(code: number): void {
    const op = this.#op;
    if (op === undefined) return;
    const round = this.#latest?.round ?? 0n;
    this.#toPeer({ type: 'op_error', kind: op.kind, round, errorCode: code, innerBytes: op.innerBytes });
    this.#fallBack(code);
  }

  /** Drops the pending op, reports the conflict and returns to `open` or `channel_closing`. */
  #fallBack(code: number): void {
    this.#op = undefined;
    this.#conflict(code, this.#latest?.round ?? 0n);
    if (this.#status === 'closing') this.#state = 'channel_closing';
    else this.#enterOpen();
  }

  #pickBlockHash(param: JsonValue | undefined): Encoded<'kh'> {
    if (typeof param === 'string') return param as Encoded<'kh'>;
    const chain = this.#host.chain;
    const c = this.config;
    const back = c.bhDeltaNotNewerThan + (c.bhDeltaNotOlderThan < c.bhDeltaNotNewerThan + c.bhDeltaPick ? c.bhDeltaNotOlderThan : c.bhDeltaNotNewerThan + c.bhDeltaPick);
    const height = chain.height - back < 0n ? 0n : chain.height - back;
    return chain.keyBlockHash(height) ?? ZERO_BLOCK_HASH;
  }

  /** §10.3: is a received block hash acceptable? */
  #blockHashOk(hash: Encoded<'kh'>): boolean {
    if (hash === ZERO_BLOCK_HASH) return true;
    const height = this.#host.chain.heightOf(hash);
    if (height === undefined) return false;
    const top = this.#host.chain.height;
    return top - this.config.bhDeltaNotOlderThan <= height && height <= top - this.config.bhDeltaNotNewerThan;
  }

  #offChainTx(round: bigint, trees: ChannelTrees): TxOf<typeof Tag.ChannelOffChainTx> {
    return { tag: Tag.ChannelOffChainTx, version: 2, channelId: this.#channelId as Encoded<'ch'>, round, stateHash: stateHashOf(trees) };
  }

  /** The chain a round pinned to `blockHash` runs against (§10.3; the zero hash: the top). */
  #pinnedView(blockHash: Encoded<'kh'>): ChainView {
    return this.#host.chain.view(blockHash === ZERO_BLOCK_HASH ? undefined : blockHash);
  }

  /** Applies the next round to the latest trees with the VM, against `chain` (the pinned block, §10.3). */
  #applyNext(updates: readonly OffChainUpdate[], chain: ChainView): NextState {
    const latest = this.#latest as CoSignedState;
    const round = latest.round + 1n;
    const applied = applyRound(latest.trees, updates, {
      round,
      reserve: this.config.channelReserve,
      chain,
      rules: this.#host.fateRules,
      participants: this.#participants(),
    });
    return { round, trees: applied.trees, calls: applied.calls };
  }

  #startOwn(kind: MutualKind, tx: Tx, updates: OffChainUpdate[], next: PendingOp['next'], blockHash: Encoded<'kh'>): void {
    const innerBytes = serializeObject(tx);
    this.#signRequest({
      kind,
      tag: signTagOf[kind].own,
      own: true,
      toSign: buildSignedTx(innerBytes, []),
      innerBytes,
      tx,
      updates,
      next,
      blockHash,
      signed: undefined,
    });
  }

  #onTransfer(ctx: RequestContext): void {
    const p = ctx.request.params;
    if (p['from'] === undefined || p['to'] === undefined || p['amount'] === undefined) throw new RpcFailure(methodNotFound());
    if (!isDecodable(p['from'], 'ak') || !isDecodable(p['to'], 'ak')) throw new RpcFailure(rejected(1005));
    const amount = p['amount'];
    if (typeof amount !== 'bigint') throw new RpcFailure(rejected(1008));
    const meta = readMeta(p['meta']);
    const blockHash = readBlockHash(p['block_hash']);
    if (amount < 0n) throw new RpcFailure(rejected(1002));
    if (!this.#admitUpdate(ctx)) return;
    const updates: OffChainUpdate[] = [
      { op: 'OffChainTransfer', from: p['from'] as Encoded<'ak'>, to: p['to'] as Encoded<'ak'>, amount },
      ...meta.map((data) => ({ op: 'OffChainMeta', data }) as const),
    ];
    this.#startUpdate(ctx, updates, blockHash);
  }

  /** Applies an update round of this client and asks it to sign (§9.3). */
  #startUpdate(ctx: RequestContext, updates: OffChainUpdate[], blockHashParam: string | undefined): void {
    const pinned = this.#pickBlockHash(blockHashParam);
    const next = this.#applyNext(updates, this.#pinnedView(pinned));
    this.#ok(ctx);
    this.#startOwn('update', this.#offChainTx(next.round, next.trees), updates, next, pinned);
  }

  // ---------------------------------------------------------------------------------------
  // Contracts (§7.2, §7.5, §9.13; CONTRACTS.md §2, §3)

  /** `channels.update.new_contract` (§7.2, CONTRACTS.md §2.2, §2.7). */
  #onNewContract(ctx: RequestContext): void {
    const p = ctx.request.params;
    required(p, 'code', 'call_data', 'vm_version', 'abi_version', 'deposit');
    const code = readBytes(p['code']);
    const callData = readBytes(p['call_data']);
    const vm = readInt(p['vm_version']);
    const abi = readInt(p['abi_version']);
    const deposit = readInt(p['deposit']);
    const meta = readMeta(p['meta']);
    const blockHash = readBlockHash(p['block_hash']);
    if (deposit < 0n) throw new RpcFailure(rejected(1002));
    if (vm < 0n || vm > 0xffffn || abi < 0n || abi > 0xffffn) throw new RpcFailure(rejected(1020));
    if (!this.#admitUpdate(ctx)) return;
    const updates: OffChainUpdate[] = [
      { op: 'OffChainNewContract', owner: this.me, vm_version: vm, abi_version: abi, code, deposit, call_data: callData },
      ...meta.map((data) => ({ op: 'OffChainMeta', data }) as const),
    ];
    this.#startUpdate(ctx, updates, blockHash);
  }

  /** The call update of `call_contract` / `dry_run.call_contract` / `force_progress` params. */
  #readCall(p: JsonObject, gas: bigint, gasPrice: bigint): CallContractUpdate {
    const contract = readContractId(p['contract_id']);
    const callData = readBytes(p['call_data']);
    const abi = readInt(p['abi_version']);
    const amount = readInt(p['amount']);
    if (amount < 0n) throw new RpcFailure(rejected(1002));
    return {
      op: 'OffChainCallContract',
      caller_id: this.me,
      contract_id: contract,
      abi_version: abi,
      amount,
      gas,
      gas_price: gasPrice,
      call_data: callData,
      call_stack: [],
    };
  }

  /** `channels.update.call_contract` (§7.2, CONTRACTS.md §2.3): gas 1 000 000, gas price 1. */
  #onCallContract(ctx: RequestContext): void {
    const p = ctx.request.params;
    required(p, 'contract_id', 'call_data', 'abi_version', 'amount');
    const call = this.#readCall(p, OFFCHAIN_GAS, 1n);
    const meta = readMeta(p['meta']);
    const blockHash = readBlockHash(p['block_hash']);
    if (!this.#admitUpdate(ctx)) return;
    this.#startUpdate(ctx, [call, ...meta.map((data) => ({ op: 'OffChainMeta', data }) as const)], blockHash);
  }

  /** `channels.dry_run.call_contract` (§7.5): the call as round latest + 1, state unchanged. */
  #onDryRun(ctx: RequestContext): void {
    const p = ctx.request.params;
    required(p, 'contract_id', 'call_data', 'abi_version', 'amount');
    const call = this.#readCall(p, OFFCHAIN_GAS, 1n);
    const blockHash = readBlockHash(p['block_hash']);
    const latest = this.#requireState();
    if (this.#status !== 'open' && this.#status !== 'closing') throw new RpcFailure(internalError());
    const pinned = this.#pickBlockHash(blockHash);
    let result: CallObject;
    try {
      result = dryRun(latest.trees, toUpdateObject(call) as Parameters<typeof dryRun>[1], {
        round: latest.round + 1n,
        reserve: this.config.channelReserve,
        chain: this.#pinnedView(pinned),
        rules: this.#host.fateRules,
      });
    } catch (error) {
      throw updateFailure(error);
    }
    this.#result(ctx, 'channels.dry_run.call_contract.reply', callObjectToJson(result) as unknown as JsonValue);
  }

  /** `channels.get.contract` (§7.5): the contract and its store. */
  #onGetContract(ctx: RequestContext): void {
    const p = ctx.request.params;
    required(p, 'pubkey');
    const id = readContractId(p['pubkey']);
    const latest = this.#requireState();
    const pk = decode(id, 'ct');
    const record = latest.trees.contracts.get(Buffer.from(pk).toString('hex'));
    if (record === undefined) throw new RpcFailure(rejected(100));
    this.#result(ctx, 'channels.get.contract.reply', contractToJson(pk, record) as unknown as JsonValue);
  }

  /** `channels.get.contract_call` (§7.5): from this FSM's calls archive. */
  #onGetContractCall(ctx: RequestContext): void {
    const p = ctx.request.params;
    required(p, 'contract_id', 'caller_id', 'round');
    const contract = readContractId(p['contract_id']);
    const caller = readAccountId(p['caller_id']);
    const round = readInt(p['round']);
    this.#requireState();
    const call = round < 0n ? undefined : this.#calls.get(contract, caller, round);
    if (call === undefined) throw new RpcFailure(rejected(1004));
    this.#result(ctx, 'channels.get.contract_call.reply', callObjectToJson(call) as unknown as JsonValue);
  }

  /** Updates a peer may propose: contracts owned and called by the peer, with the node's gas (§2.1). */
  #peerUpdates(updates: readonly OffChainUpdate[]): boolean {
    const peer = this.other;
    return updates.every((u) => {
      if (u.op === 'OffChainNewContract') return u.owner === peer;
      if (u.op === 'OffChainCallContract') return u.caller_id === peer && u.gas === OFFCHAIN_GAS && u.gas_price === 1n && u.call_stack.length === 0;
      return true;
    });
  }

  /**
   * `channels.force_progress` (§9.13, CONTRACTS.md §3.1): the call applied to the latest
   * trees against the top of the chain, as a tx with the latest co-signed state as payload
   * (or none when that round is on chain), the trees before the call and the state hash
   * after it; fee by fix-point with the request's gas price and base gas 450 000.
   */
  #onForceProgress(ctx: RequestContext): void {
    const p = ctx.request.params;
    required(p, 'contract_id', 'abi_version', 'amount', 'call_data', 'gas_price');
    const gasPrice = readInt(p['gas_price']);
    // The node does not type-check `gas`: anything but an integer fails inside the FSM.
    const gasParam = p['gas'];
    if (gasParam !== undefined && typeof gasParam !== 'bigint') throw new RpcFailure(internalError());
    const gas = gasParam ?? OFFCHAIN_GAS;
    const call = this.#readCall(p, gas, gasPrice);
    const fees = this.#readFeeParams(p['nonce'] === undefined ? {} : { nonce: p['nonce'] });
    const latest = this.#latest;
    const allowed = (this.#state === 'open' && this.#status === 'open') || (this.#state === 'channel_closing' && this.#status === 'closing');
    if (latest === undefined || this.#channelId === undefined || !allowed) throw new RpcFailure(internalError());
    if (gasPrice <= 0n || gas <= 0n) throw new RpcFailure(internalError());
    const { round, trees } = this.#applyNext([call], this.#host.chain.view());
    const update = toUpdateObject(call);
    const nonce = fees.nonce ?? this.#host.chain.nextNonce(this.me);
    const draft: TxOf<typeof Tag.ChannelForceProgressTx> = {
      tag: Tag.ChannelForceProgressTx,
      version: 1,
      channelId: this.#channelId,
      fromId: this.me,
      payload: this.#soloPayload(),
      round,
      update: serializeObject(update),
      stateHash: stateHashOf(trees),
      offChainTrees: decode(packTrees(latest.trees), 'ss'),
      ttl: this.#ttl(),
      fee: 0n,
      nonce,
    };
    const tx = withFee(draft, { gasPrice });
    const innerBytes = serializeObject(tx);
    this.#ok(ctx);
    this.#signRequest({
      kind: 'force_progress',
      tag: 'force_progress_tx',
      own: true,
      toSign: buildSignedTx(innerBytes, []),
      innerBytes,
      tx,
      updates: [callUpdateToJson(update as Extract<typeof update, { tag: typeof Tag.ChannelOffChainUpdateCallContract }>)],
      next: undefined,
      blockHash: ZERO_BLOCK_HASH,
      signed: undefined,
    });
  }

  #readFeeParams(p: JsonObject): { fee: bigint | undefined; gasPrice: bigint | undefined; nonce: bigint | undefined } {
    const read = (name: string): bigint | undefined => {
      const value = p[name];
      if (value === undefined) return undefined;
      if (typeof value !== 'bigint') throw new RpcFailure(rejected(1008));
      return value;
    };
    return { fee: read('fee'), gasPrice: read('gas_price'), nonce: read('nonce') };
  }

  #ttl(): bigint {
    return this.config.ttl;
  }

  #onDepositWithdraw(ctx: RequestContext, kind: 'deposit' | 'withdraw'): void {
    const p = ctx.request.params;
    const amount = p['amount'];
    if (amount === undefined) throw new RpcFailure(methodNotFound());
    if (typeof amount !== 'bigint') throw new RpcFailure(rejected(1008));
    if (amount < 0n) throw new RpcFailure(rejected(1002));
    const meta = readMeta(p['meta']);
    const blockHash = readBlockHash(p['block_hash']);
    const fees = this.#readFeeParams(p);
    if (amount === 0n) throw new RpcFailure(internalError());
    if (!this.#admitUpdate(ctx)) return;
    const me = this.me;
    const update: OffChainUpdate = kind === 'deposit' ? { op: 'OffChainDeposit', from: me, amount } : { op: 'OffChainWithdrawal', to: me, amount };
    const updates: OffChainUpdate[] = [update, ...meta.map((data) => ({ op: 'OffChainMeta', data }) as const)];
    const pinned = this.#pickBlockHash(blockHash);
    let next: NextState;
    try {
      next = this.#applyNext(updates, this.#pinnedView(pinned));
    } catch (error) {
      // §8.8: a withdraw overdraft surfaces as an internal error.
      if (error instanceof RpcFailure) throw new RpcFailure(internalError());
      throw error;
    }
    const round = next.round;
    const nonce = fees.nonce ?? this.#host.chain.nextNonce(me);
    const common = {
      version: 1,
      channelId: this.#channelId as Encoded<'ch'>,
      amount,
      ttl: this.#ttl(),
      fee: 0n,
      stateHash: stateHashOf(next.trees),
      round,
      nonce,
    } as const;
    const draft: TxWithFee =
      kind === 'deposit' ? { ...common, tag: Tag.ChannelDepositTx, fromId: me } : { ...common, tag: Tag.ChannelWithdrawTx, toId: me };
    const tx = withFee(draft, fees);
    this.#ok(ctx);
    this.#startOwn(kind, tx, updates, next, pinned);
  }

  #closeMutualTx(from: Encoded<'ak'>, fee: bigint | undefined, gasPrice: bigint | undefined, nonce: bigint): TxOf<typeof Tag.ChannelCloseMutualTx> {
    const latest = this.#latest as CoSignedState;
    const i = latest.balances[this.config.initiatorId as Encoded<'ak'>] as bigint;
    const r = latest.balances[this.config.responderId] as bigint;
    // §5.5: the fee is computed on a draft carrying the full balances, then split.
    const draft = withFee(
      {
        tag: Tag.ChannelCloseMutualTx,
        version: 1,
        channelId: this.#channelId as Encoded<'ch'>,
        fromId: from,
        initiatorAmountFinal: i,
        responderAmountFinal: r,
        ttl: this.#ttl(),
        fee: 0n,
        nonce,
      },
      { fee, gasPrice },
    );
    let split: { initiatorAmountFinal: bigint; responderAmountFinal: bigint };
    try {
      split = splitCloseMutualFee(i, r, draft.fee);
    } catch {
      throw new RpcFailure(internalError());
    }
    return { ...draft, ...split };
  }

  #onShutdown(ctx: RequestContext): void {
    const fees = this.#readFeeParams(ctx.request.params);
    if (!this.#admitUpdate(ctx, true)) return;
    const nonce = fees.nonce ?? this.#host.chain.nextNonce(this.me);
    const tx = this.#closeMutualTx(this.me, fees.fee, fees.gasPrice, nonce);
    this.#ok(ctx);
    this.#startOwn('shutdown', tx, [], undefined, this.#pickBlockHash(undefined));
  }

  /** Payload of a solo tx (§2.8): the latest co-signed off-chain tx, or empty if that round is on chain. */
  #soloPayload(): Uint8Array {
    const latest = this.#latest as CoSignedState;
    const onChain = this.#host.chain.getChannel(this.#channelId as Encoded<'ch'>);
    if (latest.tag !== Tag.ChannelOffChainTx || (onChain !== undefined && onChain.round >= latest.round)) return new Uint8Array(0);
    return decode(latest.signedTx, 'tx');
  }

  /** PoI of a solo close or slash: both participants and every contract of the latest state. */
  #poi(): Uint8Array {
    const trees = (this.#latest as CoSignedState).trees;
    const contracts = [...trees.contracts.keys()].map((k) => encode(Buffer.from(k, 'hex'), 'ct'));
    return decode(poiOf(trees, this.#participants(), contracts), 'pi');
  }

  #onSoloRequest(ctx: RequestContext, action: 'close_solo' | 'slash' | 'settle' | 'snapshot_solo'): void {
    const fees = this.#readFeeParams(ctx.request.params);
    const closing = this.#status === 'closing' && this.#state === 'channel_closing';
    const latest = this.#latest;
    if (latest === undefined || this.#channelId === undefined) throw new RpcFailure(internalError());
    if (action === 'close_solo' || action === 'snapshot_solo') {
      if (this.#state !== 'open' || this.#status !== 'open') throw new RpcFailure(internalError());
    } else if (!closing) {
      throw new RpcFailure(internalError());
    }
    const onChain = this.#host.chain.getChannel(this.#channelId);
    if (action === 'snapshot_solo') {
      if (latest.tag !== Tag.ChannelOffChainTx) throw new RpcFailure(actionNotAllowed(1012));
      if (onChain !== undefined && onChain.round >= latest.round) throw new RpcFailure(rejected(1013));
    }
    const nonce = fees.nonce ?? this.#host.chain.nextNonce(this.me);
    const base = { version: 1, channelId: this.#channelId, fromId: this.me, ttl: this.#ttl(), fee: 0n, nonce } as const;
    let draft: TxWithFee;
    let tag: SignTag;
    let kind: OpKind;
    switch (action) {
      case 'close_solo':
        draft = { ...base, tag: Tag.ChannelCloseSoloTx, payload: this.#soloPayload(), poi: this.#poi() };
        tag = 'close_solo_sign';
        kind = 'close_solo';
        break;
      case 'slash':
        draft = { ...base, tag: Tag.ChannelSlashTx, payload: decode(latest.signedTx, 'tx'), poi: this.#poi() };
        tag = 'slash_tx';
        kind = 'slash';
        break;
      case 'settle': {
        const i = onChain?.initiatorAmount ?? (latest.balances[this.config.initiatorId as Encoded<'ak'>] as bigint);
        const r = onChain?.responderAmount ?? (latest.balances[this.config.responderId] as bigint);
        draft = { ...base, tag: Tag.ChannelSettleTx, initiatorAmountFinal: i, responderAmountFinal: r };
        tag = 'settle_sign';
        kind = 'settle';
        break;
      }
      default:
        draft = { ...base, tag: Tag.ChannelSnapshotSoloTx, payload: decode(latest.signedTx, 'tx') };
        tag = 'snapshot_solo_tx';
        kind = 'snapshot';
    }
    const tx = withFee(draft, fees);
    const innerBytes = serializeObject(tx);
    this.#ok(ctx);
    this.#signRequest({
      kind,
      tag,
      own: true,
      toSign: buildSignedTx(innerBytes, []),
      innerBytes,
      tx,
      updates: [],
      next: undefined,
      blockHash: ZERO_BLOCK_HASH,
      signed: undefined,
    });
  }

  #onAssumeMinimumDepth(ctx: RequestContext): void {
    const hash = ctx.request.params['tx_hash'];
    if (hash === undefined) throw new RpcFailure(methodNotFound());
    const watch = typeof hash === 'string' ? this.#watches.get(hash as Encoded<'th'>) : undefined;
    if (watch === undefined || watch.assumed || watch.kind === 'snapshot') throw new RpcFailure(internalError());
    this.#ok(ctx);
    watch.assumed = true;
    this.#reachedDepth(watch);
  }

  #onLeaveRequest(ctx: RequestContext): void {
    if (this.#state !== 'open' || this.#status !== 'open' || this.#peer === undefined) throw new RpcFailure(internalError());
    this.#ok(ctx);
    this.#state = 'awaiting_leave_ack';
    this.#toPeer({ type: 'leave' });
  }

  #onLeave(): void {
    const latest = this.#latest;
    this.#toPeer({ type: 'leave_ack' });
    if (latest !== undefined) this.#notify('leave', 'channels.leave', { state: latest.signedTx });
    // The leaving side ends the session: unlink so its termination is not a "peer lost".
    this.#peer = undefined;
    if (this.role === 'responder' && this.config.keepRunning && latest !== undefined) {
      this.#awaitReestablish();
      return;
    }
    this.#terminate('leave');
  }

  #onLeaveAck(): void {
    if (this.#state !== 'awaiting_leave_ack') return;
    const latest = this.#latest;
    if (latest !== undefined) this.#notify('leave', 'channels.leave', { state: latest.signedTx });
    this.#peer = undefined;
    this.#terminate('leave');
  }

  #onMessage(ctx: RequestContext): void {
    const p = ctx.request.params;
    const to = p['to'];
    const info = p['info'];
    if (to === undefined || info === undefined) throw new RpcFailure(methodNotFound());
    if (typeof info !== 'string' || typeof to !== 'string') throw new RpcFailure(internalError());
    if (new TextEncoder().encode(info).length > 65_000) throw new RpcFailure(invalidRequest());
    const from = this.config.msgForwarding && typeof p['from'] === 'string' ? (p['from'] as Encoded<'ak'>) : this.me;
    if (!this.config.msgForwarding && to !== this.other) throw new RpcFailure(internalError());
    if (this.#peer === undefined) throw new RpcFailure(internalError());
    this.#ok(ctx);
    this.#toPeer({ type: 'inband_msg', from, to: to as Encoded<'ak'>, info });
  }

  #requireState(): CoSignedState {
    if (this.#latest === undefined) throw new RpcFailure(rejected(108));
    return this.#latest;
  }

  #onGetBalances(ctx: RequestContext): void {
    const accounts = ctx.request.params['accounts'];
    if (accounts === undefined) throw new RpcFailure(methodNotFound());
    if (!Array.isArray(accounts) || !accounts.every((a) => isDecodable(a, 'ak'))) throw new RpcFailure(rejected(1005));
    const latest = this.#requireState();
    const result: JsonValue[] = [];
    for (const account of accounts as Encoded<'ak'>[]) {
      const balance = latest.balances[account];
      if (balance !== undefined) result.push({ account, balance });
    }
    this.#result(ctx, 'channels.get.balances.reply', result);
  }

  #onGetPoi(ctx: RequestContext): void {
    const p = ctx.request.params;
    const accounts = p['accounts'] ?? [];
    const contracts = p['contracts'] ?? [];
    const codes: number[] = [];
    if (!Array.isArray(accounts) || !accounts.every((a) => isDecodable(a, 'ak'))) codes.push(1005);
    if (!Array.isArray(contracts) || !contracts.every((c) => isDecodable(c, 'ct'))) codes.push(1006);
    if (codes.length > 0) throw new RpcFailure(rejected(...codes));
    const latest = this.#requireState();
    const wanted = (accounts as Encoded<'ak'>[]).length === 0 && (contracts as unknown[]).length === 0 ? this.#participants() : (accounts as Encoded<'ak'>[]);
    this.#result(ctx, 'channels.get.poi.reply', { poi: poiOf(latest.trees, wanted, contracts as Encoded<'ct'>[]) });
  }

  #onGetOffchainState(ctx: RequestContext): void {
    const latest = this.#requireState();
    const op = this.#op;
    const halfSigned = op !== undefined && op.own && op.signed !== undefined ? op.signed : '';
    this.#result(ctx, 'channels.get.offchain_state.reply', {
      trees: packTrees(latest.trees),
      calls: this.#calls.pack(),
      signed_tx: latest.signedTx,
      half_signed_tx: halfSigned,
    });
  }

  // ---------------------------------------------------------------------------------------
  // Sign replies (§7.4, §9.6)

  async #onSignReply(ctx: RequestContext, tag: SignTag | null): Promise<void> {
    const p = ctx.request.params;
    const signedTx = p['signed_tx'] ?? p['tx'];
    const code = p['error'];
    if (signedTx === undefined && code === undefined) throw new RpcFailure(methodNotFound());
    const op = this.#op;
    const matches = tag !== null && op !== undefined && this.#state === 'awaiting_signature' && op.tag === tag;
    if (signedTx === undefined) {
      if (typeof code !== 'bigint' || code < 1n || code > 65_535n) throw new RpcFailure(internalError());
      if (!matches || op.kind === 'create') throw new RpcFailure(rejected(1018));
      this.#ok(ctx);
      this.#abort(op, Number(code));
      return;
    }
    if (typeof signedTx !== 'string' || !isDecodable(signedTx, 'tx')) throw new RpcFailure(rejected(1010));
    try {
      decodeSignedTx(signedTx as Encoded<'tx'>);
    } catch {
      throw new RpcFailure(rejected(1010));
    }
    this.#ok(ctx);
    // §7.4: a signed reply the FSM is not waiting for is dropped silently.
    if (!matches) return;
    await this.#onSigned(op, signedTx as Encoded<'tx'>);
  }

  #abort(op: PendingOp, code: number): void {
    const round = this.#latest?.round ?? 0n;
    this.#op = undefined;
    if (op.own) {
      if (this.#host.compat.starterAbortAsConflict) this.#conflict(code, round);
      else this.#info('aborted_update');
    } else {
      this.#info('aborted_update');
      this.#toPeer({ type: 'op_error', kind: op.kind, round, errorCode: code, innerBytes: op.innerBytes });
    }
    this.#returnAfterOp();
  }

  #returnAfterOp(): void {
    if (this.#status === 'closing') this.#state = 'channel_closing';
    else this.#enterOpen();
  }

  /** Verifies the client's signature on exactly the tx it was given (§3.2, §3.3). */
  async #verifyClientSignature(op: PendingOp, signedTx: Encoded<'tx'>): Promise<'ok' | 'bad_signature' | 'wrong_tx'> {
    let decoded: ReturnType<typeof unwrapSignedTx>;
    try {
      decoded = unwrapSignedTx(signedTx);
    } catch {
      return 'wrong_tx';
    }
    if (!equalBytes(decoded.innerBytes, op.innerBytes)) return 'wrong_tx';
    const solo = op.kind === 'close_solo' || op.kind === 'slash' || op.kind === 'settle' || op.kind === 'snapshot' || op.kind === 'force_progress';
    if (solo) {
      const result = await this.#host.chain.authenticate(signedTx, [this.me]);
      return result.valid ? 'ok' : 'bad_signature';
    }
    const signers = await this.#signersOf(signedTx);
    if (signers === undefined || !signers.includes(this.me)) return 'bad_signature';
    if (!op.own && signers.length !== 2) return 'bad_signature';
    return 'ok';
  }

  async #onSigned(op: PendingOp, signedTx: Encoded<'tx'>): Promise<void> {
    const verdict = await this.#verifyClientSignature(op, signedTx);
    if (this.#op !== op) return;
    if (verdict !== 'ok') {
      if (op.kind === 'create') {
        this.#fatalDuringOpen('bad_signature');
        return;
      }
      // §8.7: channels.error, then a conflict with code 1 (validation error).
      this.#error(verdict === 'bad_signature' ? 'bad_signature' : 'not_the_tx_signed_for');
      if (!op.own) this.#toPeer({ type: 'op_error', kind: op.kind, round: this.#latest?.round ?? 0n, errorCode: 1, innerBytes: op.innerBytes });
      this.#fallBack(1);
      return;
    }
    op.signed = signedTx;
    switch (op.tag) {
      case 'initiator_sign': {
        const tx = op.tx as TxOf<typeof Tag.ChannelCreateTx>;
        this.#knowChannelId(this.#createChannelId(signedTx, tx));
        this.#clientMayDisconnect = true;
        this.#state = 'half_signed';
        this.#toPeer({ type: 'funding_created', tx: signedTx });
        return;
      }
      case 'responder_sign': {
        this.#adopt(signedTx, op.next as NextState, Tag.ChannelCreateTx);
        this.#op = undefined;
        this.#clientMayDisconnect = true;
        this.#toPeer({ type: 'funding_signed', tx: signedTx });
        this.#onChainTx('funding_created', signedTx);
        this.#subscribeChain();
        this.#state = 'awaiting_locked';
        this.#watchDepth(txHash(signedTx), 'funding', op.tx);
        return;
      }
      case 'update':
      case 'deposit_tx':
      case 'withdraw_tx':
      case 'shutdown_sign':
        this.#state =
          op.kind === 'update' ? 'awaiting_update_ack' : op.kind === 'deposit' ? 'dep_half_signed' : op.kind === 'withdraw' ? 'wdraw_half_signed' : 'mutual_closing';
        this.#toPeer({ type: 'proposal', kind: op.kind as MutualKind, tx: signedTx, updates: op.updates, blockHash: op.blockHash });
        return;
      case 'update_ack':
      case 'deposit_ack':
      case 'withdraw_ack':
      case 'shutdown_sign_ack':
        await this.#acknowledge(op, signedTx);
        return;
      case 'close_solo_sign':
      case 'slash_tx':
      case 'settle_sign':
      case 'snapshot_solo_tx':
      case 'force_progress_tx':
        await this.#postSolo(op, signedTx);
        return;
      default:
    }
  }

  async #postSolo(op: PendingOp, signedTx: Encoded<'tx'>): Promise<void> {
    this.#op = undefined;
    this.#state = this.#status === 'closing' ? 'channel_closing' : 'open';
    const channel = this.#host.chain.getChannel(this.#channelId as Encoded<'ch'>);
    if (op.kind === 'settle' && channel !== undefined && channel.lockedUntil >= this.#host.chain.height) {
      // §9.11: still locked: wait for the unlock height, then post.
      this.#cancelUnlock = this.#host.chain.watchHeight(channel.lockedUntil + 1n, () => {
        this.#host.queue.enqueue(async () => {
          if (this.#state !== 'terminated') await this.#postOrReport(signedTx, op);
        });
      });
      return;
    }
    await this.#postOrReport(signedTx, op);
  }

  async #postOrReport(signedTx: Encoded<'tx'>, op: PendingOp): Promise<void> {
    const hash = await this.#post(signedTx);
    if (hash === undefined) {
      this.#error('tx_rejected');
      return;
    }
    if (op.kind === 'snapshot') this.#watchDepth(hash, 'snapshot', op.tx);
  }

  // ---------------------------------------------------------------------------------------
  // Mutual operations (§9.3, §9.4, §9.10)

  /** Validates a peer proposal against the latest state; returns the next state or a failure reason. */
  async #validateProposal(
    m: Extract<PeerMessage, { type: 'proposal' }>,
  ): Promise<{ innerBytes: Uint8Array; tx: Tx; next: PendingOp['next']; signers: Encoded<'ak'>[] } | undefined> {
    const latest = this.#latest;
    if (latest === undefined) return undefined;
    let decoded: ReturnType<typeof unwrapSignedTx>;
    try {
      decoded = unwrapSignedTx(m.tx);
    } catch {
      return undefined;
    }
    const tx = decoded.tx;
    const peer = this.other as Encoded<'ak'>;
    if (!this.#blockHashOk(m.blockHash)) return undefined;
    let next: PendingOp['next'];
    try {
      switch (m.kind) {
        case 'update': {
          if (tx.tag !== Tag.ChannelOffChainTx || tx.channelId !== this.#channelId || tx.round !== latest.round + 1n) return undefined;
          next = this.#peerNext(m, tx.stateHash);
          if (next === undefined) return undefined;
          break;
        }
        case 'deposit':
        case 'withdraw': {
          const tag = m.kind === 'deposit' ? Tag.ChannelDepositTx : Tag.ChannelWithdrawTx;
          if (tx.tag !== tag || tx.channelId !== this.#channelId || tx.round !== latest.round + 1n) return undefined;
          const party = tx.tag === Tag.ChannelDepositTx ? tx.fromId : (tx as TxOf<typeof Tag.ChannelWithdrawTx>).toId;
          const first = m.updates[0];
          const amount = first !== undefined && 'amount' in first ? first.amount : undefined;
          if (party !== peer || amount !== tx.amount) return undefined;
          next = this.#peerNext(m, tx.stateHash);
          if (next === undefined) return undefined;
          break;
        }
        case 'shutdown': {
          if (tx.tag !== Tag.ChannelCloseMutualTx || tx.channelId !== this.#channelId || tx.fromId !== peer) return undefined;
          // §9.10: rebuild with the same nonce/fee/from and compare.
          const own = this.#closeMutualTx(peer, tx.fee, undefined, tx.nonce);
          if (!equalBytes(serializeObject(own), decoded.innerBytes)) return undefined;
          next = undefined;
          break;
        }
        default:
          return undefined;
      }
    } catch (error) {
      if (error instanceof RpcFailure) return undefined;
      throw error;
    }
    const signers = await this.#signersOf(m.tx);
    if (signers === undefined || !signers.includes(peer)) return undefined;
    return { innerBytes: decoded.innerBytes, tx, next, signers };
  }

  /**
   * The state a peer's update, deposit or withdraw round leads to: its updates applied with
   * the VM against the block it pins, or `undefined` when they are not the peer's to propose
   * or do not give the state hash it signed.
   */
  #peerNext(m: Extract<PeerMessage, { type: 'proposal' }>, signedStateHash: Encoded<'st'>): NextState | undefined {
    if (!this.#peerUpdates(m.updates)) return undefined;
    const next = this.#applyNext(m.updates, this.#pinnedView(m.blockHash));
    return stateHashOf(next.trees) === signedStateHash ? next : undefined;
  }

  async #onProposal(m: Extract<PeerMessage, { type: 'proposal' }>): Promise<void> {
    const state = this.#state;
    const round = this.#latest?.round ?? 0n;
    const busy =
      (state === 'awaiting_signature' && this.#op !== undefined) ||
      state === 'awaiting_update_ack' ||
      state === 'dep_half_signed' ||
      state === 'wdraw_half_signed' ||
      state === 'mutual_closing' ||
      this.#host.takeInjectedConflict(this);
    const acceptable = state === 'open' || (m.kind === 'shutdown' && state === 'channel_closing');
    if (busy || !acceptable) {
      // §9.5: a race. Refuse the peer's proposal; drop our own op if we had one.
      this.#toPeer({ type: 'op_error', kind: m.kind, round, errorCode: 2, innerBytes: innerBytesOf(m.tx) });
      if (busy) this.#fallBack(2);
      return;
    }
    const valid = await this.#validateProposal(m);
    if (this.#state !== state) return;
    if (valid === undefined) {
      this.#toPeer({ type: 'op_error', kind: m.kind, round, errorCode: 1, innerBytes: innerBytesOf(m.tx) });
      this.#conflict(1, round);
      return;
    }
    const op: PendingOp = {
      kind: m.kind,
      tag: signTagOf[m.kind].ack,
      own: false,
      toSign: m.tx,
      innerBytes: valid.innerBytes,
      tx: valid.tx,
      updates: m.updates,
      next: valid.next,
      blockHash: m.blockHash,
      signed: undefined,
    };
    if (valid.signers.includes(this.me)) {
      // §9.3: the starter already collected our signature out of band.
      op.signed = m.tx;
      this.#op = op;
      await this.#acknowledge(op, m.tx);
      return;
    }
    const client = this.#client;
    if (client === undefined || client.closed) {
      // §9.3: nobody can co-sign: the proposal fails as a conflict.
      this.#toPeer({ type: 'op_error', kind: m.kind, round, errorCode: 2, innerBytes: innerBytesOf(m.tx) });
      return;
    }
    this.#info(proposalEvent[m.kind]);
    this.#signRequest(op);
  }

  /** The acknowledger co-signed: apply (update) or hand over for posting (deposit, withdraw, shutdown). */
  async #acknowledge(op: PendingOp, signedTx: Encoded<'tx'>): Promise<void> {
    const kind = op.kind as MutualKind;
    this.#toPeer({ type: 'proposal_ack', kind, tx: signedTx });
    switch (kind) {
      case 'update': {
        this.#adopt(signedTx, op.next as NextState, Tag.ChannelOffChainTx);
        this.#enterOpen();
        return;
      }
      case 'deposit':
      case 'withdraw':
        this.#onChainTx(`${kind}_created`, signedTx);
        this.#state = 'awaiting_locked';
        this.#watchDepth(txHash(signedTx), kind, op.tx);
        return;
      case 'shutdown':
        this.#op = undefined;
        this.#onChainTx('close_mutual', signedTx);
        this.#state = 'mutual_closed';
        this.#status = 'closing';
        this.#info('closing');
        return;
      default:
    }
  }

  async #onProposalAck(m: Extract<PeerMessage, { type: 'proposal_ack' }>): Promise<void> {
    const op = this.#op;
    const expectedState = { update: 'awaiting_update_ack', deposit: 'dep_half_signed', withdraw: 'wdraw_half_signed', shutdown: 'mutual_closing' }[m.kind];
    if (op === undefined || op.kind !== m.kind || this.#state !== expectedState) return;
    const ok = await this.#checkCoSigned(m.tx, op.innerBytes);
    if (this.#op !== op) return;
    if (!ok) {
      this.#error('bad_signature');
      this.#fallBack(1);
      return;
    }
    switch (m.kind) {
      case 'update': {
        this.#adopt(m.tx, op.next as NextState, Tag.ChannelOffChainTx);
        this.#enterOpen();
        return;
      }
      case 'deposit':
      case 'withdraw': {
        const kind = m.kind;
        const hash = await this.#post(m.tx, () => this.#onChainTx(`${kind}_signed`, m.tx));
        if (hash === undefined) {
          // §9.4: the chain refused a mutually signed tx: both fall back with code 5.
          this.#toPeer({ type: 'op_error', kind: m.kind, round: this.#latest?.round ?? 0n, errorCode: 5, innerBytes: op.innerBytes });
          this.#fallBack(5);
          return;
        }
        op.signed = m.tx;
        this.#state = 'awaiting_locked';
        this.#watchDepth(hash, m.kind, op.tx);
        return;
      }
      case 'shutdown': {
        const hash = await this.#post(m.tx, () => {
          this.#onChainTx('close_mutual', m.tx);
          this.#info('closing');
        });
        if (hash === undefined) {
          this.#toPeer({ type: 'op_error', kind: 'shutdown', round: this.#latest?.round ?? 0n, errorCode: 5, innerBytes: op.innerBytes });
          this.#fallBack(5);
          return;
        }
        this.#op = undefined;
        this.#state = 'mutual_closed';
        this.#status = 'closing';
        return;
      }
      default:
    }
  }

  #onOwnLocked(kind: 'deposit' | 'withdraw'): void {
    if (this.#state !== 'awaiting_locked' || this.#op === undefined || this.#op.kind !== kind) return;
    this.#info(`own_${kind}_locked`);
    const hash = txHash(this.#op.signed ?? this.#op.toSign);
    this.#toPeer({ type: 'locked', kind, txHash: hash });
    this.#state = kind === 'deposit' ? 'dep_signed' : 'wdraw_signed';
    if (this.#peerLockedEarly) {
      this.#peerLockedEarly = false;
      this.#completeLocked(kind);
    }
  }

  #onPeerLocked(kind: 'deposit' | 'withdraw'): void {
    if (this.#state === (kind === 'deposit' ? 'dep_signed' : 'wdraw_signed')) this.#completeLocked(kind);
    else if (this.#state === 'awaiting_locked' || this.#state === 'dep_half_signed' || this.#state === 'wdraw_half_signed') {
      this.#peerLockedEarly = true;
    }
  }

  #completeLocked(kind: 'deposit' | 'withdraw'): void {
    const op = this.#op as PendingOp;
    this.#info(`${kind}_locked`);
    this.#adopt(op.signed as Encoded<'tx'>, op.next as NextState, kind === 'deposit' ? Tag.ChannelDepositTx : Tag.ChannelWithdrawTx);
    this.#enterOpen();
  }

  #onOpError(m: Extract<PeerMessage, { type: 'op_error' }>): void {
    const op = this.#op;
    // Only an error about *this* proposal voids it; an error about an op both sides already
    // dropped (crossed updates) is stray.
    const inFlight =
      op !== undefined &&
      m.innerBytes !== undefined &&
      equalBytes(op.innerBytes, m.innerBytes) &&
      (this.#state === 'awaiting_update_ack' ||
        this.#state === 'dep_half_signed' ||
        this.#state === 'wdraw_half_signed' ||
        this.#state === 'mutual_closing' ||
        this.#state === 'awaiting_signature' ||
        (this.#state === 'awaiting_locked' && m.errorCode === 5));
    if (inFlight) {
      this.#fallBack(m.errorCode);
      return;
    }
    // A stray error for an op we already dropped (§9.5): older nodes still reported it.
    if (this.#host.compat.reportStrayConflicts) this.#conflict(m.errorCode, this.#latest?.round ?? 0n);
  }

  // ---------------------------------------------------------------------------------------
  // Reestablish (§9.7)

  #onReestablish(m: Extract<PeerMessage, { type: 'channel_reestablish' }>): void {
    const latest = this.#latest;
    if (m.channelId !== this.#channelId || latest === undefined) return;
    if (m.tx !== latest.signedTx) {
      this.#toPeer({ type: 'fatal', reason: 'offchain_state_mismatch' });
      this.#terminate('offchain_state_mismatch');
      return;
    }
    this.#toPeer({ type: 'channel_reest_ack', tx: latest.signedTx });
    this.#subscribeChain();
    this.#info('channel_reestablished');
    this.#status = 'disconnected';
    this.#enterOpen();
  }

  #onReestablishAck(tx: Encoded<'tx'>): void {
    if (this.#state !== 'reestablish_init' || this.#latest === undefined) return;
    if (tx !== this.#latest.signedTx) {
      this.#terminate('offchain_state_mismatch');
      return;
    }
    this.#subscribeChain();
    this.#info('channel_reestablished');
    this.#enterOpen();
  }
}

function innerBytesOf(tx: Encoded<'tx'>): Uint8Array | undefined {
  try {
    return unwrapSignedTx(tx).innerBytes;
  } catch {
    return undefined;
  }
}

function isDecodable(value: JsonValue | undefined, prefix: 'ak' | 'ct' | 'tx'): boolean {
  if (typeof value !== 'string') return false;
  try {
    decode(value, prefix);
    return true;
  } catch {
    return false;
  }
}

function readMeta(meta: JsonValue | undefined): string[] {
  if (meta === undefined) return [];
  if (!Array.isArray(meta) || !meta.every((m) => typeof m === 'string')) throw new RpcFailure(rejected(1014));
  return meta as string[];
}

function readBlockHash(value: JsonValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new RpcFailure(rejected(104));
  try {
    decode(value, ['kh', 'mh']);
  } catch {
    throw new RpcFailure(rejected(104));
  }
  return value;
}
