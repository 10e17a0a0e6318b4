/**
 * # The Channel: the driver of the protocol reducer
 *
 * `Channel` plays the role of quinn's `ConnectionDriver` (STYLE.md): it owns the socket,
 * the signer, the store and one host timer, and feeds every event into the pure reducer of
 * `@aechannel/fsm` (`step(state, input) -> { state, effects }`), then carries out the
 * returned effects **in order**:
 *
 * | effect | what the driver does |
 * | --- | --- |
 * | `connect {query}` | builds the URL (`url` + query) and opens a transport through the factory |
 * | `send {message}` | writes the JSON-RPC message on the transport (and the transcript) |
 * | `sign {...}` | a tx the peer signed first must carry exactly the peer's valid signature (else `signRefused` code 1 and a `security` event); peer proposals go through the `onPeerUpdate` policy; then the `Signer`; the answer comes back as `signed` / `signRefused` |
 * | `persist {snapshot}` | writes the channel record to the `Store`; `persisted` is fed back only once the write is durable, so nothing is acknowledged to the node before it is stored (LDK's `InProgress`) |
 * | `setTimer` / `clearTimer` | one host timer is kept armed at `nextDeadline(state)` |
 * | `emit {event}` | typed events (`on`, `events()`); the watcher reacts to `onChainTx` |
 * | `settle {commandId}` | settles the promise of the method that sent the command |
 * | `close` | closes the transport |
 * | `resolveEnv {requestId}` | asks the application's `chainEnv` for a contract round's chain environment; answers `envResolved` (an empty list when it cannot tell) |
 *
 * ## Signatures the fsm cannot check
 * The fsm checks the content of every tx and counts signatures, but has no ed25519. The
 * driver verifies them (`verifyTransaction`, PROTOCOL.md §3.2): before signing as the
 * second signer (`#peerSignatureProblem`), and before a node message carrying a state
 * reported as co-signed (`channels.update`, `channels.leave`) reaches the fsm
 * (`#receive`). Such a message is verified *before* `step` because the fsm adopts the
 * state in the same step that asks to persist it, and has no input to take that back; a
 * state without valid signatures of both participants is dropped with a `security` event.
 * A force progress the node reports consumed on chain (`channels.on_chain_tx`), whose state
 * the fsm may take as the latest (CONTRACTS.md §3.4), must carry its poster's valid
 * signature, or the report is dropped the same way.
 *
 * ## Contracts
 * The fsm recomputes contract rounds with the VM; the driver encodes and decodes with the
 * ACIs it knows (`setContractAci`, `createContract` with an ACI), adds the decoded result to
 * each `contractCall` event and to the peer proposals the policy sees (`request.contract`),
 * and answers the fsm's `resolveEnv` with the application's `chainEnv` (the fsm asks only
 * when one is given; without it a round that reads the chain environment is refused).
 *
 * Inputs are processed one at a time, in arrival order: an input that arrives while
 * effects run (e.g. a synchronous transport event) waits in a queue. The clock and the
 * timer functions are injectable (`clock`), so tests can simulate time.
 *
 * ## Failures
 * Nothing a `Channel` does can crash the process: every async path is caught, listener
 * errors are reported to the logger, and every method returns a promise that settles with
 * a typed `ChannelError`. When the connection drops, the driver reconnects with backoff
 * and resumes by fsm id (PROTOCOL.md §6.3); an operation cut by the drop settles once the
 * channel knows whether it took effect (see `#recover`). What cannot be recovered
 * surfaces once as `CHANNEL_UNRECOVERABLE` (an `error` event, `channel.failure`, and the
 * rejection of every pending call).
 *
 * One bad message never leaves the channel behind the node (issue 11): a `channels.update`
 * dropped for its signatures starts a resync from the node's own copy of the state
 * (`#resyncOnUnknownState`), a signed round whose report never comes is checked with the
 * node after `operationTimeouts.stateCheck` (`#watchStateReport`), and a peer's sign
 * request for a round beyond the next waits for that resync (`#parkIfAhead`). Every call
 * is bounded: its own `timeoutMs`, else the channel's default for its kind
 * (`operationTimeouts.ts`).
 *
 * ## Many channels
 * Nothing is global: every channel has its own state, queue, timers and listeners, and
 * releases them all when it ends.
 */
import {
  compareBytes,
  computeStateHash,
  unwrapSignedTx,
  isAechannelError,
  isEncoded,
  Tag,
  unpackTx,
  type AechannelError,
  type Encoded,
  type JsonValue,
} from '@aechannel/codec';
import {
  createInitialState,
  parseUpdate,
  DEFAULT_REFUSAL_CODE,
  REPLY_METHOD,
  VERIFICATION_ABORT_CODE,
  getBalances,
  getChannelId,
  getFsmId,
  getLatestState,
  getPersistedChannel,
  getPhase,
  getRound,
  getStatus,
  nextTimer,
  ownContractUpdate,
  step,
  type ChainEnv,
  type ChannelEvent,
  type ChannelOptions,
  type ContractUpdate,
  type ChannelState,
  type ChannelStatus,
  type Command,
  type CommandKind,
  type CommandResults,
  type Effect,
  type HistoryEntry,
  type Input,
  type PersistedChannel,
  type Role,
  type SignRecord,
  type SignTag,
  type StartMode,
} from '@aechannel/fsm';
import { createTransactionVerifier, isCheckedSigner, isGaSigner, type Signer, type TransactionVerifier } from '@aechannel/signer';
import type { CallObjectJson } from '@aechannel/fate';
import { webSocketTransport, type Transport } from '@aechannel/transport';
import type { Tx } from '@aechannel/codec';
import { channelStoreKey, decodeChannelRecord, encodeChannelRecord, type ChannelRecord } from './channelRecord.js';
import { interruptedContractResult } from './interruptedContractRound.js';
import { assertAci, decodeContractState, encodeCallData, sameAci, toContractCallResult, type ContractAci, type ContractCallResult } from './contractAci.js';
import { createEmitter, type Emitter, type IterateOptions, type Listener } from './createEmitter.js';
import { createMemoryStore } from './createMemoryStore.js';
import { createTranscriptRecorder, type TranscriptRecorder, type TranscriptTarget } from './createTranscriptRecorder.js';
import { createWatcher, type Watcher, type WatcherEvent, type WatcherOptions } from './createWatcher.js';
import { peerUpdateRefusal } from './peerUpdatePolicy.js';
import { verifyChannelRecord } from './verifyChannelRecord.js';
import { ChannelError, invalidArgument, type ChannelErrorCode } from './errors.js';
import { safeLog, silentLogger, type Logger } from './logger.js';
import { openSignRoundOf } from './openSignRound.js';
import { MAX_STATE_CHECK_INTERVAL_MS, operationTimeoutOf, resolveOperationTimeouts, type OperationTimeouts } from './operationTimeouts.js';
import type { Store } from './Store.js';
import { toChannelError } from './toChannelError.js';
import {
  assertAddress,
  assertAmount,
  assertCallOptions,
  assertCount,
  assertEncoded,
  assertOptionalAmount,
  assertString,
  assertStringList,
} from './validate.js';

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

/**
 * Options every method accepts.
 *
 * An abort or a timeout rejects the returned promise at once, but a request the node
 * already received is not undone: a transfer the peer co-signs still happens, and its new
 * state still arrives as a `stateChanged` event and is persisted.
 */
export interface CallOptions {
  /** Rejects the returned promise with `CHANNEL_ABORTED` when aborted. */
  signal?: AbortSignal;
  /**
   * Rejects the returned promise with `CHANNEL_TIMEOUT` after this many milliseconds
   * (default: the channel's `operationTimeouts` for the kind of operation).
   */
  timeoutMs?: number;
}

/** The clock and scheduler a channel uses (injectable for tests). */
export interface ChannelClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Creates the transport for a URL (default: a WebSocket). */
export type TransportFactory = (url: string, context: { signal: AbortSignal }) => Transport;

/** Automatic reconnection after a dropped connection. */
export interface ReconnectPolicy {
  /** Attempts before giving up with `CHANNEL_UNRECOVERABLE` (default 8). */
  attempts?: number;
  /** Delay before the first attempt, doubled each time (default 100 ms). */
  baseDelayMs?: number;
  /** Largest delay (default 5 000 ms). */
  maxDelayMs?: number;
  /** How long recovery may wait for a pending update to resolve after reconnecting (default 10 000 ms). */
  settleWaitMs?: number;
}

/** A peer proposal to accept or refuse (the `sign` effect of an `_ack` tag). */
export interface PeerUpdateRequest {
  /** The sign request tag: `update_ack`, `deposit_ack`, `withdraw_ack` or `shutdown_sign_ack`. */
  tag: SignTag;
  /** The tx to co-sign (already verified by the fsm against the announced update). */
  tx: Encoded<'tx'>;
  /** The decoded inner tx. */
  decoded: Tx;
  /** The updates as the node sent them. */
  updates: readonly JsonValue[];
  /** The fsm's summary of what signing means. */
  reason: string;
  /** Round and balances before the update. */
  round: bigint;
  balances: Record<Encoded<'ak'>, bigint>;
  /** Balances once the proposal is co-signed (null for a mutual close, which ends the channel). */
  nextBalances: Record<Encoded<'ak'>, bigint> | null;
  /** This participant's account (whose balance `balances` and `nextBalances` show before and after). */
  address: Encoded<'ak'>;
  /**
   * A contract round of the peer (its create or call, CONTRACTS.md §2.2–§2.3): the update and
   * the call results this client computed with the VM (decoded when the contract's ACI is
   * known, see {@link Channel.setContractAci}). Absent for payments.
   */
  contract?: { update: ContractUpdate; calls: ContractCallResult[] };
}

/**
 * The decision on a peer proposal: `true`/`undefined` accept; `false` refuse with the
 * default abort code (4, "abort"); a number refuses with that abort code (1–65535;
 * ≥ 128 is "user-defined", PROTOCOL.md §8.6).
 */
export type PeerUpdateDecision = boolean | number | undefined | void;

/** The policy hook for peer proposals. */
export type PeerUpdatePolicy = (request: PeerUpdateRequest) => PeerUpdateDecision | Promise<PeerUpdateDecision>;

/** Events emitted by the driver itself (besides the fsm's events and the watcher's). */
export type DriverEvent =
  | { type: 'reconnecting'; attempt: number; delayMs: number }
  | { type: 'reconnected'; attempt: number; fsmId: Encoded<'ba'> }
  /** Recovery after a reconnect is done: the state is in sync with the node and cut operations are settled. */
  | { type: 'recovered'; round: bigint }
  | { type: 'persisted'; key: string; round: bigint }
  /**
   * A peer proposal was refused by the policy (`policy: 'application'`, the `onPeerUpdate`
   * given) or by the default one (`'default'`, see `defaultPeerUpdatePolicy`); `reason`
   * says why (the default) or what the proposal was (the fsm's summary).
   */
  | { type: 'peerUpdateRefused'; tag: SignTag; code: number | null; reason: string; policy: 'default' | 'application' }
  | { type: 'stateResynced'; round: bigint; state: Encoded<'tx'> }
  /** A sign round a dropped connection or a restart left open at the node was aborted (§9.6). */
  | { type: 'staleRoundAborted'; tag: SignTag };

/**
 * A contract round became part of the latest state (a create or call, this client's or the
 * peer's, or a force progress consumed on chain), with its result decoded when the
 * contract's ACI is known.
 */
export type ContractCallEvent = Extract<ChannelEvent, { type: 'contractCall' }> & {
  /** The call's result (`value`, `events`, `message` decoded with the ACI when known). */
  result: ContractCallResult;
};

/** Every event a channel emits. */
export type ChannelClientEvent = Exclude<ChannelEvent, { type: 'contractCall' }> | ContractCallEvent | WatcherEvent | DriverEvent;

/**
 * Supplies the chain environment a contract round reads (CONTRACTS.md §2.8): the key block
 * pinned for the round (`blockHash`, when this client pinned it), else candidates the node
 * may have pinned (its top key block and recent ones, newest first). `reads` names what the
 * run read. Return null (or throw) when it cannot tell: the round is then refused.
 */
export type ChainEnvProvider = (request: {
  blockHash: Encoded<'kh' | 'mh'> | null;
  reads: readonly string[];
  signal: AbortSignal;
}) => ChainEnv | readonly ChainEnv[] | null | undefined | Promise<ChainEnv | readonly ChainEnv[] | null | undefined>;

/** The type names of {@link ChannelClientEvent}. */
export type ChannelEventType = ChannelClientEvent['type'];

/** Driver settings shared by open, reconnect and reestablish. */
export interface ChannelDriverOptions {
  /** Signs for this participant. Its address must be the role's account. */
  signer: Signer;
  /** Channel endpoint without query, e.g. `ws://127.0.0.1:3014/channel` (default `ws://localhost:3014/channel`). */
  url?: string;
  /** Creates the transport for a URL (default: {@link webSocketTransport}). */
  transport?: TransportFactory;
  /**
   * Checks the signatures this client must verify (the peer's before co-signing, both on a
   * state the node reports as co-signed, §3.2). Default: a `createTransactionVerifier()` of
   * its own, which verifies each signature once and takes the ones this client's signer made
   * as its own. Give one built with a custom Ed25519 `verify` to count or audit them.
   */
  verifier?: TransactionVerifier;
  /** Where the latest co-signed state, fsm id and parameters are kept (default: a memory store). */
  store?: Store;
  /** Store key (default: the channel id). */
  storeKey?: string;
  /** Logger (default: silent). */
  logger?: Logger;
  /** Records every message in the fixture format: a sink or a file path. */
  transcript?: TranscriptTarget;
  /** Slash/settle automatically on a stale close (default on); `false` turns it off. */
  watcher?: boolean | WatcherOptions;
  /**
   * Accept or refuse peer proposals the fsm verified. Default: `defaultPeerUpdatePolicy`
   * (incoming funds and the peer's own deposits, withdrawals and mutual close are accepted;
   * whatever pays out of this participant's balance is refused with abort code 4). A policy
   * given here replaces it (and may call it for what it does not decide).
   */
  onPeerUpdate?: PeerUpdatePolicy;
  /** Reconnect after a dropped connection (default on); `false` turns it off. */
  reconnect?: boolean | ReconnectPolicy;
  /**
   * The chain environment of contract rounds that read it (`Chain.timestamp`,
   * `Chain.block_height`, on-chain lookups; CONTRACTS.md §2.8). Without it such a round is
   * refused (abort code 1, a `security` event): it cannot be recomputed, so it is not signed.
   */
  chainEnv?: ChainEnvProvider;
  /** Clock and timers (default: `Date.now`, `setTimeout`). */
  clock?: ChannelClock;
  /** Randomness for backoff jitter (default `Math.random`). */
  random?: () => number;
  /** Receives every event from the very start (before `open` resolves). */
  onEvent?: (event: ChannelClientEvent) => void;
  /** Aborts opening / reconnecting (the returned promise rejects with `CHANNEL_ABORTED`). */
  signal?: AbortSignal;
  /** Gives up opening / reconnecting after this many milliseconds (`CHANNEL_TIMEOUT`; default `operationTimeouts.open`). */
  timeoutMs?: number;
  /**
   * Default bounds of every call without its own `timeoutMs`, per kind of operation, and
   * of the wait for a signed round's report (see {@link DEFAULT_OPERATION_TIMEOUTS}:
   * off-chain 3 min, on-chain 30 min, queries 30 s, open 30 min, state check 5 s).
   */
  operationTimeouts?: OperationTimeouts;
}

/** The open parameters (PROTOCOL.md §6.2) with the client settings, in camelCase. */
export type ChannelParams = Omit<ChannelOptions, 'existingChannelId' | 'existingFsmId' | 'offchainTx'>;

/** Options of {@link Channel.open}. */
export type OpenChannelOptions = ChannelDriverOptions & ChannelParams;

/** Options of {@link Channel.reconnect} and {@link Channel.reestablish}. */
export type ResumeChannelOptions = ChannelDriverOptions &
  Partial<ChannelParams> & {
    /** The channel to resume. */
    channelId: Encoded<'ch'>;
    /** The latest fsm id (default: the stored one). */
    fsmId?: Encoded<'ba'>;
    /** The stored snapshot to start from (default: read from `store`). */
    saved?: PersistedChannel;
  };

/** Result of transfer, deposit and withdraw: the new co-signed state. */
export interface UpdateResult {
  /** The co-signed state (`tx_`). */
  state: Encoded<'tx'>;
  /** Its round. */
  round: bigint;
  /** Balances of the two participants in it. */
  balances: Record<Encoded<'ak'>, bigint>;
}

/** Result of on-chain operations signed by this client. */
export interface OnChainResult {
  /** The transaction this client signed (posted by the node). */
  tx: Encoded<'tx'>;
}

/** Optional fees of on-chain operations (PROTOCOL.md §7.3). */
export interface OnChainOptions extends CallOptions {
  fee?: bigint;
  gasPrice?: bigint;
  nonce?: bigint;
}

/** Options of transfer. */
export interface TransferOptions extends CallOptions {
  /** The payer (default: this participant). Passing the peer requests coins from it. */
  from?: Encoded<'ak'>;
  /** Meta strings attached to the update. */
  meta?: readonly string[];
  /** Pins the environment (§10.3). */
  blockHash?: Encoded<'kh' | 'mh'>;
}

/** Options of deposit and withdraw. */
export interface DepositOptions extends OnChainOptions {
  meta?: readonly string[];
  blockHash?: Encoded<'kh' | 'mh'>;
}

/**
 * Parameters of force progress (§9.13, CONTRACTS.md §3): the call, given as `callData` or as
 * `function` and `args` with the contract's ACI (given here or registered).
 */
export interface ForceProgressParams {
  contractId: Encoded<'ct'>;
  /** Default 3 (FATE). */
  abiVersion?: bigint;
  /** Default 0. */
  amount?: bigint;
  callData?: Encoded<'cb'>;
  function?: string;
  args?: readonly unknown[];
  aci?: ContractAci;
  /** Gas price of the call (paid by this client on chain, gas used x gas price). */
  gasPrice: bigint;
  /** Default 1 000 000. */
  gas?: bigint;
  nonce?: bigint;
}

/** Options of the contract rounds (`createContract`, `callContract`). */
export interface ContractOptions extends CallOptions {
  /** Meta strings attached to the update. */
  meta?: readonly string[];
  /** Pins the chain environment the contract sees (§10.3; see `chainEnv`). */
  blockHash?: Encoded<'kh' | 'mh'>;
}

/**
 * How to create a contract (CONTRACTS.md §2.2): its code (`cb_`, as the compiler prints it)
 * and the call data of `init`, or the ACI and the arguments of `init` (the ACI is then kept
 * to decode the contract's calls and state).
 */
export type CreateContractParams = {
  code: Encoded<'cb'>;
  /** Coins moved from this participant into the contract (default 0). */
  deposit?: bigint;
  /** VM version (default: 8, FATE_03, with the `ceres` rules; 7, FATE_02, with `iris`/`early-iris`). */
  vmVersion?: bigint;
  /** ABI version (default 3, FATE). */
  abiVersion?: bigint;
} & ({ callData: Encoded<'cb'>; aci?: ContractAci } | { aci: ContractAci; args?: readonly unknown[]; callData?: undefined });

/**
 * How to call a contract (CONTRACTS.md §2.3): call data, or a function of its ACI (given here
 * or registered with {@link Channel.setContractAci}) and its arguments.
 */
export type CallContractParams = {
  /** Coins moved from this participant into the contract with the call (default 0; back to us if it fails). */
  amount?: bigint;
  /** Default 3 (FATE). */
  abiVersion?: bigint;
  aci?: ContractAci;
} & ({ callData: Encoded<'cb'>; function?: undefined } | { function: string; args?: readonly unknown[]; callData?: undefined });

/** Result of a contract round: the new co-signed state and the call's result. */
export interface ContractRoundResult extends UpdateResult {
  /** The call object this client computed and co-signed, decoded with the ACI when known. */
  call: ContractCallResult;
}

/** Result of {@link Channel.createContract}. */
export interface CreateContractResult extends ContractRoundResult {
  /** The new contract. */
  contractId: Encoded<'ct'>;
}

/** A call result the node returned, and whether it equals this client's own record or run. */
export interface CheckedContractCall {
  call: ContractCallResult;
  /**
   * True when it equals the call this client computed (co-signed, or its own dry run); false
   * when it cannot be compared (a call cleaned from this client's record, a run reading the
   * chain environment). A different result is an error, never returned.
   */
  verified: boolean;
}

/** A contract in the latest state (`channels.get.contract`), as this client's own trees hold it. */
export interface ContractInfo {
  id: Encoded<'ct'>;
  owner: Encoded<'ak' | 'ct'>;
  vmVersion: number;
  abiVersion: number;
  active: boolean;
  referrerIds: string[];
  deposit: bigint;
  /** The store: `ck_` key -> `cv_` value (CONTRACTS.md §2.7). */
  store: Record<Encoded<'ck'>, Encoded<'cv'>>;
  /** The contract's `state`, decoded with its ACI (when known and the contract has a state). */
  state?: unknown;
}

/** The node's off-chain state (`channels.get.offchain_state`, §7.5). */
export type OffchainState = CommandResults['getOffchainState'];

// ---------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------

const defaultClock: ChannelClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

const DEFAULT_URL = 'ws://localhost:3014/channel';

const ACK_TAGS: readonly SignTag[] = ['update_ack', 'deposit_ack', 'withdraw_ack', 'shutdown_sign_ack'];

/**
 * Sign requests whose tx the peer signed first (PROTOCOL.md §3.3): it must carry exactly
 * the peer's valid signature before we add ours. (Own requests must carry none: the fsm
 * counts that already.)
 */
const PEER_SIGNED_TAGS: readonly SignTag[] = [...ACK_TAGS, 'responder_sign'];

/** The sign request each own operation leads to (PROTOCOL.md §7.2, §7.3). */
const OWN_TAG_OF: Partial<Record<CommandKind, SignTag>> = {
  transfer: 'update',
  newContract: 'update',
  callContract: 'update',
  deposit: 'deposit_tx',
  withdraw: 'withdraw_tx',
  shutdown: 'shutdown_sign',
  closeSolo: 'close_solo_sign',
  slash: 'slash_tx',
  settle: 'settle_sign',
  snapshotSolo: 'snapshot_solo_tx',
  forceProgress: 'force_progress_tx',
};

/** Sign requests the node may hold for us while the channel is open (probed after a restart). */
const PROBE_TAGS_OPEN: readonly SignTag[] = ['update', 'update_ack', 'withdraw_tx', 'withdraw_ack', 'deposit_tx', 'deposit_ack', 'shutdown_sign', 'shutdown_sign_ack', 'snapshot_solo_tx', 'close_solo_sign', 'force_progress_tx'];

/** The message of a `channels.error` the fsm reported (`FSM_NODE_ERROR`, §8.7), e.g. `tx_rejected`. */
function reportedMessage(error: AechannelError): string | undefined {
  const message = (error.context as { data?: { message?: unknown } } | undefined)?.data?.message;
  return typeof message === 'string' ? message : undefined;
}

/** `channels.info` events that tell why the node fsm dies before the channel is open (§8.1, §9.9). */
const OPEN_FAILURE_EVENTS: readonly string[] = ['bad_signature', 'bad_state_hash', 'not_create_tx', 'timeout', 'zombie_channel'];

/** Sign requests the node may hold for us while the channel is closing. */
const PROBE_TAGS_CLOSING: readonly SignTag[] = ['slash_tx', 'settle_sign', 'shutdown_sign', 'shutdown_sign_ack', 'force_progress_tx'];

/** The sign request each peer proposal leads to (PROTOCOL.md §8.2). */
const ACK_TAG_OF: Record<'transfer' | 'deposit' | 'withdraw' | 'shutdown', SignTag> = {
  transfer: 'update_ack',
  deposit: 'deposit_ack',
  withdraw: 'withdraw_ack',
  shutdown: 'shutdown_sign_ack',
};

/** Commands whose effect (a new co-signed state) can be checked after a dropped connection. */
const STATE_KINDS: readonly CommandKind[] = ['transfer', 'deposit', 'withdraw', 'newContract', 'callContract'];

interface Pending {
  kind: CommandKind;
  command: Command;
  internal: boolean;
  /** Round and balances when the command was sent (to tell after a drop whether it took effect). */
  startRound: bigint;
  startBalances: Record<Encoded<'ak'>, bigint>;
  resolve: (value: unknown) => void;
  reject: (error: ChannelError) => void;
  cleanup: () => void;
}

/** A message or the close of a transport, waiting for the fsm (see `Channel#receive`). */
type InboundItem = { kind: 'message'; message: JsonValue } | { kind: 'close'; run: () => void };

/** The inbound queue of one transport; `busy` while a co-signed state is being verified. */
interface Inbound {
  transport: Transport;
  items: InboundItem[];
  busy: boolean;
}

interface StartSettings {
  mode: StartMode;
  options: ChannelOptions;
  saved?: PersistedChannel;
  driver: ChannelDriverOptions;
}

function requiredReconnect(policy: boolean | ReconnectPolicy | undefined): Required<ReconnectPolicy> | null {
  if (policy === false) return null;
  const p = policy === true || policy === undefined ? {} : policy;
  return {
    attempts: p.attempts ?? 8,
    baseDelayMs: p.baseDelayMs ?? 100,
    maxDelayMs: p.maxDelayMs ?? 5_000,
    settleWaitMs: p.settleWaitMs ?? 10_000,
  };
}

/**
 * Builds the channel URL from the endpoint and the fsm's query (keys sorted, values percent-encoded).
 * @param base - the node's channel endpoint, e.g. `ws://127.0.0.1:3014/channel`
 * @param query - the open parameters as strings (PROTOCOL.md §6.2)
 * @returns the URL to connect to
 * @example channelUrl('ws://127.0.0.1:3014/channel', { role: 'responder', port: '13179' })
 * // 'ws://127.0.0.1:3014/channel?port=13179&role=responder'
 */
export function channelUrl(base: string, query: Record<string, string>): string {
  const pairs = Object.keys(query)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(query[key] ?? '')}`);
  return `${base}${base.includes('?') ? '&' : '?'}${pairs.join('&')}`;
}

function expectedBalances(command: Command, start: Record<Encoded<'ak'>, bigint>, self: Encoded<'ak'>): Record<Encoded<'ak'>, bigint> | null {
  const out = { ...start };
  switch (command.kind) {
    case 'transfer': {
      const from = out[command.from];
      const to = out[command.to];
      if (from === undefined || to === undefined) return null;
      out[command.from] = from - command.amount;
      out[command.to] = to + command.amount;
      return out;
    }
    case 'deposit':
      if (out[self] === undefined) return null;
      out[self] += command.amount;
      return out;
    case 'withdraw':
      if (out[self] === undefined) return null;
      out[self] -= command.amount;
      return out;
    default:
      return null;
  }
}

/** Whether two signed txs carry the same channel tx (signatures and GA meta layers aside). */
function sameInnerTx(a: Encoded<'tx'>, b: Encoded<'tx'>): boolean {
  try {
    return compareBytes(unwrapSignedTx(a).innerBytes, unwrapSignedTx(b).innerBytes) === 0;
  } catch {
    return false;
  }
}

const sameBalances = (a: Record<string, bigint>, b: Record<string, bigint>): boolean => {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
};

// ---------------------------------------------------------------------------------------
// Channel
// ---------------------------------------------------------------------------------------

/**
 * A state channel, driven over a transport, signing with a `Signer`, persisting to a
 * `Store`. Create one with {@link Channel.open}, {@link Channel.reconnect} or
 * {@link Channel.reestablish}.
 *
 * @example
 * const channel = await Channel.open({
 *   url: devnode.url, networkId: devnode.networkId, signer: memorySigner(initiatorKey),
 *   role: 'initiator', initiatorId, responderId, initiatorAmount: 10n ** 18n,
 *   responderAmount: 10n ** 18n, channelReserve: 1n, lockPeriod: 10n, host: '127.0.0.1', port: 3333,
 * });
 * await channel.transfer(responderId, 1000n);
 * await channel.shutdown();
 */
export class Channel {
  #state: ChannelState;
  readonly #signer: Signer;
  readonly #verifier: TransactionVerifier;
  readonly #url: string;
  readonly #transportFactory: TransportFactory;
  readonly #store: Store;
  readonly #storeKey: string | undefined;
  readonly #logger: Logger;
  readonly #recorder: TranscriptRecorder | undefined;
  readonly #policy: PeerUpdatePolicy | undefined;
  readonly #reconnectPolicy: Required<ReconnectPolicy> | null;
  readonly #clock: ChannelClock;
  readonly #random: () => number;
  readonly #emitter: Emitter<ChannelClientEvent>;
  readonly #watcher: Watcher | undefined;
  readonly #lifetime = new AbortController();
  readonly #timeouts: Readonly<Required<OperationTimeouts>>;

  #transport: Transport | undefined;
  /** What the current transport delivered that the fsm has not seen yet (see `#receive`). */
  #inbound: Inbound | undefined;
  #detachTransport: (() => void)[] = [];
  #inputs: Input[] = [];
  #processing = false;
  #pending = new Map<number, Pending>();
  #commandCounter = 0;
  #timerHandle: unknown;
  #timerAt: number | undefined;
  /** Cancels the pending reconnect backoff, if any. */
  #reconnectCancel: (() => void) | undefined;
  /** The driver's own waits (backoff, abort probes, resync, store retries), ended with the channel (`#after`). */
  #waits = new Set<() => void>();
  #reconnectAttempt = 0;
  /** Contract ACIs, by contract id (see `setContractAci`). */
  readonly #acis = new Map<Encoded<'ct'>, ContractAci>();
  /** ACIs of own creates in flight, by `<code>:<init call data>` (registered when the create is co-signed). */
  readonly #creating = new Map<string, ContractAci>();
  /** Call data of recent contract rounds (`<contract>:<round>`), to name the function of a `getContractCall` result. */
  readonly #callData = new Map<string, Encoded<'cb'>>();
  readonly #chainEnv: ChainEnvProvider | undefined;
  #reconnecting = false;
  #userDisconnect = false;
  #finished = false;
  #failure: ChannelError | undefined;
  /** Commands cut by a dropped connection, waiting for recovery to tell whether they took effect. */
  #interrupted: Pending[] = [];
  #recovering = false;
  /** The resync in progress (one at a time), and another round asked for meanwhile (with its half-signed wait). */
  #resyncRun: Promise<void> | undefined;
  #resyncAgain: { waitHalfSigned: boolean } | undefined;
  /** A state-creating round this client signed, waiting for the node's report, and its next check. */
  #stateCheck: { tx: Encoded<'tx'>; cancel: () => void } | undefined;
  /** Rounds a resync was already started for after an unknown co-signed state. */
  #resyncedRounds = new Set<bigint>();
  /** Final statuses the channel went through. */
  #reached = new Set<ChannelStatus>();
  /** What the current connection's transport reported as an error (why a connect failed). */
  #transportError: AechannelError | undefined;
  /** How the last connection closed. */
  #lastClose: { code: number; reason: string } | undefined;
  /** The settle under way (the watcher's or the application's): a second `settle()` joins it. */
  #settling: Promise<OnChainResult> | undefined;
  /** The settle tx the node reported closing the channel (`channel_closed`, `channel_settle_tx`). */
  #settleOnChain: Encoded<'tx'> | undefined;
  /** What was in flight when the connection dropped (to unblock the node fsm after reconnecting). */
  #atDrop: { round: bigint; tags: SignTag[] } | undefined;
  /**
   * The peer's contract round this client signed when the socket dropped: if the node's
   * state after recovering is that round, its `contractCall` event is emitted then (the fsm
   * adopts such a state without its record).
   */
  #peerContractAtDrop: SignRecord | undefined;
  /** Abort replies sent during recovery, by reply method, whose "nothing to abort" error is expected. */
  #recoveryAborts = new Map<string, () => void>();
  #recoveryId = 0;

  private constructor(settings: StartSettings) {
    const driver = settings.driver;
    this.#signer = driver.signer;
    this.#verifier = driver.verifier ?? createTransactionVerifier();
    this.#url = driver.url ?? DEFAULT_URL;
    this.#transportFactory = driver.transport ?? ((url, { signal }) => webSocketTransport(url, { signal }));
    this.#store = driver.store ?? createMemoryStore();
    this.#storeKey = driver.storeKey;
    this.#logger = driver.logger ?? silentLogger;
    this.#policy = driver.onPeerUpdate;
    this.#chainEnv = driver.chainEnv;
    this.#reconnectPolicy = requiredReconnect(driver.reconnect);
    this.#timeouts = resolveOperationTimeouts(driver.operationTimeouts);
    this.#clock = driver.clock ?? defaultClock;
    this.#random = driver.random ?? Math.random;
    this.#emitter = createEmitter<ChannelClientEvent>({
      onListenerError: (error, type) => safeLog(this.#logger, 'error', `A listener of "${type}" threw.`, { error }),
    });
    if (driver.onEvent !== undefined) this.#emitter.on('*', driver.onEvent);
    this.#recorder =
      driver.transcript === undefined
        ? undefined
        : createTranscriptRecorder(driver.transcript, settings.options.role, (error) =>
            safeLog(this.#logger, 'warn', 'Transcript write failed.', { error }),
          );
    // The fsm asks for a round's chain environment only when the application can supply it.
    const options: ChannelOptions = {
      ...settings.options,
      resolveChainEnv: driver.chainEnv !== undefined,
      // A generalized account's signer makes this participant one (PROTOCOL.md §2.9).
      generalizedAccounts: withGeneralizedSelf(settings.options, driver.signer),
    };
    this.#state = createInitialState(options, settings.saved === undefined ? { mode: settings.mode } : { mode: settings.mode, savedState: settings.saved });
    const watcherOption = driver.watcher ?? true;
    this.#watcher =
      watcherOption === false
        ? undefined
        : createWatcher(
            {
              slash: () => this.slash(),
              settle: () => this.settle(),
              snapshot: () => this.snapshot(),
              report: (event) => this.#emit(event),
            },
            watcherOption === true ? {} : watcherOption,
          );
  }

  // -------------------------------------------------------------------------------------
  // Creation
  // -------------------------------------------------------------------------------------

  /**
   * Opens a new channel (PROTOCOL.md §6.2, §9.2), as initiator or responder, and resolves
   * once it is open (both parties signed the create tx and it reached minimum depth).
   * @param options - the open parameters, the signer, and driver settings
   * @returns the open channel
   * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` (naming the argument),
   *   `CHANNEL_CONNECTION_REJECTED` (node open-time errors, e.g. 1011 participant not found),
   *   `CHANNEL_CLOSED` (the node fsm died while opening; the node's reason, e.g.
   *   `bad_signature` for a network id that is not the node's, in the message,
   *   `context.nodeReason` and the cause), `CHANNEL_UNRECOVERABLE` (the connection closed
   *   before the channel was created, e.g. nothing listens at the URL: the connection error
   *   is the cause), `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`. Each names the node URL (message
   *   and `context.url`).
   * @example
   * const channel = await Channel.open({ ...params, signer, url, networkId });
   */
  static async open(options: OpenChannelOptions): Promise<Channel> {
    const { driver, params } = splitOptions(options);
    validateParams(params, driver.signer);
    const channel = new Channel({ mode: 'open', options: params as ChannelOptions, driver });
    await channel.#start(driver, 'open');
    return channel;
  }

  /**
   * Reconnects to a channel whose node fsm is still running (PROTOCOL.md §6.3 case 1):
   * the node authenticates the fsm id and the channel continues where it was. Works too
   * when the node restarts the fsm from its cache (case 2).
   * @param options - `channelId` and a `store` holding its record (or `saved`, the snapshot
   *   from {@link Channel.persisted}), the signer and driver settings; open parameters given
   *   here override the stored ones (e.g. a new `host`)
   * @returns the channel, open again
   * @throws {ChannelError} `CHANNEL_STORE_NOT_FOUND`, `CHANNEL_STORE_CORRUPT` (a record or
   *   `saved` snapshot that does not prove itself), `CHANNEL_INVALID_ARGUMENT`,
   *   `CHANNEL_CONNECTION_REJECTED` (1016 invalid fsm id), `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`
   * @example
   * const channel = await Channel.reconnect({ store, channelId, signer, url });
   */
  static async reconnect(options: ResumeChannelOptions): Promise<Channel> {
    return Channel.#resume(options, 'reconnect');
  }

  /**
   * Continues a channel after a restart of this process, from the latest co-signed state in
   * the store (PROTOCOL.md §6.3, §9.7). The node either reattaches the running fsm (same
   * fsm id) or restores it and runs the reestablish handshake with the peer (new fsm id);
   * both are handled. A co-signed state newer than the stored one (a crash between the
   * node's `channels.update` and the write) is fetched, verified and adopted.
   * @param options - `store` and `channelId`, the signer and driver settings
   * @returns the channel, open again
   * @throws {ChannelError} `CHANNEL_STORE_NOT_FOUND`, `CHANNEL_STORE_CORRUPT` (unreadable, or a
   *   record that does not prove itself: see `verifyChannelRecord`; it is never used),
   *   `CHANNEL_CONNECTION_REJECTED`, `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`
   * @example
   * const channel = await Channel.reestablish({ store: createFileStore('./.aechannel'), channelId, signer, url });
   */
  static async reestablish(options: ResumeChannelOptions & { store: Store }): Promise<Channel> {
    return Channel.#resume(options, 'reestablish');
  }

  static async #resume(options: ResumeChannelOptions, kind: 'reconnect' | 'reestablish'): Promise<Channel> {
    if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
    const channelId = assertEncoded(options.channelId, 'ch', 'channelId');
    const { driver, params } = splitOptions(options);
    let saved = options.saved;
    let acis: ChannelRecord['acis'];
    const store = driver.store;
    if (saved === undefined && store !== undefined) {
      const key = driver.storeKey ?? channelStoreKey(channelId);
      const text = await store.read(key);
      if (text !== undefined) {
        const record = decodeChannelRecord(text, key);
        saved = record.channel;
        acis = record.acis;
        // A checksum shows the record is whole, not that it is true: it proves itself first.
        await verifyChannelRecord(saved, key);
      }
    } else if (saved !== undefined) {
      await verifyChannelRecord(saved, 'saved');
    }
    if (saved === undefined) {
      // Resuming needs the latest co-signed state (the node does not resend it on a reconnect, §6.3).
      if (store === undefined) throw invalidArgument('store', 'a store holding the channel (or `saved`, the persisted snapshot)', undefined);
      throw new ChannelError('CHANNEL_STORE_NOT_FOUND', `The store holds no record of channel ${channelId}.`, { context: { channelId } });
    }
    if (saved !== undefined && saved.channelId !== null && saved.channelId !== channelId) {
      throw invalidArgument('channelId', `the stored channel ${saved.channelId}`, channelId);
    }
    const overrides: Partial<ChannelOptions> = { ...params, existingChannelId: channelId };
    if (options.fsmId !== undefined) overrides.existingFsmId = assertEncoded(options.fsmId, 'ba', 'fsmId');
    const merged = { ...saved.options, ...overrides } as ChannelOptions;
    if (driver.signer.address !== (merged.role === 'initiator' ? merged.initiatorId : merged.responderId) && merged.initiatorId !== 'any') {
      throw invalidArgument('signer', `a signer for ${merged.role === 'initiator' ? merged.initiatorId : merged.responderId}`, driver.signer.address);
    }
    if (merged.networkId === undefined) throw invalidArgument('networkId', 'a network id', undefined);
    // The node decides between reattaching the running fsm and restoring it (§6.3); the
    // fsm's reconnect mode accepts both sequences, so it is used for either call.
    const channel = new Channel({ mode: 'reconnect', options: merged, saved, driver });
    // The ACIs stored with the record decode the contracts' calls and state again.
    for (const [id, aci] of Object.entries(acis ?? {})) channel.#acis.set(id as Encoded<'ct'>, aci);
    await channel.#start(driver, kind, saved.fsmId);
    return channel;
  }

  /** Starts the reducer and waits until the channel is open (or failed). */
  async #start(driver: ChannelDriverOptions, kind: 'open' | 'reconnect' | 'reestablish', savedFsmId: Encoded<'ba'> | null = null): Promise<void> {
    const { signal, timeoutMs = this.#timeouts.open } = assertCallOptions({ signal: driver.signal, timeoutMs: driver.timeoutMs }, 'options');
    await new Promise<void>((resolve, reject) => {
      let timer: unknown;
      let newFsm = false;
      const cleanups: (() => void)[] = [];
      const done = (failure?: ChannelError): void => {
        for (const cleanup of cleanups) cleanup();
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        if (failure === undefined) resolve();
        else {
          const error = this.#withUrl(failure, kind);
          this.#finish(error, false);
          reject(error);
        }
      };
      let sawOpen = false;
      let recovering = false;
      // What the node said went wrong before the channel was open (its reason for dying).
      let nodeReason: { reason: string; error: AechannelError } | undefined;
      cleanups.push(
        this.#emitter.on('*', (event) => {
          if (event.type === 'fsmUp' && kind !== 'open' && savedFsmId !== null && event.fsmId !== savedFsmId) {
            // A different fsm id on resume: the node restored the fsm and reestablishes with the peer (§9.7).
            newFsm = true;
          }
          if (event.type === 'info' && event.event === 'open') sawOpen = true;
          if (event.type === 'info' && OPEN_FAILURE_EVENTS.includes(event.event)) {
            nodeReason = { reason: event.event, error: new ChannelError('CHANNEL_NODE_ERROR', `The node reported ${event.event}.`, { context: { event: event.event } }) };
          }
          if (event.type === 'error' && isAechannelError(event.error, 'FSM_NODE_ERROR') && nodeReason === undefined) {
            nodeReason = { reason: reportedMessage(event.error) ?? event.error.shortMessage, error: event.error };
          }
          const status = getStatus(this.#state);
          if (status === 'died' || status === 'closed') {
            const networkId = this.#state.options.networkId;
            const why = nodeReason === undefined ? '' : `: the node reported ${nodeReason.reason}`;
            // bad_signature at open: our signature does not verify for the node's network.
            const hint = nodeReason?.reason === 'bad_signature' ? ` (is networkId "${networkId}" the node's network?)` : '';
            done(
              new ChannelError('CHANNEL_CLOSED', `The channel ${status} before it was open${why}${hint}.`, {
                cause: nodeReason?.error,
                context: { status, networkId, ...(nodeReason === undefined ? {} : { nodeReason: nodeReason.reason }) },
              }),
            );
            return;
          }
          // Open means: the node said so, and the co-signed state is known and stored.
          const ready = status === 'open' && this.latestState !== null && this.#state.persisting === null && (!newFsm || sawOpen);
          if (!ready || recovering) return;
          if (kind === 'open') {
            done();
            return;
          }
          recovering = true;
          void this.#resync()
            .then(() => this.#abortStale(true))
            .then(
              () => done(),
              () => done(),
            );
        }),
      );
      cleanups.push(
        this.#emitter.on('error', (event) => {
          if (isAechannelError(event.error, 'FSM_CONNECTION_REJECTED') || isAechannelError(event.error, 'FSM_TIMEOUT')) done(toChannelError(event.error, kind));
          else if (isAechannelError(event.error, 'CHANNEL_UNRECOVERABLE')) done(event.error as ChannelError);
        }),
      );
      if (signal !== undefined) {
        const onAbort = (): void => done(new ChannelError('CHANNEL_ABORTED', `${kind} was aborted.`, { cause: signal.reason }));
        if (signal.aborted) {
          onAbort();
          return;
        }
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      timer = this.#clock.setTimeout(() => done(new ChannelError('CHANNEL_TIMEOUT', `${kind} did not complete within ${timeoutMs} ms.`, { context: { timeoutMs } })), timeoutMs);
      this.#dispatch({ type: 'start', now: this.#clock.now() });
    });
  }

  /** An open failure as the application sees it: the node URL in the message and the context. */
  #withUrl(error: ChannelError, kind: string): ChannelError {
    const url = this.#url;
    if (error.shortMessage.includes(url)) return error;
    return new ChannelError(error.code as ChannelErrorCode, `${kind === 'open' ? 'Opening' : kind === 'reconnect' ? 'Reconnecting' : 'Reestablishing'} the channel at ${url} failed: ${error.shortMessage}`, {
      cause: error.cause ?? error,
      details: error.details,
      context: { ...error.context, url },
    });
  }

  // -------------------------------------------------------------------------------------
  // Getters
  // -------------------------------------------------------------------------------------

  /** Connection/channel status (PROTOCOL.md §9.14). */
  get status(): ChannelStatus {
    return getStatus(this.#state);
  }
  /** Round of the latest co-signed state. */
  get round(): bigint {
    return getRound(this.#state);
  }
  /** The channel id, once known. */
  get channelId(): Encoded<'ch'> | null {
    return getChannelId(this.#state);
  }
  /** The latest fsm id (the reconnect credential). */
  get fsmId(): Encoded<'ba'> | null {
    return getFsmId(this.#state);
  }
  /** The latest co-signed state. */
  get latestState(): Encoded<'tx'> | null {
    return getLatestState(this.#state);
  }
  /** Balances of the two participants in the latest co-signed state (local, no request). */
  get localBalances(): Record<Encoded<'ak'>, bigint> {
    return getBalances(this.#state);
  }
  /** This participant's role. */
  get role(): Role {
    return this.#state.options.role;
  }
  /** This participant's account. */
  get address(): Encoded<'ak'> {
    return this.#signer.address;
  }
  /** The other participant's account (null while a responder accepts `any` initiator). */
  get peer(): Encoded<'ak'> | null {
    const o = this.#state.options;
    const other = o.role === 'initiator' ? o.responderId : o.initiatorId;
    return other === 'any' ? null : other;
  }
  /** The snapshot a store keeps (what {@link Channel.reestablish} needs). */
  get persisted(): PersistedChannel {
    return getPersistedChannel(this.#state);
  }
  /** The error that ended the channel, if it is unrecoverable. */
  get failure(): ChannelError | undefined {
    return this.#failure;
  }
  /** Whether the channel has ended (closed, died, disposed or unrecoverable). */
  get finished(): boolean {
    return this.#finished;
  }

  // -------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------

  /**
   * Listens to events of one type (or `'*'` for all).
   * @returns a function that removes the listener
   * @example channel.on('stateChanged', (e) => console.log(e.round, e.balances));
   */
  on<T extends ChannelEventType>(type: T, listener: Listener<Extract<ChannelClientEvent, { type: T }>>): () => void;
  on(type: '*', listener: Listener<ChannelClientEvent>): () => void;
  on(type: string, listener: Listener<never>): () => void {
    return this.#emitter.on(type as '*', listener as Listener<ChannelClientEvent>);
  }

  /** Like {@link Channel.on}, for the next event only. */
  once<T extends ChannelEventType>(type: T, listener: Listener<Extract<ChannelClientEvent, { type: T }>>): () => void;
  once(type: '*', listener: Listener<ChannelClientEvent>): () => void;
  once(type: string, listener: Listener<never>): () => void {
    return this.#emitter.once(type as '*', listener as Listener<ChannelClientEvent>);
  }

  /** Removes a listener. */
  off<T extends ChannelEventType>(type: T | '*', listener: Listener<never>): void {
    this.#emitter.off(type, listener);
  }

  /**
   * An async iterator over future events; it ends when the channel ends, when the signal
   * aborts, or when the loop breaks (its listener is then removed).
   * @example for await (const event of channel.events({ types: ['stateChanged'] })) console.log(event.round);
   */
  events<T extends ChannelEventType = ChannelEventType>(options?: IterateOptions<T>): AsyncIterableIterator<Extract<ChannelClientEvent, { type: T }>> {
    return this.#emitter.iterate(options);
  }

  /**
   * Resolves when the channel reaches `status` (at once if it is there).
   * @throws {ChannelError} `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`; `CHANNEL_CLOSED` when the channel ends first
   */
  waitForStatus(status: ChannelStatus, options: CallOptions = {}): Promise<void> {
    const call = assertCallOptions(options);
    // `closed` and `died` are final: once reached they count even after the next status.
    if (this.status === status || ((status === 'closed' || status === 'died') && this.#reached.has(status))) return Promise.resolve();
    if (this.#finished) return Promise.reject(new ChannelError('CHANNEL_CLOSED', `The channel ended (${this.status}) without reaching ${status}.`, { context: { status: this.status } }));
    return this.#wait(
      (resolve, reject) => [
        this.#emitter.on('statusChanged', (event) => {
          if (event.status === status) resolve(undefined);
          else if (event.status === 'died' && status !== 'died') reject(new ChannelError('CHANNEL_CLOSED', `The channel died before reaching ${status}.`));
        }),
      ],
      `waitForStatus(${status})`,
      { ...call, timeoutMs: call.timeoutMs ?? this.#timeouts.onChain },
      (resolve, reject) => {
        if (this.status === status || this.#reached.has(status)) resolve(undefined);
        else reject(new ChannelError('CHANNEL_CLOSED', `The channel ended (${this.status}) without reaching ${status}.`, { context: { status: this.status } }));
      },
    );
  }

  // -------------------------------------------------------------------------------------
  // Operations
  // -------------------------------------------------------------------------------------

  /**
   * Transfers coins inside the channel (`channels.update.new`, PROTOCOL.md §7.2, §9.3).
   * Resolves with the new co-signed state once it is stored.
   * @param to - the recipient (the other participant)
   * @param amount - aettos, a non-negative bigint
   * @param options - `from` (to request coins from the peer), `meta`, `blockHash`, signal, timeout
   * @returns the new state, round and balances
   * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`, `CHANNEL_COMMAND_REJECTED` (e.g. over
   *   the reserve), `CHANNEL_NODE_ERROR` (e.g. 1001), `CHANNEL_CONFLICT`, `CHANNEL_UPDATE_ABORTED`,
   *   `CHANNEL_CONNECTION_LOST`, `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`, `CHANNEL_UNRECOVERABLE`
   * @example const { round, balances } = await channel.transfer(peer, 10n);
   */
  transfer(to: Encoded<'ak'>, amount: bigint, options: TransferOptions = {}): Promise<UpdateResult> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      const command: Command = {
        kind: 'transfer',
        from: options.from === undefined ? this.address : assertAddress(options.from, 'options.from'),
        to: assertAddress(to, 'to'),
        amount: assertAmount(amount, 'amount'),
        ...metaOf(options),
      };
      return this.#command(command, call).then((r) => this.#updateResult(r as CommandResults['transfer']));
    });
  }

  /**
   * Deposits coins from this participant's account into the channel (§7.3, §9.4). Resolves
   * once the deposit tx reached minimum depth and the new state is stored.
   * @param amount - aettos, positive
   * @throws {ChannelError} as {@link Channel.transfer}
   * @example await channel.deposit(10n ** 17n);
   */
  deposit(amount: bigint, options: DepositOptions = {}): Promise<UpdateResult> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      const command: Command = { kind: 'deposit', amount: assertAmount(amount, 'amount', { positive: true }), ...metaOf(options), ...feesOf(options) };
      return this.#command(command, call).then((r) => this.#updateResult(r as CommandResults['deposit']));
    });
  }

  /**
   * Withdraws coins from the channel to this participant's account (§7.3, §9.4).
   * @param amount - aettos, positive
   * @throws {ChannelError} as {@link Channel.transfer}
   * @example await channel.withdraw(10n ** 17n);
   */
  withdraw(amount: bigint, options: DepositOptions = {}): Promise<UpdateResult> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      const command: Command = { kind: 'withdraw', amount: assertAmount(amount, 'amount', { positive: true }), ...metaOf(options), ...feesOf(options) };
      return this.#command(command, call).then((r) => this.#updateResult(r as CommandResults['withdraw']));
    });
  }

  /**
   * Posts the latest co-signed off-chain state on chain (`channels.snapshot_solo`, §9.12),
   * so an older one can no longer be used in a dispute. The channel stays usable.
   * @throws {ChannelError} `CHANNEL_COMMAND_REJECTED` (1012/1013: nothing new to snapshot), ...
   * @example await channel.snapshot();
   */
  snapshot(options: OnChainOptions = {}): Promise<OnChainResult> {
    return this.#guard(() => this.#command({ kind: 'snapshotSolo', ...feesOf(options) }, assertCallOptions(options)) as Promise<OnChainResult>);
  }

  /**
   * Closes the channel mutually (`channels.shutdown`, §9.10). Resolves with the close tx
   * this client signed once the peer co-signed it; `status` becomes `closed` when it
   * reaches minimum depth (`waitForStatus('closed')`).
   * @example await channel.shutdown(); await channel.waitForStatus('closed');
   */
  shutdown(options: OnChainOptions = {}): Promise<OnChainResult> {
    return this.#guard(() => this.#command({ kind: 'shutdown', ...feesOf(options) }, assertCallOptions(options)) as Promise<OnChainResult>);
  }

  /**
   * Closes the channel unilaterally with the latest co-signed state (`channels.close_solo`,
   * §9.11). Resolves once the close is on chain: the node took the signed tx, posted it, and
   * reported it included (`solo_closing`, then `info closing`: the status is `closing`), not
   * when the node merely accepted the signed tx. After the lock period, `settle` pays out
   * (the watcher does it by default). `timeoutMs` (default: `operationTimeouts.onChain`)
   * bounds the whole of it.
   * @returns `{ tx }`: the close solo tx this client signed
   * @throws {ChannelError} `CHANNEL_COMMAND_REJECTED` (not open), `CHANNEL_NODE_ERROR` (the
   *   node refused it, or reported an error before it was on chain, e.g. the chain refused
   *   it), `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`, `CHANNEL_CLOSED`
   * @example await channel.closeSolo(); // channel.status === 'closing'
   */
  closeSolo(options: OnChainOptions = {}): Promise<OnChainResult> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      const deadline = this.#clock.now() + (call.timeoutMs ?? operationTimeoutOf('closeSolo', this.#timeouts) ?? 0);
      // Listen from the start: the inclusion can be reported before the node's "ok" is read.
      let failure: ChannelError | undefined;
      const offError = this.#emitter.on('error', (event) => {
        if (failure === undefined && isAechannelError(event.error, 'FSM_NODE_ERROR')) {
          const message = reportedMessage(event.error) ?? 'error';
          failure = new ChannelError('CHANNEL_NODE_ERROR', `The node reported "${message}" before the close solo was on chain.`, {
            cause: event.error,
            context: { nodeMessage: message, method: 'channels.close_solo' },
          });
        }
      });
      const sent = this.#command({ kind: 'closeSolo', ...feesOf(options) }, call) as Promise<OnChainResult>;
      return sent
        .then((result) => this.#untilClosing(result, () => failure, { ...call, timeoutMs: Math.max(0, deadline - this.#clock.now()) }))
        .finally(offError);
    });
  }

  /** Waits until a solo close this client handed over is on chain: the status is closing. */
  #untilClosing(result: OnChainResult, failure: () => ChannelError | undefined, call: CallOptions): Promise<OnChainResult> {
    const onChain = (): boolean => this.status === 'closing' || this.status === 'closed' || this.#reached.has('closed');
    const failed = failure();
    if (failed !== undefined) return Promise.reject(failed);
    if (onChain()) return Promise.resolve(result);
    return this.#wait<OnChainResult>(
      (ok, fail) => [
        this.#emitter.on('statusChanged', () => {
          if (onChain()) ok(result);
        }),
        this.#emitter.on('error', () => {
          const error = failure();
          if (error !== undefined) fail(error);
        }),
      ],
      'closeSolo',
      call,
    );
  }

  /**
   * Disputes a solo close based on an older state with our latest co-signed state
   * (`channels.slash`, §9.11). While closing, and while open too: the node's FSM may be
   * closing before its `can_slash` notice reaches this socket, so the node decides (an
   * error from it rejects with `CHANNEL_NODE_ERROR`). Not during a mutual close. The
   * watcher calls it automatically.
   * @example await channel.slash();
   */
  slash(options: OnChainOptions = {}): Promise<OnChainResult> {
    return this.#guard(() => this.#command({ kind: 'slash', ...feesOf(options) }, assertCallOptions(options)) as Promise<OnChainResult>);
  }

  /**
   * Settles a solo-closed channel (`channels.settle`, §9.11): the node posts it once the
   * lock period is over. Only while closing. The watcher calls it automatically, so it is
   * idempotent: while a settle is under way (the watcher's, or an earlier call's) this call
   * joins it and resolves with its tx (its own fees are then unused), and once a settle
   * closed the channel (`closed` confirmed by the node) it resolves with that settle tx,
   * whoever posted it.
   * @returns `{ tx }`: the settle tx this client signed, or the one that closed the channel
   * @throws {ChannelError} `CHANNEL_COMMAND_REJECTED` (not closing), `CHANNEL_NODE_ERROR`,
   *   `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`, `CHANNEL_CLOSED`
   * @example await channel.settle();
   */
  settle(options: OnChainOptions = {}): Promise<OnChainResult> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      if (this.#settleOnChain !== undefined && this.#reached.has('closed')) return Promise.resolve({ tx: this.#settleOnChain });
      const running = this.#settling;
      if (running !== undefined) return call.signal === undefined && call.timeoutMs === undefined ? running : this.#join(running, 'settle', call);
      const started = this.#command({ kind: 'settle', ...feesOf(options) }, call) as Promise<OnChainResult>;
      this.#settling = started;
      started.catch(() => {
        if (this.#settling === started) this.#settling = undefined; // a failed settle may be asked again
      });
      return started;
    });
  }

  /**
   * Forces progress of an off-chain contract on chain (`channels.force_progress`, §9.13,
   * CONTRACTS.md §3): this client posts the call with its latest co-signed state; the tx is
   * signed only after its post-call state hash is recomputed with the VM (§3.5). Resolves
   * with the signed tx once the node posted it; a `forcedProgress` event follows when the
   * chain reports it (its state is then the latest, `contractCall` with `forced`).
   * @param params - the contract and the call (`callData`, or `function`/`args` with the ACI), `gasPrice` (mandatory), `gas`, `nonce`
   * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`, `CHANNEL_COMMAND_REJECTED`, `CHANNEL_NODE_ERROR`, `CHANNEL_UPDATE_ABORTED` (refused: `security` event), `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`
   * @example await channel.forceProgress({ contractId, function: 'add', args: [1n], gasPrice: 10n ** 9n });
   */
  forceProgress(params: ForceProgressParams, options: CallOptions = {}): Promise<OnChainResult> {
    return this.#guard(() => {
      if (typeof params !== 'object' || params === null) throw invalidArgument('params', 'an object', params);
      const contractId = assertEncoded(params.contractId, 'ct', 'params.contractId');
      const command: Command = {
        kind: 'forceProgress',
        contractId,
        abiVersion: params.abiVersion === undefined ? 3n : assertAmount(params.abiVersion, 'params.abiVersion'),
        amount: params.amount === undefined ? 0n : assertAmount(params.amount, 'params.amount'),
        callData: this.#callDataOf(contractId, params, 'params'),
        gasPrice: assertAmount(params.gasPrice, 'params.gasPrice'),
        ...(params.gas === undefined ? {} : { gas: assertAmount(params.gas, 'params.gas') }),
        ...(params.nonce === undefined ? {} : { nonce: assertAmount(params.nonce, 'params.nonce') }),
      };
      return this.#command(command, assertCallOptions(options)) as Promise<OnChainResult>;
    });
  }

  // -------------------------------------------------------------------------------------
  // Contracts
  // -------------------------------------------------------------------------------------

  /**
   * Remembers a contract's ACI, so its calls, events and state are decoded (a contract the
   * peer created, or one given as call data). It is written to the store with the next
   * co-signed state, and comes back on `Channel.reestablish` / `Channel.reconnect`.
   * @param contractId - the contract
   * @param aci - its JSON ACI (`aesophia_cli --create_json_aci`)
   * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
   * @example channel.setContractAci(contractId, aci);
   */
  setContractAci(contractId: Encoded<'ct'>, aci: ContractAci): void {
    this.#acis.set(assertEncoded(contractId, 'ct', 'contractId'), assertAci(aci, 'aci'));
  }

  /**
   * Creates a contract owned by this participant (`channels.update.new_contract`, §7.2,
   * CONTRACTS.md §2.2). The node's round is recomputed with the FATE VM (the contract's
   * `init` run on our own trees) before it is signed. Resolves with the new co-signed state,
   * the contract id and the `init` call once stored.
   * @param params - `code` and `callData`, or `code`, `aci` and `args` of `init`; `deposit`, `vmVersion`, `abiVersion`
   * @param options - `meta`, `blockHash`, signal, timeout
   * @returns the state, round, balances, `contractId` and the `init` call's result
   * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`, `CHANNEL_COMMAND_REJECTED` (e.g. the deposit over the reserve),
   *   `CHANNEL_NODE_ERROR` (e.g. 1007 init failed), `CHANNEL_UPDATE_ABORTED` (refused: a `security` event names the mismatch),
   *   `CHANNEL_CONFLICT`, `CHANNEL_TIMEOUT`, `CHANNEL_ABORTED`
   * @example const { contractId } = await channel.createContract({ code, aci, args: [5n], deposit: 10n });
   */
  createContract(params: CreateContractParams, options: ContractOptions = {}): Promise<CreateContractResult> {
    return this.#guard(() => {
      if (typeof params !== 'object' || params === null) throw invalidArgument('params', 'an object', params);
      const call = assertCallOptions(options);
      const code = assertEncoded(params.code, 'cb', 'params.code');
      const aci = params.aci === undefined ? undefined : assertAci(params.aci, 'params.aci');
      let callData: Encoded<'cb'>;
      if (params.callData !== undefined) callData = assertEncoded(params.callData, 'cb', 'params.callData');
      else if (aci !== undefined) callData = encodeCallData(aci, 'init', 'args' in params && params.args !== undefined ? params.args : []);
      else throw invalidArgument('params.callData', 'the call data of init, or the ACI (params.aci) and its arguments', undefined);
      const rules = this.#state.options.fateRules ?? 'ceres';
      const command: Command = {
        kind: 'newContract',
        code,
        callData,
        vmVersion: params.vmVersion === undefined ? (rules === 'ceres' ? 8n : 7n) : assertAmount(params.vmVersion, 'params.vmVersion'),
        abiVersion: params.abiVersion === undefined ? 3n : assertAmount(params.abiVersion, 'params.abiVersion'),
        deposit: params.deposit === undefined ? 0n : assertAmount(params.deposit, 'params.deposit'),
        ...metaOf(options),
      };
      const creating = `${code}:${callData}`;
      if (aci !== undefined) this.#creating.set(creating, aci);
      return this.#command(command, call).then(
        (r) => {
          this.#creating.delete(creating);
          const result = r as CommandResults['newContract'];
          if (aci !== undefined) this.#acis.set(result.contractId, aci);
          return { ...this.#updateResult(result), contractId: result.contractId, call: toContractCallResult(result.call, aci, callData) };
        },
        (error: unknown) => {
          this.#creating.delete(creating);
          throw error;
        },
      );
    });
  }

  /**
   * Calls a contract of the channel (`channels.update.call_contract`, §7.2, CONTRACTS.md
   * §2.3): the node's round is recomputed with the VM before it is signed. A call that
   * reverts or fails is still a co-signed round (its `returnType` says so; the amount comes
   * back, Iris+). Resolves with the new co-signed state and the call's result.
   * @param contractId - the contract
   * @param params - `callData`, or `function` and `args` (with the ACI, given or registered); `amount`, `abiVersion`
   * @param options - `meta`, `blockHash`, signal, timeout
   * @returns the state, round, balances and the call's result (`value` decoded with the ACI)
   * @throws {ChannelError} as {@link Channel.createContract}
   * @example const { call } = await channel.callContract(contractId, { function: 'add', args: [3n] }); call.value // 8n
   */
  callContract(contractId: Encoded<'ct'>, params: CallContractParams, options: ContractOptions = {}): Promise<ContractRoundResult> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      const id = assertEncoded(contractId, 'ct', 'contractId');
      const { callData, amount, abiVersion } = this.#callOf(id, params);
      const command: Command = { kind: 'callContract', contractId: id, callData, abiVersion, amount, ...metaOf(options) };
      return this.#command(command, call).then((r) => {
        const result = r as CommandResults['callContract'];
        return { ...this.#updateResult(result), call: toContractCallResult(result.call, this.#acis.get(id), callData) };
      });
    });
  }

  /**
   * Runs a call on the latest state without changing it (`channels.dry_run.call_contract`,
   * §7.2). The node's result is compared with this client's own run: equal is `verified`; a
   * different one is a `security` event and an error.
   * @param contractId - the contract
   * @param params - as {@link Channel.callContract}
   * @returns the result and whether it was verified
   * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`, `CHANNEL_NODE_ERROR`, `CHANNEL_SECURITY` (the node's result differs), `CHANNEL_TIMEOUT`
   * @example const { call } = await channel.dryRunContract(contractId, { function: 'get' }); call.value
   */
  dryRunContract(contractId: Encoded<'ct'>, params: CallContractParams, options: CallOptions & { blockHash?: Encoded<'kh' | 'mh'> } = {}): Promise<CheckedContractCall> {
    return this.#guard(() => {
      const call = assertCallOptions(options);
      const id = assertEncoded(contractId, 'ct', 'contractId');
      const { callData, amount, abiVersion } = this.#callOf(id, params);
      const { blockHash } = metaOf(options);
      const command: Command = { kind: 'dryRunCall', contractId: id, callData, abiVersion, amount, ...(blockHash === undefined ? {} : { blockHash }) };
      return this.#command(command, call).then((r) => {
        const result = r as CommandResults['dryRunCall'];
        return { call: toContractCallResult(result.call, this.#acis.get(id), callData), verified: result.verified };
      });
    });
  }

  /**
   * The result of a contract call of a past round from the node's archive
   * (`channels.get.contract_call`, §7.5), checked against the call this client co-signed.
   * @param contractId - the contract
   * @param query - `round` of the call, `caller` (default: this participant)
   * @returns the call and whether it equals our own record of it
   * @throws {ChannelError} `CHANNEL_NODE_ERROR` (1004 call not found, e.g. after `cleanContractCalls`), `CHANNEL_SECURITY` (differs from ours), `CHANNEL_TIMEOUT`
   * @example const { call } = await channel.getContractCall(contractId, { round: 3n });
   */
  getContractCall(contractId: Encoded<'ct'>, query: { round: bigint; caller?: Encoded<'ak'> }, options: CallOptions = {}): Promise<CheckedContractCall> {
    return this.#guard(() => {
      if (typeof query !== 'object' || query === null) throw invalidArgument('query', 'an object with the round', query);
      const id = assertEncoded(contractId, 'ct', 'contractId');
      const command: Command = {
        kind: 'getContractCall',
        contractId: id,
        callerId: query.caller === undefined ? this.address : assertAddress(query.caller, 'query.caller'),
        round: assertAmount(query.round, 'query.round'),
      };
      return this.#command(command, assertCallOptions(options)).then((r) => {
        const result = r as CommandResults['getContractCall'];
        return { call: toContractCallResult(result.call, this.#acis.get(id), this.#callData.get(`${id}:${query.round}`)), verified: result.verified };
      });
    });
  }

  /**
   * A contract and its store in the latest state (`channels.get.contract`, §7.5), as this
   * client's own trees hold it (the node's answer must equal them), with its `state`
   * decoded when the ACI is known.
   * @param contractId - the contract
   * @returns the contract, its store and its state
   * @throws {ChannelError} `CHANNEL_NODE_ERROR` (data 100: unknown), `CHANNEL_SECURITY` (the node's answer differs), `CHANNEL_INVALID_ARGUMENT` (the store does not fit the registered ACI), `CHANNEL_TIMEOUT`
   * @example const { state } = await channel.getContract(contractId); // { value: 8n, owner: 'ak_...' }
   */
  getContract(contractId: Encoded<'ct'>, options: CallOptions = {}): Promise<ContractInfo> {
    return this.#guard(() => {
      const id = assertEncoded(contractId, 'ct', 'contractId');
      return this.#command({ kind: 'getContract', contractId: id }, assertCallOptions(options)).then((r) => {
        const { contract, contract_state } = r as CommandResults['getContract'];
        const aci = this.#acis.get(id);
        const info: ContractInfo = {
          id: contract.id,
          owner: contract.owner_id,
          vmVersion: contract.vm_version,
          abiVersion: contract.abi_version,
          active: contract.active,
          referrerIds: [...contract.referrer_ids],
          deposit: contract.deposit,
          store: { ...contract_state },
        };
        if (aci !== undefined) {
          const state = decodeContractState(aci, contract_state);
          if (state !== undefined) info.state = state;
        }
        return info;
      });
    });
  }

  /**
   * Empties the node's archive of call results (`channels.clean_contract_calls`, §7.5) and
   * this client's record of them.
   * @example await channel.cleanContractCalls();
   */
  cleanContractCalls(options: CallOptions = {}): Promise<void> {
    return this.#guard(() => this.#command({ kind: 'cleanContractCalls' }, assertCallOptions(options)).then(() => undefined));
  }

  /**
   * The call data of a call given as call data, or as a function of the ACI (given or
   * registered). A given ACI must equal the one registered for the contract, if any (a
   * different one is refused: `setContractAci` replaces it, so a call is never encoded with
   * one ACI and decoded with another); when none is registered, the given one is, once the
   * call data is built (it decodes this call's result and later ones).
   */
  #callDataOf(contractId: Encoded<'ct'>, params: { callData?: Encoded<'cb'> | undefined; function?: string | undefined; args?: readonly unknown[] | undefined; aci?: ContractAci | undefined }, argument: string): Encoded<'cb'> {
    const callData = params.callData === undefined ? undefined : assertEncoded(params.callData, 'cb', `${argument}.callData`);
    const fn = params.function;
    if (callData === undefined && typeof fn !== 'string') throw invalidArgument(`${argument}.callData`, 'the call data, or the function (and args) to call', undefined);
    const registered = this.#acis.get(contractId);
    const given = params.aci === undefined ? undefined : assertAci(params.aci, `${argument}.aci`);
    if (given !== undefined && registered !== undefined && !sameAci(given, registered)) {
      throw invalidArgument(`${argument}.aci`, `the ACI registered for ${contractId} (setContractAci replaces it)`, given);
    }
    const aci = registered ?? given;
    let result: Encoded<'cb'>;
    if (callData !== undefined) result = callData;
    else if (aci === undefined) throw invalidArgument(`${argument}.aci`, `the ACI of ${contractId} (given, or registered with setContractAci) to call ${fn}`, undefined);
    else result = encodeCallData(aci, fn as string, params.args ?? []);
    if (registered === undefined && given !== undefined) this.#acis.set(contractId, given);
    return result;
  }

  #callOf(contractId: Encoded<'ct'>, params: CallContractParams): { callData: Encoded<'cb'>; amount: bigint; abiVersion: bigint } {
    if (typeof params !== 'object' || params === null) throw invalidArgument('params', 'an object', params);
    return {
      callData: this.#callDataOf(contractId, params, 'params'),
      amount: params.amount === undefined ? 0n : assertAmount(params.amount, 'params.amount'),
      abiVersion: params.abiVersion === undefined ? 3n : assertAmount(params.abiVersion, 'params.abiVersion'),
    };
  }

  /** A contract round's result, decoded with the contract's ACI when known. */
  #decodeCall(call: CallObjectJson, update: ContractUpdate): ContractCallResult {
    return toContractCallResult(call, this.#acis.get(call.contract_id), update.callData);
  }

  /**
   * Tells the node to proceed as if the tx had reached minimum depth
   * (`channels.assume_minimum_depth`, §7.3).
   * @param txHash - the `th_` hash the node is waiting for
   */
  assumeMinimumDepth(txHash: Encoded<'th'>, options: CallOptions = {}): Promise<void> {
    return this.#guard(() =>
      this.#command({ kind: 'assumeMinimumDepth', txHash: assertEncoded(txHash, 'th', 'txHash') }, assertCallOptions(options)).then(() => undefined),
    );
  }

  /**
   * Leaves the channel (`channels.leave`, §9.7): both node fsms stop and keep the state
   * for a later {@link Channel.reestablish}. Resolves with the latest co-signed state.
   * @example const { state } = await channel.leave();
   */
  leave(options: CallOptions = {}): Promise<{ state: Encoded<'tx'> | null }> {
    return this.#guard(() => this.#command({ kind: 'leave' }, assertCallOptions(options)) as Promise<{ state: Encoded<'tx'> | null }>);
  }

  /**
   * Sends a generic message to the peer (`channels.message`, §7.6). Resolves when sent.
   * @param to - the recipient account
   * @param info - the text, at most 65 000 bytes
   * @example await channel.sendMessage(peer, 'hello');
   */
  sendMessage(to: Encoded<'ak'>, info: string, options: CallOptions & { from?: Encoded<'ak'> } = {}): Promise<void> {
    return this.#guard(() => {
      const command: Command = {
        kind: 'sendMessage',
        to: assertAddress(to, 'to'),
        info: assertString(info, 'info', { maxBytes: 65_000 }),
        ...(options.from === undefined ? {} : { from: assertAddress(options.from, 'options.from') }),
      };
      return this.#command(command, assertCallOptions(options)).then(() => undefined);
    });
  }

  /**
   * Asks the node for off-chain balances (`channels.get.balances`, §7.5).
   * @param accounts - accounts to query (default: both participants)
   * @returns account -> balance
   * @example const balances = await channel.balances();
   */
  balances(accounts?: readonly Encoded<'ak'>[], options: CallOptions = {}): Promise<Record<Encoded<'ak'>, bigint>> {
    return this.#guard(() => {
      const list = accounts === undefined ? this.#participants() : (assertStringList(accounts, 'accounts').map((a, i) => assertAddress(a, `accounts[${i}]`)));
      return this.#command({ kind: 'getBalances', accounts: list }, assertCallOptions(options)) as Promise<Record<Encoded<'ak'>, bigint>>;
    });
  }

  /**
   * Asks the node for a proof of inclusion (`channels.get.poi`, §7.5).
   * @param params - accounts and contracts to prove (default: both participants)
   * @returns the `pi_` proof
   * @example const poi = await channel.poi();
   */
  poi(params: { accounts?: readonly Encoded<'ak'>[]; contracts?: readonly Encoded<'ct'>[] } = {}, options: CallOptions = {}): Promise<Encoded<'pi'>> {
    return this.#guard(() => {
      const accounts = params.accounts === undefined ? (params.contracts === undefined ? this.#participants() : undefined) : params.accounts.map((a, i) => assertAddress(a, `params.accounts[${i}]`));
      const contracts = params.contracts?.map((c, i) => assertEncoded(c, 'ct', `params.contracts[${i}]`));
      const command: Command = { kind: 'getPoi', ...(accounts === undefined ? {} : { accounts }), ...(contracts === undefined ? {} : { contracts }) };
      return this.#command(command, assertCallOptions(options)).then((r) => (r as CommandResults['getPoi']).poi);
    });
  }

  /**
   * Asks the node for its off-chain state (`channels.get.offchain_state`, §7.5): the
   * trees, the latest co-signed tx and the pending half-signed one.
   * @example const { signedTx } = await channel.state();
   */
  state(options: CallOptions = {}): Promise<OffchainState> {
    return this.#guard(() => this.#command({ kind: 'getOffchainState' }, assertCallOptions(options)) as Promise<OffchainState>);
  }

  /**
   * Pings the node (`channels.system ping`, §7.6); resolves on the pong.
   * @example await channel.ping({ timeoutMs: 5000 });
   */
  ping(options: CallOptions = {}): Promise<void> {
    return this.#guard(() => this.#command({ kind: 'ping' }, assertCallOptions(options)).then(() => undefined));
  }

  /**
   * Stops the node fsm without any on-chain effect (`channels.system stop`, §7.6).
   */
  stop(options: CallOptions = {}): Promise<void> {
    return this.#guard(() => this.#command({ kind: 'stop' }, assertCallOptions(options)).then(() => undefined));
  }

  /**
   * Closes the connection without leaving: the node fsm keeps running (after the create tx
   * was signed) and the channel can be resumed later with {@link Channel.reconnect}. No
   * automatic reconnection follows. Pending calls reject with `CHANNEL_CONNECTION_LOST`.
   * Resolves when the socket is closed.
   * @example await channel.disconnect(); const again = await Channel.reconnect({ store, channelId, signer, url });
   */
  async disconnect(options: CallOptions = {}): Promise<void> {
    assertCallOptions(options);
    this.#userDisconnect = true;
    this.#cancelReconnect();
    const transport = this.#transport;
    if (transport !== undefined && transport.readyState !== 'closed') {
      transport.close(1000, 'disconnect');
      await transport.closed;
    }
    this.#finish(undefined, true);
  }

  /**
   * Releases everything this channel holds (socket, timers, listeners) at once, without
   * telling the node. Pending calls reject with `CHANNEL_CLOSED`. Safe to call twice.
   */
  dispose(): void {
    this.#userDisconnect = true;
    this.#cancelReconnect();
    this.#transport?.terminate();
    this.#finish(new ChannelError('CHANNEL_CLOSED', 'The channel was disposed.'), true);
  }

  // -------------------------------------------------------------------------------------
  // Command plumbing
  // -------------------------------------------------------------------------------------

  #participants(): Encoded<'ak'>[] {
    const o = this.#state.options;
    return o.initiatorId === 'any' ? [o.responderId] : [o.initiatorId, o.responderId];
  }

  #updateResult(result: { state: Encoded<'tx'>; round: bigint }): UpdateResult {
    return { state: result.state, round: result.round, balances: getBalances(this.#state) };
  }

  /** Runs a method body, turning synchronous validation errors into rejections. */
  #guard<T>(body: () => Promise<T>): Promise<T> {
    try {
      return body();
    } catch (error) {
      return Promise.reject(toChannelError(error));
    }
  }

  /** Waits for an operation already under way, with this call's own signal and timeout. */
  #join<T>(running: Promise<T>, what: string, call: CallOptions): Promise<T> {
    const follow = (ok: (value: T) => void, fail: (error: ChannelError) => void): void => {
      running.then(ok, (error: unknown) => fail(toChannelError(error)));
    };
    return this.#wait<T>(
      (ok, fail) => {
        let live = true;
        follow(
          (value) => live && ok(value),
          (error) => live && fail(error),
        );
        return [() => (live = false)];
      },
      what,
      call,
      follow,
    );
  }

  /** Waits for something with the call options applied; `subscribe` returns unsubscribe functions. */
  #wait<T>(
    subscribe: (resolve: (value: T) => void, reject: (error: ChannelError) => void) => (() => void)[],
    what: string,
    call: CallOptions,
    onEnded?: (resolve: (value: T) => void, reject: (error: ChannelError) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cleanups: (() => void)[] = [];
      let timer: unknown;
      const end = (): void => {
        for (const cleanup of cleanups) cleanup();
        if (timer !== undefined) this.#clock.clearTimeout(timer);
      };
      const ok = (value: T): void => {
        end();
        resolve(value);
      };
      const fail = (error: ChannelError): void => {
        end();
        reject(error);
      };
      if (call.signal?.aborted === true) {
        reject(new ChannelError('CHANNEL_ABORTED', `${what} was aborted.`, { cause: call.signal.reason }));
        return;
      }
      cleanups.push(...subscribe(ok, fail));
      cleanups.push(this.#emitter.on('error', (event) => {
        if (isAechannelError(event.error, 'CHANNEL_UNRECOVERABLE')) fail(event.error as ChannelError);
      }));
      // The channel ending (dispose, disconnect, failure) settles the wait too: its
      // listeners go with it, so nothing else could (the events of this turn come first).
      const lifetime = this.#lifetime.signal;
      const onEnd = (): void =>
        queueMicrotask(() => {
          if (onEnded === undefined) fail(new ChannelError('CHANNEL_CLOSED', `The channel ended (${this.status}) before ${what} completed.`, { context: { status: this.status } }));
          else onEnded(ok, fail);
        });
      if (lifetime.aborted) onEnd();
      else {
        lifetime.addEventListener('abort', onEnd, { once: true });
        cleanups.push(() => lifetime.removeEventListener('abort', onEnd));
      }
      if (call.signal !== undefined) {
        const signal = call.signal;
        const onAbort = (): void => fail(new ChannelError('CHANNEL_ABORTED', `${what} was aborted.`, { cause: signal.reason }));
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      if (call.timeoutMs !== undefined) {
        const ms = call.timeoutMs;
        timer = this.#clock.setTimeout(() => fail(new ChannelError('CHANNEL_TIMEOUT', `${what} did not complete within ${ms} ms.`, { context: { timeoutMs: ms } })), ms);
      }
    });
  }

  /** Sends a command to the reducer and returns the promise its `settle` effect settles. */
  #command(command: Command, call: CallOptions, internal = false): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#finished) return Promise.reject(new ChannelError('CHANNEL_CLOSED', `The channel has ended; ${command.kind} is not possible.`, { context: { kind: command.kind } }));
    if (call.signal?.aborted === true) return Promise.reject(new ChannelError('CHANNEL_ABORTED', `${command.kind} was aborted.`, { cause: call.signal.reason }));
    const commandId = ++this.#commandCounter;
    return new Promise<unknown>((resolve, reject) => {
      let timer: unknown;
      let onAbort: (() => void) | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        if (onAbort !== undefined) call.signal?.removeEventListener('abort', onAbort);
      };
      const pending: Pending = {
        kind: command.kind,
        command,
        internal,
        startRound: getRound(this.#state),
        startBalances: getBalances(this.#state),
        resolve,
        reject,
        cleanup,
      };
      const abandon = (error: ChannelError): void => {
        if (!this.#pending.delete(commandId)) {
          const index = this.#interrupted.indexOf(pending);
          if (index < 0) return;
          this.#interrupted.splice(index, 1);
        }
        cleanup();
        reject(error);
      };
      if (call.signal !== undefined) {
        const signal = call.signal;
        onAbort = () => abandon(new ChannelError('CHANNEL_ABORTED', `${command.kind} was aborted.`, { cause: signal.reason, context: { kind: command.kind } }));
        signal.addEventListener('abort', onAbort, { once: true });
      }
      // Every call has a bound: its own, or the channel's default for its kind (internal
      // commands are bounded by the fsm's timers and their callers).
      const ms = call.timeoutMs ?? (internal ? null : operationTimeoutOf(command.kind, this.#timeouts));
      if (ms !== null) {
        timer = this.#clock.setTimeout(
          () => abandon(new ChannelError('CHANNEL_TIMEOUT', `${command.kind} did not complete within ${ms} ms.`, { context: { kind: command.kind, timeoutMs: ms } })),
          ms,
        );
      }
      this.#pending.set(commandId, pending);
      this.#dispatch({ type: 'command', now: this.#clock.now(), commandId, command });
      this.#hashAhead(commandId, command);
    });
  }

  /**
   * Once a payment's request is on its way to the node (the fsm sent it: its own operation
   * is this command, waiting for the node's proposal), hashes the state it leads to while
   * the node works: the fsm's check of the proposal then finds that state hash in the
   * codec's memory (`computeStateHash`) instead of building it on the critical path. Only
   * the hash is precomputed; the fsm still checks the proposal's updates, round and state
   * hash against its own state. Nothing is computed for a queued command or a channel with
   * contracts (its hash comes from the VM), and a failure is ignored: the fsm meets it then.
   */
  #hashAhead(commandId: number, command: Command): void {
    const own = this.#state.own;
    if (own === null || own.commandId !== commandId || own.stage !== 'requested' || this.#state.trees !== null) return;
    const next = expectedBalances(command, this.#state.balances, this.address);
    if (next === null) return;
    queueMicrotask(() => {
      try {
        computeStateHash(next);
      } catch {
        // (the fsm reports what is wrong with the proposal)
      }
    });
  }

  // -------------------------------------------------------------------------------------
  // The driver loop
  // -------------------------------------------------------------------------------------

  /** Feeds one input to the reducer (queued when another is being processed). */
  #dispatch(input: Input): void {
    if (this.#finished && input.type !== 'persisted') return;
    this.#inputs.push(input);
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (let next = this.#inputs.shift(); next !== undefined; next = this.#inputs.shift()) {
        const { state, effects } = step(this.#state, next);
        this.#state = state;
        for (const effect of effects) {
          try {
            this.#run(effect);
          } catch (error) {
            safeLog(this.#logger, 'error', `Effect ${effect.type} failed.`, { error });
          }
        }
        this.#armTimer();
        this.#afterStep(next);
      }
    } catch (error) {
      // step never throws by contract; if it does, the channel cannot continue safely.
      this.#fail(new ChannelError('CHANNEL_INTERNAL', 'The protocol reducer failed.', { cause: error }));
    } finally {
      this.#processing = false;
    }
  }

  /** Carries out one effect. */
  #run(effect: Effect): void {
    switch (effect.type) {
      case 'connect':
        this.#connect(effect.query);
        return;
      case 'send':
        this.#recorder?.send(effect.message);
        if (this.#transport === undefined || this.#transport.readyState !== 'open') {
          safeLog(this.#logger, 'warn', 'Dropping a message: the transport is not open.', { method: methodOf(effect.message) });
          return;
        }
        safeLog(this.#logger, 'debug', 'send', { method: methodOf(effect.message) });
        this.#transport.send(effect.message);
        return;
      case 'sign':
        this.#background(this.#sign(effect), 'sign');
        return;
      case 'persist':
        this.#background(
          this.#persist(effect.persistId, effect.snapshot).catch((error: unknown) => {
            this.#fail(new ChannelError('CHANNEL_UNRECOVERABLE', 'Persisting the channel failed.', { cause: error }));
          }),
          'persist',
        );
        return;
      case 'emit':
        this.#onFsmEvent(effect.event);
        return;
      case 'settle':
        this.#settle(effect);
        return;
      case 'setTimer':
      case 'clearTimer':
        return; // the host timer follows nextTimer(state) after every step
      case 'close':
        this.#transport?.close(effect.code ?? 1000, effect.reason ?? '');
        return;
      case 'resolveEnv':
        this.#background(this.#resolveEnv(effect), 'resolveEnv');
        return;
    }
  }

  /** Asks the application for the chain environment of a contract round (`chainEnv`); no answer is an empty one. */
  async #resolveEnv(effect: Extract<Effect, { type: 'resolveEnv' }>): Promise<void> {
    let envs: readonly ChainEnv[] = [];
    try {
      const answer = await this.#chainEnv?.({ blockHash: effect.blockHash, reads: effect.reads, signal: this.#lifetime.signal });
      envs = answer === null || answer === undefined ? [] : Array.isArray(answer) ? (answer as readonly ChainEnv[]) : [answer as ChainEnv];
    } catch (error) {
      safeLog(this.#logger, 'warn', 'The chainEnv provider failed; the contract round will be refused.', { error });
    }
    if (this.#finished) return;
    this.#dispatch({ type: 'envResolved', now: this.#clock.now(), requestId: effect.requestId, envs });
  }

  /** Runs async work whose failure must never become an unhandled rejection. */
  #background(work: Promise<unknown>, what: string): void {
    work.catch((error: unknown) => safeLog(this.#logger, 'error', `Background ${what} failed.`, { error }));
  }

  /** Bookkeeping after each step: reconnect scheduling and the end of the channel. */
  #afterStep(input: Input): void {
    this.#watchStateReport();
    const phase = getPhase(this.#state);
    if (input.type === 'transportClosed' && phase === 'disconnected') this.#onDisconnected();
    if ((phase === 'closed' || phase === 'died') && (this.#transport === undefined || this.#transport.readyState === 'closed')) {
      this.#finish(undefined, false);
    }
  }

  #connect(query: Record<string, string>): void {
    this.#closeTransport();
    const url = channelUrl(this.#url, query);
    this.#recorder?.connect(url);
    safeLog(this.#logger, 'debug', 'connect', { url });
    let transport: Transport;
    try {
      transport = this.#transportFactory(url, { signal: this.#lifetime.signal });
    } catch (error) {
      safeLog(this.#logger, 'error', 'The transport factory failed.', { error });
      queueMicrotask(() => this.#dispatch({ type: 'transportClosed', now: this.#clock.now(), code: 1006, reason: 'transport factory failed' }));
      return;
    }
    this.#transport = transport;
    this.#transportError = undefined;
    this.#lastClose = undefined;
    const inbound: Inbound = { transport, items: [], busy: false };
    this.#inbound = inbound;
    this.#detachTransport = [
      transport.on('open', () => {
        if (this.#transport !== transport) return;
        this.#dispatch({ type: 'transportOpened', now: this.#clock.now() });
      }),
      transport.on('message', (message) => {
        if (this.#transport !== transport) return;
        this.#recorder?.receive(message);
        this.#receive(inbound, { kind: 'message', message });
      }),
      transport.on('close', (event) => {
        if (this.#transport !== transport) return;
        this.#lastClose = { code: event.code, reason: event.reason };
        this.#recorder?.close();
        // After the messages that arrived before it (one may still be under verification).
        this.#receive(inbound, {
          kind: 'close',
          run: () => {
            if (this.#transport !== transport) return;
            this.#noteInFlight();
            this.#detach();
            this.#transport = undefined;
            this.#dispatch({ type: 'transportClosed', now: this.#clock.now(), code: event.code, reason: event.reason });
            if (this.#finished) return;
            const phase = getPhase(this.#state);
            if (phase === 'closed' || phase === 'died') this.#finish(undefined, false);
          },
        });
      }),
      transport.on('error', (error) => {
        if (this.#transport === transport) this.#transportError = error;
        safeLog(this.#logger, 'warn', 'Transport error.', { error });
      }),
    ];
  }

  /**
   * Takes what a transport delivers in arrival order. A message carrying a state the node
   * reports as co-signed (`channels.update`, `channels.leave`, §8.4, §9.7) is held until
   * both signatures are verified (`#checkCoSigned`); everything after it waits behind it,
   * so the fsm still sees the messages in order. Other messages go to the fsm at once.
   */
  #receive(inbound: Inbound, item: InboundItem): void {
    inbound.items.push(item);
    if (!inbound.busy) this.#drainInbound(inbound);
  }

  #drainInbound(inbound: Inbound): void {
    // (re-entrant: a dispatch may deliver the next message synchronously; `busy` stops every level)
    while (!inbound.busy) {
      const item = inbound.items.shift();
      if (item === undefined) return;
      if (this.#inbound !== inbound || this.#finished) {
        inbound.items = [];
        return;
      }
      if (item.kind === 'close') {
        item.run();
        continue;
      }
      if (this.#parkIfAhead(inbound, item.message)) continue;
      const coSigned = coSignedStateOf(item.message);
      if (coSigned === null) {
        this.#dispatch({ type: 'nodeMessage', now: this.#clock.now(), message: item.message });
        continue;
      }
      inbound.busy = true;
      const message = item.message;
      this.#background(
        this.#checkCoSigned(message, coSigned).then(
          (checked) => {
            inbound.busy = false;
            if (this.#inbound !== inbound || this.#finished) return;
            if (checked !== null) this.#dispatch({ type: 'nodeMessage', now: this.#clock.now(), message: checked });
            this.#drainInbound(inbound);
          },
          (error: unknown) => {
            // (not expected: the check reports problems as values) drop the message, keep the queue moving
            inbound.busy = false;
            safeLog(this.#logger, 'error', 'Verifying a co-signed state failed; the message is dropped.', { error });
            this.#drainInbound(inbound);
          },
        ),
        'verify',
      );
      return;
    }
  }

  /**
   * A sign request for a round beyond the next one is built on a co-signed state this
   * client has not seen: its report was lost or forged (dropped, `#checkCoSigned`). The fsm
   * would refuse it (wrong round) and the peer's proposal would fail. It is held back
   * instead while the channel catches up with the node (`#resync`: the node's state,
   * verified), then handed to the fsm, which checks it against that state as usual.
   * Messages after it are not held (the resync needs the node's replies); the node sends
   * nothing else for that round until it is answered.
   * @returns true when the message was held back
   */
  #parkIfAhead(inbound: Inbound, message: JsonValue): boolean {
    const method = methodOf(message);
    if (method === undefined || !method.startsWith('channels.sign.')) return false;
    const params = (message as { params?: JsonValue }).params;
    const data = typeof params === 'object' && params !== null && !Array.isArray(params) ? params['data'] : undefined;
    const tx = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data['signed_tx'] ?? data['tx']) : undefined;
    // (roundOf decodes strictly: null for anything but a valid tx_, as the fsm will find)
    const round = typeof tx === 'string' ? roundOf(tx as Encoded<'tx'>) : null;
    const known = getRound(this.#state);
    if (round === null || known < 1n || round <= known + 1n) return false;
    safeLog(this.#logger, 'info', `${method} is for round ${round} while ours is ${known}: catching up with the node first.`);
    this.#background(
      this.#resync(false).then(() => {
        if (this.#inbound === inbound && !this.#finished) this.#dispatch({ type: 'nodeMessage', now: this.#clock.now(), message });
      }),
      'resync before a sign request',
    );
    return true;
  }

  /**
   * Verifies the signatures of the co-signed state a node message carries. Returns the
   * message to hand to the fsm: as is when both participants signed it; when not, a
   * `security` event, and `channels.update` is dropped (the fsm has no input that undoes
   * an adopted state, so it must never see it: round, balances and the store keep the
   * previous state), while `channels.leave` goes on without its state (the leave still
   * completes; the fsm keeps its own latest state).
   */
  async #checkCoSigned(message: JsonValue, found: { method: string; state: Encoded<'tx'> }): Promise<JsonValue | null> {
    const problem = await this.#coSignatureProblem(found.state);
    if (problem === null) return message;
    const round = roundOf(found.state);
    if (found.method === 'channels.on_chain_tx') {
      // A force progress the fsm could adopt from the chain report: not without its poster's signature.
      this.#emit({
        type: 'security',
        reason: `a force progress reported on chain (round ${round ?? '?'}) does not carry its poster's valid signature: ${problem}; ignored`,
        code: 'CHANNEL_SECURITY',
        tag: null,
        details: { method: found.method, round: null, knownRound: getRound(this.#state) },
      });
      return null;
    }
    const dropped = found.method === 'channels.update';
    this.#emit({
      type: 'security',
      reason: `${found.method} carries a state (round ${round ?? '?'}) without valid signatures of both participants: ${problem}; ${dropped ? 'not adopted' : 'ignored'}`,
      code: 'CHANNEL_SECURITY',
      tag: null,
      details: { method: found.method, round, knownRound: getRound(this.#state) },
    });
    safeLog(this.#logger, 'warn', `Security: ${found.method} state of round ${round ?? '?'} not adopted: ${problem}.`);
    // The node may have moved on all the same: catch up from its own copy of the state
    // (fetched with its trees and verified), as for a co-signed state the fsm does not know.
    if (dropped && round !== null) this.#resyncOnUnknownState({ round });
    return dropped ? null : withoutState(message);
  }

  #detach(): void {
    for (const detach of this.#detachTransport) detach();
    this.#detachTransport = [];
  }

  #closeTransport(): void {
    const transport = this.#transport;
    this.#inbound = undefined;
    if (transport === undefined) return;
    this.#detach();
    this.#transport = undefined;
    if (transport.readyState !== 'closed') transport.terminate();
  }

  // -------------------------------------------------------------------------------------
  // Effects: sign, persist, settle, emit
  // -------------------------------------------------------------------------------------

  async #sign(effect: Extract<Effect, { type: 'sign' }>): Promise<void> {
    const now = (): number => this.#clock.now();
    try {
      if (PEER_SIGNED_TAGS.includes(effect.tag)) {
        // The fsm checked the content and counted one signature; it has no ed25519 (see
        // `#peerSignatureProblem`). Nothing is signed (nor shown to the policy) unverified.
        const problem = await this.#peerSignatureProblem(effect.tx, effect.networkId);
        if (this.#finished) return;
        if (problem !== null) {
          this.#emit({
            type: 'security',
            reason: `${problem}; not signed`,
            code: 'CHANNEL_SECURITY',
            tag: effect.tag,
            details: { requestId: effect.requestId },
          });
          safeLog(this.#logger, 'warn', `Security: refused to sign ${effect.tag}: ${problem}.`);
          // §8.6 code 1 "validation error"; for the create tx the fsm closes instead (§9.2, not abortable).
          this.#dispatch({ type: 'signRefused', now: now(), requestId: effect.requestId, errorCode: VERIFICATION_ABORT_CODE });
          return;
        }
      }
      if (ACK_TAGS.includes(effect.tag)) {
        const request: PeerUpdateRequest = {
          tag: effect.tag,
          tx: effect.tx,
          decoded: effect.decoded,
          updates: effect.updates,
          reason: effect.reason,
          round: getRound(this.#state),
          balances: getBalances(this.#state),
          nextBalances: effect.balances === null ? null : { ...effect.balances },
          address: this.address,
        };
        const update = effect.updates.map(parseUpdate).find((u): u is ContractUpdate => u.op === 'newContract' || u.op === 'callContract');
        if (update !== undefined) request.contract = { update, calls: effect.calls.map((c) => this.#decodeCall(c, update)) };
        // Without an application policy, the default one decides (and says why it refuses).
        const refusal = this.#policy === undefined ? peerUpdateRefusal(request) : null;
        let decision: PeerUpdateDecision = refusal === null;
        if (this.#policy !== undefined) {
          try {
            decision = await this.#policy(request);
          } catch (error) {
            safeLog(this.#logger, 'error', 'The onPeerUpdate policy threw; refusing the update.', { error });
            decision = false;
          }
        }
        if (decision === false || typeof decision === 'number') {
          const code = typeof decision === 'number' ? decision : null;
          const policy = this.#policy === undefined ? 'default' : 'application';
          this.#emit({ type: 'peerUpdateRefused', tag: effect.tag, code, reason: refusal ?? effect.reason, policy });
          this.#dispatch({ type: 'signRefused', now: now(), requestId: effect.requestId, ...(code === null ? {} : { errorCode: code }) });
          return;
        }
      }
      const signed = await this.#signer.signTransaction(effect.tx, {
        networkId: effect.networkId,
        context: { kind: effect.tag, updates: effect.updates, tx: effect.decoded },
        signal: this.#lifetime.signal,
      });
      // Our own signature is not verified again when the co-signed state comes back if a
      // key-holding signer of @aechannel/signer made it (valid by construction); any other
      // signer's output is verified once now, after it is sent, so the verifier knows it is
      // ours and the co-signed state costs only the peer's signature (no try of our
      // signature against the peer's key, or of the peer's against ours).
      if (isCheckedSigner(this.#signer)) this.#verifier.rememberSigned(effect.tx, signed, this.#signer.address, effect.networkId);
      this.#dispatch({ type: 'signed', now: now(), requestId: effect.requestId, signedTx: signed });
      if (!isCheckedSigner(this.#signer) && !isGaSigner(this.#signer)) this.#learnOwnSignature(signed, effect.networkId);
    } catch (error) {
      if (this.#finished) return;
      const refused = isAechannelError(error, 'SIGNER_REFUSED');
      safeLog(this.#logger, refused ? 'info' : 'error', refused ? 'The signer refused.' : 'The signer failed.', { error, tag: effect.tag });
      if (!refused) {
        this.#emit({ type: 'error', error: new ChannelError('CHANNEL_SIGNER_FAILED', `The signer failed on ${effect.tag}.`, { cause: error, context: { tag: effect.tag } }) });
      }
      // The signer carries the abort code to answer the node with as `context.abortCode` (§9.6).
      const code = refused ? (error.context as { abortCode?: unknown }).abortCode : undefined;
      this.#dispatch({
        type: 'signRefused',
        now: now(),
        requestId: effect.requestId,
        ...(typeof code === 'number' ? { errorCode: code } : {}),
      });
    }
  }

  /**
   * Verifies the signature a signer that is not a key-holding one added (a callback's, a
   * wallet's), with our account first among the expected signers: the verifier remembers
   * the match, so the co-signed state that comes back has only the peer's signature left to
   * check. Nothing depends on the verdict here (the node and the co-signed check judge the
   * signature); a verifier that fails is ignored.
   */
  #learnOwnSignature(signed: Encoded<'tx'>, networkId: string): void {
    const parties = this.#parties();
    const other = parties === null ? undefined : parties.initiator === this.address ? parties.responder : parties.initiator;
    const signers = other === undefined ? [this.address] : [this.address, other];
    try {
      void this.#verifier.verifyTransaction(signed, { networkId, signers }).catch(() => undefined);
    } catch {
      // (a verifier that throws: the co-signed check verifies the signature then)
    }
  }

  /** The two participants, or null while the initiator is not known yet (responder, `initiatorId: 'any'`). */
  #parties(): { initiator: Encoded<'ak'>; responder: Encoded<'ak'> } | null {
    const o = this.#state.options;
    return o.initiatorId === 'any' ? null : { initiator: o.initiatorId, responder: o.responderId };
  }

  /**
   * What is wrong with the signatures on a tx the node asks us to sign as the second signer
   * (PROTOCOL.md §3.2, §7.4): it must carry exactly one valid signature, the peer's, for
   * this network id (plain or hash mode), and nothing else. Our signature would otherwise
   * complete a tx the peer never signed (a forged or third-party signature, or one for
   * another network). Null when it is fine.
   */
  async #peerSignatureProblem(tx: Encoded<'tx'>, networkId: string): Promise<string | null> {
    const parties = this.#parties();
    if (parties === null) return "the peer's account is not known, so its signature cannot be checked";
    const peer = this.role === 'initiator' ? parties.responder : parties.initiator;
    try {
      // A generalized peer authenticates with its GA meta layer (§2.9): its auth function is
      // the node's to run (it needs the peer's contract on chain); here it must be there, alone.
      const result = await this.#verifier.verifyTransaction(tx, { networkId, signers: [peer], generalized: this.#generalized() });
      if (result.valid) return null;
      if (result.missing.length > 0) {
        return this.#generalized().includes(peer) ? `the tx lacks the GA meta layer of the generalized peer ${peer}` : `the tx lacks a valid signature of the peer ${peer} for network ${networkId}`;
      }
      if (result.extraLayers.length > 0) return `the tx carries GA meta layer(s) of ${result.extraLayers.map((l) => l.gaId).join(', ')} besides the peer's authentication`;
      return `the tx carries ${result.extra.length} signature(s) besides the peer's`;
    } catch (error) {
      return `the signatures cannot be checked (${isAechannelError(error) ? error.code : String(error)})`;
    }
  }

  /**
   * What is wrong with the signatures of a state the node reports as co-signed (§3.2,
   * §8.4): both participants must have signed it, exactly once each (plain or hash mode,
   * this network id), with nothing extra. Null when it is fine.
   */
  async #coSignatureProblem(tx: Encoded<'tx'>): Promise<string | null> {
    const parties = this.#parties();
    if (parties === null) return 'the participants are not known yet';
    // A force progress is signed by its poster alone (§2.6), a participant.
    const inner = innerTx(tx);
    const forced = inner?.tag === Tag.ChannelForceProgressTx ? inner.fromId : null;
    if (forced !== null && forced !== parties.initiator && forced !== parties.responder) return `the force progress was posted by ${forced}, not a participant`;
    try {
      const result = await this.#verifier.verifyTransaction(tx, {
        networkId: this.#state.options.networkId,
        signers: forced === null ? [parties.initiator, parties.responder] : [forced],
        generalized: this.#generalized(),
      });
      if (result.valid) return null;
      const problems: string[] = [];
      if (result.missing.length > 0) problems.push(`no valid signature of ${result.missing.join(', ')}`);
      if (result.extra.length > 0) problems.push(`${result.extra.length} signature(s) of no participant`);
      if (result.extraLayers.length > 0) problems.push(`GA meta layer(s) of ${result.extraLayers.map((l) => l.gaId).join(', ')}, not a generalized participant`);
      return problems.join(' and ');
    } catch (error) {
      return `its signatures cannot be checked (${isAechannelError(error) ? error.code : String(error)})`;
    }
  }

  /** The generalized participants (PROTOCOL.md §2.9), this client's own included when its signer is one. */
  #generalized(): Encoded<'ak'>[] {
    return [...(this.#state.options.generalizedAccounts ?? [])];
  }

  #keyFor(snapshot: PersistedChannel): string | undefined {
    if (this.#storeKey !== undefined) return this.#storeKey;
    return snapshot.channelId === null ? undefined : channelStoreKey(snapshot.channelId);
  }

  async #persist(persistId: number, snapshot: PersistedChannel): Promise<void> {
    const key = this.#keyFor(snapshot);
    if (key === undefined) {
      // Nothing worth keeping before the channel id exists (no co-signed state yet).
      this.#dispatch({ type: 'persisted', now: this.#clock.now(), persistId });
      return;
    }
    const text = encodeChannelRecord({ savedAt: this.#clock.now(), channel: snapshot, acis: Object.fromEntries(this.#acis) });
    const attempts = 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#store.write(key, text);
        break;
      } catch (error) {
        safeLog(this.#logger, 'error', `Persisting round ${snapshot.round} failed (attempt ${attempt}/${attempts}).`, { error, key });
        if (attempt >= attempts) {
          // LDK's UnrecoverableError: never acknowledge a state that is not stored.
          this.#fail(new ChannelError('CHANNEL_UNRECOVERABLE', `The store could not write round ${snapshot.round} of ${key}.`, { cause: error, context: { key, round: snapshot.round } }));
          return;
        }
        await new Promise<void>((resolve) => this.#after(25 * 2 ** attempt, resolve));
      }
    }
    this.#dispatch({ type: 'persisted', now: this.#clock.now(), persistId });
    this.#emit({ type: 'persisted', key, round: snapshot.round });
  }

  #settle(effect: Extract<Effect, { type: 'settle' }>): void {
    const pending = this.#pending.get(effect.commandId);
    if (pending === undefined) return; // abandoned (timeout/abort) or internal bookkeeping
    this.#pending.delete(effect.commandId);
    if (effect.ok) {
      pending.cleanup();
      pending.resolve(effect.result);
      return;
    }
    const error = toChannelError(effect.error, pending.kind);
    if (
      error.code === 'CHANNEL_CONNECTION_LOST' &&
      !pending.internal &&
      STATE_KINDS.includes(pending.kind) &&
      this.#reconnectPolicy !== null &&
      !this.#userDisconnect
    ) {
      // The outcome is unknown: decide after reconnecting (#recover).
      this.#interrupted.push(pending);
      return;
    }
    pending.cleanup();
    pending.reject(error);
  }

  #emit(event: ChannelClientEvent): void {
    this.#emitter.emit(event);
  }

  #onFsmEvent(event: ChannelEvent): void {
    if (event.type === 'error' && this.#recoveryAborts.size > 0 && isAechannelError(event.error, 'FSM_NODE_ERROR')) {
      const method = (event.error.context as { method?: unknown }).method;
      const done = typeof method === 'string' ? this.#recoveryAborts.get(method) : undefined;
      if (done !== undefined) {
        // "Not allowed at current channel state" (1018): the node was not waiting after all.
        safeLog(this.#logger, 'debug', `Nothing to abort on ${method}.`);
        done();
        return;
      }
    }
    if (event.type === 'security' && event.tag === null) this.#resyncOnUnknownState(event.details);
    switch (event.type) {
      case 'onChainTx':
        safeLog(this.#logger, 'info', `on-chain: ${event.info}`, { txType: event.txType });
        break;
      case 'security':
        safeLog(this.#logger, 'warn', `Security: ${event.reason}`, { code: event.code, tag: event.tag });
        break;
      case 'error':
        safeLog(this.#logger, 'warn', event.error.message, { code: event.error.code });
        break;
      case 'statusChanged':
        safeLog(this.#logger, 'debug', `status ${event.status}`);
        break;
      default:
        break;
    }
    if (event.type === 'statusChanged' && (event.status === 'closed' || event.status === 'died')) this.#reached.add(event.status);
    if (event.type === 'onChainTx' && event.info === 'channel_closed' && event.txType === 'channel_settle_tx' && event.tx !== null) this.#settleOnChain = event.tx;
    if (event.type === 'contractCall') {
      if (event.own && event.update.op === 'newContract') {
        // Our create is co-signed: its ACI (if given) decodes this very event.
        const aci = this.#creating.get(`${event.update.code}:${event.update.callData}`);
        if (aci !== undefined) this.#acis.set(event.call.contract_id, aci);
      }
      const key = `${event.call.contract_id}:${event.round}`;
      this.#callData.set(key, event.update.callData);
      if (this.#callData.size > 256) this.#callData.delete(this.#callData.keys().next().value as string);
      this.#emit({ ...event, result: this.#decodeCall(event.call, event.update) });
      return;
    }
    this.#emit(event);
    if (event.type === 'onChainTx') this.#watcher?.onChainTx({ info: event.info, txType: event.txType, tx: event.tx });
    if (event.type === 'statusChanged') this.#watcher?.onStatus(event.status);
  }

  // -------------------------------------------------------------------------------------
  // Timers
  // -------------------------------------------------------------------------------------

  #armTimer(): void {
    const next = nextTimer(this.#state);
    if (next?.at === this.#timerAt) return;
    if (this.#timerHandle !== undefined) this.#clock.clearTimeout(this.#timerHandle);
    this.#timerHandle = undefined;
    this.#timerAt = undefined;
    if (next === null || this.#finished) return;
    this.#timerAt = next.at;
    this.#timerHandle = this.#clock.setTimeout(() => {
      this.#timerHandle = undefined;
      this.#timerAt = undefined;
      const now = this.#clock.now();
      for (const [timer, at] of Object.entries(this.#state.timers)) {
        if (at !== undefined && at <= now) this.#dispatch({ type: 'timerFired', now, timer: timer as 'fsmUp' | 'reply' });
      }
      this.#armTimer();
    }, Math.max(0, next.at - this.#clock.now()));
  }

  // -------------------------------------------------------------------------------------
  // Recovery
  // -------------------------------------------------------------------------------------

  #cancelReconnect(): void {
    this.#reconnectCancel?.();
    this.#reconnectCancel = undefined;
  }

  /**
   * Runs `callback` after `ms` on the channel's clock, or at once when the channel ends
   * first (the timer is cleared then), so no wait of the driver outlives the channel.
   * @returns a function that cancels it (the callback does not run)
   */
  #after(ms: number, callback: () => void): () => void {
    if (this.#finished) {
      queueMicrotask(callback);
      return () => {};
    }
    let handle: unknown;
    const end = (): void => {
      if (!this.#waits.delete(end)) return;
      this.#clock.clearTimeout(handle);
      callback();
    };
    this.#waits.add(end);
    handle = this.#clock.setTimeout(end, ms);
    return () => {
      if (this.#waits.delete(end)) this.#clock.clearTimeout(handle);
    };
  }

  /** The socket closed while the node fsm may still run: reconnect with backoff (§6.3). */
  #onDisconnected(): void {
    if (this.#finished || this.#userDisconnect || this.#reconnecting) return;
    const policy = this.#reconnectPolicy;
    if (policy === null || this.channelId === null || this.fsmId === null || this.latestState === null) {
      // Before the create tx is co-signed the node fsm dies with the socket (§9.8): nothing to resume.
      if (this.latestState === null && this.#state.opening.sign === null) {
        const cause = this.#transportError;
        const close = this.#lastClose;
        const why = cause !== undefined ? (cause.details ?? cause.shortMessage) : `code ${close?.code ?? 'unknown'}${close?.reason ? ` ${close.reason}` : ''}`;
        this.#fail(
          new ChannelError('CHANNEL_UNRECOVERABLE', `The connection to ${this.#url} closed before the channel was created (${why}).`, {
            cause,
            context: { status: this.status, url: this.#url, ...(close === undefined ? {} : { closeCode: close.code, closeReason: close.reason }) },
          }),
        );
      } else if (policy === null) {
        this.#failInterrupted();
      } else {
        this.#scheduleReconnect();
      }
      return;
    }
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const policy = this.#reconnectPolicy;
    if (policy === null || this.#finished) return;
    if (this.#reconnectAttempt >= policy.attempts) {
      this.#fail(
        new ChannelError('CHANNEL_UNRECOVERABLE', `Could not reconnect after ${policy.attempts} attempts.`, {
          context: { attempts: policy.attempts, channelId: this.channelId },
        }),
      );
      return;
    }
    const attempt = ++this.#reconnectAttempt;
    const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.round(exp / 2 + (exp / 2) * this.#random());
    this.#emit({ type: 'reconnecting', attempt, delayMs });
    safeLog(this.#logger, 'info', `Reconnecting (attempt ${attempt}) in ${delayMs} ms.`);
    this.#reconnecting = true;
    this.#cancelReconnect();
    this.#reconnectCancel = this.#after(delayMs, () => {
      this.#reconnectCancel = undefined;
      if (this.#finished) return;
      const attemptDone = this.#command({ kind: 'reconnect' }, {}, true).then(
        (result) => {
          this.#reconnecting = false;
          const fsmId = (result as CommandResults['reconnect']).fsmId;
          this.#emit({ type: 'reconnected', attempt, fsmId });
          this.#background(this.#recover(fsmId), 'recover');
        },
        (error: unknown) => {
          this.#reconnecting = false;
          const channelError = toChannelError(error, 'reconnect');
          safeLog(this.#logger, 'warn', `Reconnect attempt ${attempt} failed.`, { error: channelError });
          if (channelError.code === 'CHANNEL_CONNECTION_REJECTED') {
            this.#fail(new ChannelError('CHANNEL_UNRECOVERABLE', `The node refused to resume the channel: ${channelError.shortMessage}`, { cause: channelError }));
            return;
          }
          if (getPhase(this.#state) === 'disconnected') this.#scheduleReconnect();
        },
      );
      this.#background(attemptDone, 'reconnect');
    });
  }

  /**
   * After a reconnect: learn the node's latest co-signed state, adopt it if it is newer
   * (verified), then settle the commands the drop interrupted: resolved when their state
   * is the latest one, rejected with `CHANNEL_CONNECTION_LOST` (`applied: false`, safe to
   * retry) when the state did not move. An update this client signed that the node still
   * holds half-signed is waited for first, so nothing is settled twice or repeated.
   */
  async #recover(fsmId: Encoded<'ba'>): Promise<void> {
    if (this.#recovering) return;
    this.#recovering = true;
    try {
      await this.#resync();
      const peerContract = this.#peerContractAtDrop;
      this.#peerContractAtDrop = undefined;
      if (peerContract !== undefined && this.latestState !== null && sameInnerTx(peerContract.tx, this.latestState) && peerContract.round === getRound(this.#state)) {
        // The peer's contract round we had signed is the node's latest state: report it as it would have been reported.
        for (const call of peerContract.calls ?? []) this.#onFsmEvent({ type: 'contractCall', round: peerContract.round, own: false, forced: false, update: peerContract.contractUpdate!, call });
      }
      await this.#abortStale();
      this.#reconnectAttempt = 0;
      const interrupted = this.#interrupted.splice(0);
      for (const pending of interrupted) {
        const expected = expectedBalances(pending.command, pending.startBalances, this.address);
        const round = getRound(this.#state);
        const balances = getBalances(this.#state);
        pending.cleanup();
        // A contract round took effect when the state after it holds its call (its own calls tree).
        const contract = interruptedContractResult(pending.command, pending.startRound, { state: this.latestState, round, trees: this.#state.trees }, this.address);
        const command = pending.command;
        const update = contract === null || (command.kind !== 'newContract' && command.kind !== 'callContract') ? null : ownContractUpdate(command, this.address);
        if (contract !== null && update !== null) {
          // Its contractCall event, as the round would have had without the drop.
          this.#onFsmEvent({ type: 'contractCall', round, own: true, forced: false, update, call: contract.call });
          pending.resolve(contract);
        } else if (round > pending.startRound && expected !== null && sameBalances(expected, balances) && this.latestState !== null) {
          pending.resolve({ state: this.latestState, round });
        } else {
          pending.reject(
            new ChannelError('CHANNEL_CONNECTION_LOST', `${pending.kind} did not take effect: the connection dropped before it completed.`, {
              context: { kind: pending.kind, applied: round === pending.startRound ? false : 'unknown', round, fsmId },
            }),
          );
        }
      }
    } finally {
      this.#recovering = false;
    }
    if (!this.#finished) this.#emit({ type: 'recovered', round: getRound(this.#state) });
  }

  /** Remembers the sign rounds in flight when the socket drops (own operation and peer proposal). */
  #noteInFlight(): void {
    const s = this.#state;
    const tags: SignTag[] = [];
    if (s.own !== null) {
      const tag = s.own.sign?.tag ?? OWN_TAG_OF[s.own.command.kind];
      if (tag !== undefined) tags.push(tag);
    }
    if (s.ack !== null) {
      const tag = s.ack.sign?.tag ?? ACK_TAG_OF[s.ack.kind];
      if (tag !== undefined) tags.push(tag);
    }
    if (tags.length > 0) this.#atDrop = { round: getRound(s), tags };
    const acked = s.ack?.sign;
    this.#peerContractAtDrop = acked?.signedTx != null && acked.contractUpdate != null && (acked.calls?.length ?? 0) > 0 ? acked : undefined;
  }

  /**
   * After reconnecting, the node fsm may still wait for our answer to a sign request the
   * drop cut off: it does not repeat the request (§6.3), and it would block every update
   * (error 107 "Conflict") until its sign timer fires (§9.9). When the state did not move,
   * answer such a request with an abort (§9.6, code 4): the node falls back to the last
   * co-signed state (the peer of a cut acknowledgement sees a conflict).
   *
   * After a drop inside this process the tags in flight are known. When none was in flight,
   * the drop may still have swallowed the node's first message of a peer operation (`info
   * update`, `withdraw_created`, `deposit_created`) and its sign request: the node's event
   * log (`channels.history.fetch`, §7.5) tells whether a sign request went unanswered
   * (`#openSignRound`). After a restart of the process the sign requests possible in the
   * current phase are probed one after the other until one is aborted (the node holds at
   * most one). A probe that finds nothing waiting earns error 1018 "Not allowed at current
   * channel state", which is expected and not reported.
   * @param probe - probe every possible tag (fresh process) instead of the remembered ones
   */
  async #abortStale(probe = false): Promise<void> {
    const atDrop = this.#atDrop;
    this.#atDrop = undefined;
    let tags: readonly SignTag[];
    if (atDrop !== undefined) {
      if (getRound(this.#state) !== atDrop.round) return;
      tags = atDrop.tags;
    } else if (probe) {
      tags = getPhase(this.#state) === 'closing' ? PROBE_TAGS_CLOSING : PROBE_TAGS_OPEN;
    } else {
      // Nothing was in flight here, but the drop may have swallowed the node's first
      // message of a peer operation (info update, withdraw_created, ...): ask the node.
      const tag = await this.#openSignRound();
      if (tag === null) return;
      tags = [tag];
    }
    for (const tag of tags) {
      const transport = this.#transport;
      if (transport === undefined || transport.readyState !== 'open' || this.#finished) return;
      if (await this.#abortRound(transport, tag)) return;
    }
  }

  /**
   * The sign round the node still holds open from before the reconnect, read from its
   * event log (`channels.history.fetch`, §7.5; see `openSignRoundOf`). Null when there is
   * none, when the log cannot be had, or when this client is already in a new round.
   */
  async #openSignRound(): Promise<SignTag | null> {
    let history: HistoryEntry[];
    try {
      history = (await this.#command({ kind: 'getHistory', types: ['rpt', 'req'] }, { timeoutMs: 10_000 }, true)) as HistoryEntry[];
    } catch (error) {
      safeLog(this.#logger, 'warn', "Could not read the node's event log after reconnecting.", { error });
      return null;
    }
    const s = this.#state;
    if (s.own !== null || s.ack !== null) return null;
    return openSignRoundOf(history);
  }

  /** Sends `{error: 4}` on the reply method of `tag`; resolves true when the node aborted something. */
  #abortRound(transport: Transport, tag: SignTag): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const method = REPLY_METHOD[tag];
      const cancel = this.#after(2_000, () => done(false));
      const offs = [
        this.#emitter.on('info', (event) => {
          if (event.event === 'aborted_update') done(true);
        }),
        this.#emitter.on('conflict', () => done(true)),
      ];
      const done = (aborted: boolean): void => {
        cancel();
        for (const off of offs) off();
        this.#recoveryAborts.delete(method);
        if (aborted) {
          safeLog(this.#logger, 'info', `Aborted the ${tag} round a dropped connection left open at the node.`);
          this.#emit({ type: 'staleRoundAborted', tag });
        }
        resolve(aborted);
      };
      this.#recoveryAborts.set(method, () => done(false));
      const message: JsonValue = { jsonrpc: '2.0', id: `aechannel-recovery-${++this.#recoveryId}`, method, params: { error: BigInt(DEFAULT_REFUSAL_CODE) } };
      this.#recorder?.send(message);
      try {
        transport.send(message);
      } catch {
        done(false);
      }
    });
  }

  #failInterrupted(): void {
    for (const pending of this.#interrupted.splice(0)) {
      pending.cleanup();
      pending.reject(new ChannelError('CHANNEL_CONNECTION_LOST', `${pending.kind} failed: the connection closed.`, { context: { kind: pending.kind, applied: 'unknown' } }));
    }
  }

  /**
   * Compares the node's latest co-signed state with ours (`channels.get.offchain_state`)
   * and adopts a newer one after verifying it: both participants' signatures, the channel
   * id, a higher round and a state hash that matches the node's trees (from which the
   * balances are read). This covers a crash between the node's `channels.update` and the
   * store write (PROTOCOL.md §9.14: the latest co-signed state is all a client needs).
   * A pending own update that the node holds half-signed is awaited first.
   */
  /**
   * The node reported a co-signed state of a round the fsm did not sign in this session
   * (e.g. a deposit/withdraw acknowledged just before a drop, completed while we were
   * away). It is not adopted blindly: fetch it with its trees, verify both signatures and
   * hand it to the fsm (`#resync`). Once per round. The driver starts the same resync when
   * it drops a `channels.update` whose state does not verify (`#checkCoSigned`).
   */
  #resyncOnUnknownState(details: JsonValue): void {
    const round = typeof details === 'object' && details !== null && !Array.isArray(details) ? details['round'] : undefined;
    const known = getRound(this.#state);
    if (typeof round !== 'bigint' || round <= known || this.#resyncedRounds.has(round)) return;
    // (bounded: rounds already passed are forgotten, and a node cannot grow the set forever)
    for (const seen of this.#resyncedRounds) if (seen <= known) this.#resyncedRounds.delete(seen);
    if (this.#resyncedRounds.size >= 64) return;
    this.#resyncedRounds.add(round);
    queueMicrotask(() => {
      if (this.#finished) return;
      this.#background(this.#resync(), 'resync');
    });
  }

  /**
   * Brings the channel up to the node's latest co-signed state (see `#resyncLoop`). One
   * resync runs at a time; asking for one while it runs makes it go round once more.
   * @param waitHalfSigned - also wait (up to `settleWaitMs`) for an update of ours the node holds half-signed
   */
  #resync(waitHalfSigned = true): Promise<void> {
    if (this.#resyncRun !== undefined) {
      this.#resyncAgain = { waitHalfSigned: waitHalfSigned || this.#resyncAgain?.waitHalfSigned === true };
      return this.#resyncRun;
    }
    const run = (async () => {
      try {
        let wait = waitHalfSigned;
        for (;;) {
          await this.#resyncLoop(wait);
          const again = this.#resyncAgain;
          this.#resyncAgain = undefined;
          if (again === undefined || this.#finished) break;
          wait = again.waitHalfSigned;
        }
      } finally {
        this.#resyncRun = undefined;
      }
    })();
    this.#resyncRun = run;
    return run;
  }

  /**
   * A round this client signed (own update, deposit or withdrawal, or a peer's it
   * acknowledged) waits for the node's `channels.update`. If that report is lost, nothing
   * else would ever arrive: after `operationTimeouts.stateCheck` (then at doubling
   * intervals, at most {@link MAX_STATE_CHECK_INTERVAL_MS}) the channel asks the node for
   * its latest state and adopts it, verified (`#resync`). Called after every step.
   */
  #watchStateReport(): void {
    const s = this.#state;
    const sign = s.own?.stage === 'awaitingCompletion' ? s.own.sign : s.ack?.stage === 'awaitingCompletion' ? s.ack.sign : null;
    const pending = sign != null && sign.round !== null && sign.signedTx !== null ? sign.tx : null;
    if (pending === (this.#stateCheck?.tx ?? null)) return;
    this.#stateCheck?.cancel();
    this.#stateCheck = undefined;
    if (pending !== null && !this.#finished) this.#armStateCheck(pending, this.#timeouts.stateCheck);
  }

  #armStateCheck(tx: Encoded<'tx'>, delay: number): void {
    const check = { tx, cancel: () => {} };
    this.#stateCheck = check;
    check.cancel = this.#after(delay, () => {
      if (this.#stateCheck !== check || this.#finished) return;
      const next = Math.min(delay * 2, MAX_STATE_CHECK_INTERVAL_MS);
      const transport = this.#transport;
      if (transport === undefined || transport.readyState !== 'open' || this.#recovering) {
        this.#armStateCheck(tx, next); // a reconnect is under way: it resynchronises itself
        return;
      }
      safeLog(this.#logger, 'info', `No report of round ${roundOf(tx) ?? '?'} after ${delay} ms; asking the node for its latest state.`);
      this.#background(
        this.#resync(false).finally(() => {
          if (this.#stateCheck === check && !this.#finished) this.#armStateCheck(tx, next);
        }),
        'state check',
      );
    });
  }

  async #resyncLoop(waitHalfSigned: boolean): Promise<void> {
    const policy = this.#reconnectPolicy;
    const deadline = this.#clock.now() + (policy?.settleWaitMs ?? 10_000);
    for (;;) {
      let offchain: OffchainState;
      try {
        offchain = (await this.#command({ kind: 'getOffchainState' }, { timeoutMs: 10_000 }, true)) as OffchainState;
      } catch (error) {
        safeLog(this.#logger, 'warn', 'Could not fetch the off-chain state after reconnecting.', { error });
        return;
      }
      const adopted = await this.#adoptIfNewer(offchain);
      if (adopted) continue;
      const half = offchain.halfSignedTx;
      if (waitHalfSigned && half !== '' && isEncoded(half, 'tx') && roundOf(half) !== null && roundOf(half)! > getRound(this.#state) && this.#clock.now() < deadline) {
        // An update we signed is still with the peer: wait for its outcome (update/conflict).
        await new Promise<void>((resolve) => {
          const offs = [
            this.#emitter.on('stateChanged', () => finish()),
            this.#emitter.on('conflict', () => finish()),
            this.#emitter.on('statusChanged', () => finish()),
          ];
          const cancel = this.#after(500, () => finish());
          function finish(): void {
            cancel();
            for (const off of offs) off();
            resolve();
          }
        });
        continue;
      }
      return;
    }
  }

  /**
   * Verifies both participants' signatures on the node's latest co-signed state (the fsm
   * has no ed25519) and hands it to the fsm as a `verifiedState` input; the fsm checks the
   * channel, the round and the trees, adopts it and persists it (the usual `persist`
   * effect). Resolves true when the state was adopted (and stored).
   */
  async #adoptIfNewer(offchain: OffchainState): Promise<boolean> {
    const signedTx = offchain.signedTx;
    if (signedTx === '' || !isEncoded(signedTx, 'tx') || !isEncoded(offchain.trees, 'ss')) return false;
    const before = getRound(this.#state);
    const round = roundOf(signedTx);
    if (round === null || round <= before || this.latestState === signedTx) return false;
    const o = this.#state.options;
    const parties = [o.initiatorId, o.responderId].filter((p): p is Encoded<'ak'> => p !== 'any');
    let valid = false;
    try {
      valid = (await this.#verifier.verifyTransaction(signedTx, { networkId: o.networkId, signers: parties, generalized: this.#generalized() })).valid;
    } catch {
      valid = false;
    }
    if (!valid) {
      this.#emit({
        type: 'security',
        reason: `the node's latest state (round ${round}) does not carry valid signatures of both participants; not adopted`,
        code: 'CHANNEL_SECURITY',
        tag: null,
        details: { round },
      });
      return false;
    }
    const stored = new Promise<void>((resolve) => {
      const cancel = this.#after(10_000, () => finish());
      const offs = [
        this.#emitter.on('persisted', (event) => {
          if (event.round >= round) finish();
        }),
        this.#emitter.on('security', () => finish()),
      ];
      const finish = (): void => {
        cancel();
        for (const off of offs) off();
        resolve();
      };
    });
    this.#dispatch({ type: 'verifiedState', now: this.#clock.now(), signedTx, trees: offchain.trees });
    await stored;
    if (getRound(this.#state) <= before) return false;
    this.#emit({ type: 'stateResynced', round: getRound(this.#state), state: signedTx });
    safeLog(this.#logger, 'info', `Adopted the node's co-signed state of round ${round}.`);
    return true;
  }

  // -------------------------------------------------------------------------------------
  // Endings
  // -------------------------------------------------------------------------------------

  /** Ends the channel for good with one typed error (surfaced once). */
  #fail(error: ChannelError): void {
    if (this.#failure !== undefined || this.#finished) return;
    const final = error.code === 'CHANNEL_UNRECOVERABLE' ? error : new ChannelError('CHANNEL_UNRECOVERABLE', error.shortMessage, { cause: error });
    this.#failure = final;
    safeLog(this.#logger, 'error', final.message);
    this.#emit({ type: 'error', error: final as AechannelError });
    this.#cancelReconnect();
    this.#closeTransport();
    this.#finish(final, true);
  }

  /** Releases timers, the transport and listeners; rejects what is still pending. */
  #finish(error: ChannelError | undefined, closeTransport: boolean): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#cancelReconnect();
    if (this.#timerHandle !== undefined) this.#clock.clearTimeout(this.#timerHandle);
    this.#timerHandle = undefined;
    this.#timerAt = undefined;
    this.#watcher?.stop();
    if (closeTransport) this.#closeTransport();
    const reason = error ?? new ChannelError('CHANNEL_CLOSED', `The channel ended (${this.status}).`, { context: { status: this.status } });
    const pendings = [...this.#pending.values(), ...this.#interrupted];
    this.#pending.clear();
    this.#interrupted = [];
    for (const pending of pendings) {
      pending.cleanup();
      pending.reject(reason);
    }
    // Waits end now (an abort probe answers "nothing aborted", a backoff sleep returns).
    for (const end of [...this.#waits]) end();
    this.#lifetime.abort(reason);
    // Let listeners see the final events of this turn before the iterators end.
    queueMicrotask(() => this.#emitter.close());
  }
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const DRIVER_KEYS = [
  'signer',
  'verifier',
  'url',
  'transport',
  'store',
  'storeKey',
  'logger',
  'transcript',
  'watcher',
  'onPeerUpdate',
  'chainEnv',
  'reconnect',
  'clock',
  'random',
  'onEvent',
  'signal',
  'timeoutMs',
  'operationTimeouts',
] as const;

function splitOptions<T extends ChannelDriverOptions>(options: T): { driver: ChannelDriverOptions; params: Partial<ChannelParams> } {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options', 'an object', options);
  const driver: Record<string, unknown> = {};
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if ((DRIVER_KEYS as readonly string[]).includes(key)) driver[key] = value;
    else if (key !== 'channelId' && key !== 'fsmId' && key !== 'saved') params[key] = value;
  }
  const signer = driver['signer'] as Signer | undefined;
  if (typeof signer !== 'object' || signer === null || typeof signer.signTransaction !== 'function' || !isEncoded(signer.address, 'ak')) {
    throw invalidArgument('signer', 'a Signer (address and signTransaction)', signer);
  }
  if (driver['url'] !== undefined && (typeof driver['url'] !== 'string' || !/^wss?:\/\//.test(driver['url']))) {
    throw invalidArgument('url', 'a ws:// or wss:// URL', driver['url']);
  }
  if (driver['transport'] !== undefined && typeof driver['transport'] !== 'function') throw invalidArgument('transport', 'a transport factory function', driver['transport']);
  const verifier = driver['verifier'] as Partial<TransactionVerifier> | undefined;
  if (verifier !== undefined && (typeof verifier !== 'object' || verifier === null || typeof verifier.verifyTransaction !== 'function' || typeof verifier.rememberSigned !== 'function')) {
    throw invalidArgument('verifier', 'a TransactionVerifier (createTransactionVerifier)', verifier);
  }
  if (driver['onPeerUpdate'] !== undefined && typeof driver['onPeerUpdate'] !== 'function') throw invalidArgument('onPeerUpdate', 'a function', driver['onPeerUpdate']);
  if (driver['chainEnv'] !== undefined && typeof driver['chainEnv'] !== 'function') throw invalidArgument('chainEnv', 'a function', driver['chainEnv']);
  return { driver: driver as unknown as ChannelDriverOptions, params: params as Partial<ChannelParams> };
}

/**
 * The generalized participants with this client's own account added when its signer is a
 * GA signer (a basic signer for an account listed as generalized is refused in validateParams).
 */
function withGeneralizedSelf(options: Partial<ChannelOptions>, signer: Signer): Encoded<'ak'>[] {
  const list = [...(options.generalizedAccounts ?? [])];
  if (isGaSigner(signer) && !list.includes(signer.address)) list.push(signer.address);
  return list;
}

/** Checks the open parameters at the boundary (PROTOCOL.md §6.2). */
function validateParams(params: Partial<ChannelParams>, signer: Signer): void {
  if (params.role !== 'initiator' && params.role !== 'responder') throw invalidArgument('role', '"initiator" or "responder"', params.role);
  if (params.initiatorId !== 'any' || params.role !== 'responder') assertAddress(params.initiatorId, 'initiatorId');
  assertAddress(params.responderId, 'responderId');
  if (params.initiatorId === params.responderId) throw invalidArgument('responderId', 'an account other than initiatorId', params.responderId);
  assertAmount(params.initiatorAmount, 'initiatorAmount');
  assertAmount(params.responderAmount, 'responderAmount');
  assertOptionalAmount(params.pushAmount, 'pushAmount');
  assertAmount(params.channelReserve, 'channelReserve');
  assertAmount(params.lockPeriod, 'lockPeriod');
  assertCount(params.port, 'port');
  if (params.port !== undefined && params.port > 65535) throw invalidArgument('port', 'a port number (0-65535)', params.port);
  if (params.role === 'initiator' && (typeof params.host !== 'string' || params.host === '')) throw invalidArgument('host', "the responder's node host (initiator)", params.host);
  for (const key of ['ttl', 'fee', 'gasPrice', 'nonce', 'minimumDepth', 'bhDeltaNotNewerThan', 'bhDeltaNotOlderThan', 'bhDeltaPick', 'logKeep', 'maxFee', 'maxTtl', 'maxNonceGap'] as const) {
    assertOptionalAmount(params[key], key);
  }
  if (params.minimumDepthStrategy !== undefined && params.minimumDepthStrategy !== 'txfee' && params.minimumDepthStrategy !== 'plain') {
    throw invalidArgument('minimumDepthStrategy', '"txfee" or "plain"', params.minimumDepthStrategy);
  }
  if (typeof params.networkId !== 'string' || params.networkId === '') throw invalidArgument('networkId', 'a network id such as "ae_mainnet"', params.networkId);
  const own = params.role === 'initiator' ? params.initiatorId : params.responderId;
  if (signer.address !== own) throw invalidArgument('signer', `a signer for the ${params.role} ${String(own)}`, signer.address);
  if (params.generalizedAccounts !== undefined) {
    if (!Array.isArray(params.generalizedAccounts)) throw invalidArgument('generalizedAccounts', 'a list of the participants that are generalized accounts', params.generalizedAccounts);
    for (const account of params.generalizedAccounts) {
      assertAddress(account, 'generalizedAccounts');
      if (account !== params.initiatorId && account !== params.responderId) throw invalidArgument('generalizedAccounts', 'participants of the channel', account);
    }
    // A generalized account authenticates with its auth function: a plain signer cannot (§3.2).
    if (params.generalizedAccounts.includes(own as Encoded<'ak'>) && !isGaSigner(signer)) {
      throw invalidArgument('signer', `a GA signer (gaSigner) for the generalized account ${String(own)}`, signer.address);
    }
  }
  const push = params.pushAmount ?? 0n;
  if ((params.initiatorAmount ?? 0n) - push < (params.channelReserve ?? 0n) || (params.responderAmount ?? 0n) + push < (params.channelReserve ?? 0n)) {
    throw invalidArgument('channelReserve', 'at most each party’s initial balance (§6.4: 105 Value too low)', params.channelReserve);
  }
}

function metaOf(options: { meta?: readonly string[]; blockHash?: Encoded<'kh' | 'mh'> }): { meta?: readonly string[]; blockHash?: Encoded<'kh' | 'mh'> } {
  const out: { meta?: readonly string[]; blockHash?: Encoded<'kh' | 'mh'> } = {};
  if (options.meta !== undefined) out.meta = assertStringList(options.meta, 'options.meta');
  if (options.blockHash !== undefined) {
    if (!isEncoded(options.blockHash, 'kh') && !isEncoded(options.blockHash, 'mh')) throw invalidArgument('options.blockHash', 'a kh_ or mh_ hash', options.blockHash);
    out.blockHash = options.blockHash;
  }
  return out;
}

function feesOf(options: OnChainOptions): { fee?: bigint; gasPrice?: bigint; nonce?: bigint } {
  const out: { fee?: bigint; gasPrice?: bigint; nonce?: bigint } = {};
  if (options.fee !== undefined) out.fee = assertAmount(options.fee, 'options.fee');
  if (options.gasPrice !== undefined) out.gasPrice = assertAmount(options.gasPrice, 'options.gasPrice');
  if (options.nonce !== undefined) out.nonce = assertAmount(options.nonce, 'options.nonce');
  return out;
}

function methodOf(message: JsonValue): string | undefined {
  return typeof message === 'object' && message !== null && !Array.isArray(message) && typeof message['method'] === 'string' ? message['method'] : undefined;
}

/**
 * The state a node message reports as co-signed (`channels.update`, `channels.leave`), or a
 * force progress it reports on chain (`channels.on_chain_tx`: the fsm may take its state as
 * the latest, CONTRACTS.md §3.4), if any.
 */
function coSignedStateOf(message: JsonValue): { method: string; state: Encoded<'tx'> } | null {
  const method = methodOf(message);
  if (method !== 'channels.update' && method !== 'channels.leave' && method !== 'channels.on_chain_tx') return null;
  const params = (message as { params?: JsonValue }).params;
  const data = typeof params === 'object' && params !== null && !Array.isArray(params) ? params['data'] : undefined;
  const key = method === 'channels.on_chain_tx' ? 'tx' : 'state';
  const state = typeof data === 'object' && data !== null && !Array.isArray(data) ? data[key] : undefined;
  // Anything else is no state to verify: the fsm reports a malformed message itself.
  if (typeof state !== 'string' || !isEncoded(state, 'tx')) return null;
  if (method === 'channels.on_chain_tx') {
    const info = (data as { [k: string]: JsonValue })['info'];
    return (info === 'consumed_forced_progress' || info === 'channel_changed') && innerTx(state)?.tag === Tag.ChannelForceProgressTx ? { method, state } : null;
  }
  return { method, state };
}

/** A copy of a `channels.leave` message without its state. */
function withoutState(message: JsonValue): JsonValue {
  const m = message as { [key: string]: JsonValue };
  const params = m['params'] as { [key: string]: JsonValue };
  const data = { ...(params['data'] as { [key: string]: JsonValue }) };
  delete data['state'];
  return { ...m, params: { ...params, data } };
}

function innerTx(tx: Encoded<'tx'>): Tx | null {
  try {
    // The channel tx, inside any GA meta layers (PROTOCOL.md §2.9).
    return unwrapSignedTx(tx).tx;
  } catch {
    try {
      const outer = unpackTx(tx);
      return outer.tag === Tag.SignedTx ? outer.encodedTx : outer;
    } catch {
      return null;
    }
  }
}

/** Round of a co-signed state (create = 1). */
function roundOf(tx: Encoded<'tx'>): bigint | null {
  const inner = innerTx(tx);
  if (inner === null) return null;
  if ('round' in inner && typeof inner.round === 'bigint') return inner.round;
  if (inner.tag === Tag.ChannelCreateTx) return 1n;
  return null;
}


