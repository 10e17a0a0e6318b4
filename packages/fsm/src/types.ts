/**
 * The public types of `@aechannel/fsm`: options, state, inputs, commands, effects and
 * events. These names are the contract between the reducer and its driver (the umbrella
 * `Channel`); see `transitions.ts` for how they are used.
 *
 * Conventions (docs/architecture.md): amounts, fees, nonces and rounds are `bigint`;
 * times are `number` milliseconds supplied by the driver (`now` on every input); encoded
 * values use codec's template-literal `Encoded<P>` types; JSON values are codec's
 * `JsonValue` (integers are `bigint`).
 */
import type { AechannelError, Encoded, JsonValue, Tx } from '@aechannel/codec';
import type { CallObjectJson, ContractJson, FateRulesPreset } from '@aechannel/fate';
import type { ChainEnv } from './chainEnv.js';
import type { ContractUpdate } from './contractRound.js';

/** A participant role (PROTOCOL.md §6.2 `role`). */
export type Role = 'initiator' | 'responder';

/** How confirmations are counted (PROTOCOL.md §10.1). */
export type MinimumDepthStrategy = 'txfee' | 'plain';

/**
 * Node-side protocol timers the client may override (`timeout_<name>` query parameters,
 * PROTOCOL.md §9.9), in milliseconds.
 */
export interface NodeTimeouts {
  accept?: number;
  fundingCreate?: number;
  fundingSign?: number;
  fundingLock?: number;
  idle?: number;
  sign?: number;
  initialized?: number;
  awaitingOpen?: number;
}

/** Notification classes (`report_<tag>` query parameters, PROTOCOL.md §6.2). */
export interface ReportOptions {
  info?: boolean;
  update?: boolean;
  leave?: boolean;
  conflict?: boolean;
  message?: boolean;
  error?: boolean;
  onChainTx?: boolean;
  minDepth?: boolean;
  debug?: boolean;
}

/**
 * Client-side timers of the fsm itself (not sent to the node), in milliseconds.
 * Defaults: {@link DEFAULT_CLIENT_TIMEOUTS}.
 */
export interface ClientTimeouts {
  /** From `transportOpened` until the node's `fsm_up`. */
  fsmUp?: number;
  /** From sending a request that expects a reply (`get.*`, ping, ...) until the reply. */
  reply?: number;
  /**
   * From a `resolveEnv` effect until its `envResolved` answer (then the round is refused).
   * Keep it below the node's sign timer (§9.9).
   */
  env?: number;
}

/**
 * Everything needed to open, reconnect or reestablish a channel: the open parameters of
 * PROTOCOL.md §6.2/§6.3 in camelCase, plus client-side settings (`networkId`, limits,
 * client timers) that never go to the node.
 */
export interface ChannelOptions {
  /** Which side this client is. */
  role: Role;
  /** Initiator account. A responder may pass `'any'` (then the id is taken from the create tx). */
  initiatorId: Encoded<'ak'> | 'any';
  /** Responder account. */
  responderId: Encoded<'ak'>;
  /** Coins the initiator locks in the channel (aettos). */
  initiatorAmount: bigint;
  /** Coins the responder locks in the channel (aettos). */
  responderAmount: bigint;
  /** Coins moved from initiator to responder in the initial state (default 0). */
  pushAmount?: bigint;
  /** Minimum off-chain balance each participant keeps. */
  channelReserve: bigint;
  /** Blocks during which a solo close can be disputed. */
  lockPeriod: bigint;
  /** Responder's node host (initiator only; mandatory for the initiator). */
  host?: string;
  /** Responder: port its node listens on; initiator: port of the responder's node. */
  port: number;
  /** Default TTL of later on-chain txs (§6.2; 0 = none). */
  ttl?: bigint;
  /** Create-tx fee (§5.3 rules). */
  fee?: bigint;
  /** Gas price for the create-tx fee computation. */
  gasPrice?: bigint;
  /** Initiator nonce for the create tx. */
  nonce?: bigint;
  /** Min-depth factor (txfee) or block count (plain). */
  minimumDepth?: bigint;
  minimumDepthStrategy?: MinimumDepthStrategy;
  /** Node-side timers (`timeout_*`). */
  timeouts?: NodeTimeouts;
  /** Pinned-block window (§10.3). */
  bhDeltaNotNewerThan?: bigint;
  bhDeltaNotOlderThan?: bigint;
  bhDeltaPick?: bigint;
  /** Responder only: keep the node fsm alive when the peer leaves (node default true). */
  keepRunning?: boolean;
  /** Notification classes (`report_*`). */
  report?: ReportOptions;
  /** Allow `channels.message` to/from other accounts. */
  msgForwarding?: boolean;
  /** Size of the node's event history window. */
  logKeep?: bigint;
  /** Free-form label used only in node logs. */
  slogan?: string;
  /** Reconnect/reestablish: the channel (`existing_channel_id`). */
  existingChannelId?: Encoded<'ch'>;
  /**
   * Reconnect/reestablish: the latest fsm id (`existing_fsm_id`). Defaults to the saved
   * state's fsm id. A plain string is allowed so a wrong value can be tried (the node
   * answers 1016).
   */
  existingFsmId?: Encoded<'ba'> | string;
  /** Reconnect/reestablish: the latest co-signed state (`offchain_tx`; defaults to the saved one). */
  offchainTx?: Encoded<'tx'>;

  // ---- client-side only (never sent to the node) ----
  /** Network id the signatures are made for (e.g. `ae_mainnet`, `local_iris_testnet`). */
  networkId: string;
  /**
   * Highest fee this client signs for on any tx it pays for or that is paid from the
   * channel (create, deposit, withdraw, close mutual, solo txs). Unset: the fee of an own
   * tx must be exactly what the node's rule gives for the command's `fee`/`gasPrice`
   * (§5.3), and the fee of the peer's close mutual (which the user did not choose) at most
   * `defaultMaxFee(tx)`, 10x the tx's minimum fee at the node's minimum gas price. Setting
   * it replaces that default with this absolute limit, and an own tx may then carry any fee
   * from the node's minimum (its size at the command's gas price, else 1e9, §5.2) up to it:
   * a fee the node did not take from the request as computed here, e.g. an older node's
   * fixed fee.
   */
  maxFee?: bigint;
  /**
   * Highest non-zero ttl (an absolute block height) of a tx the peer built that this client
   * co-signs (deposit, withdrawal, close mutual). Default: the open-time `ttl`, so without
   * one only ttl 0 (no expiry, the node's default, §5.6) is accepted. A huge ttl would keep
   * a tx carrying our signature postable long after our own txs expire.
   */
  maxTtl?: bigint;
  /**
   * How many nonces a tx this client pays for may skip beyond the highest one it can
   * account for (default 0). Without a per-operation `nonce`, a tx must carry a nonce this
   * client expects (`expectedNonceRange`, from the txs it signed and saw on chain in this
   * channel); that assumes the account sends nothing outside this channel. Raise it, or
   * pass `nonce` with each operation (checked exactly), when it does (another channel, a
   * wallet).
   */
  maxNonceGap?: bigint;
  /**
   * The participants that are generalized accounts (PROTOCOL.md §2.9): they authenticate
   * every channel tx with a GA meta layer instead of a signature, and their channel txs
   * carry nonce 0. Default none. A layer of any other account is refused, and so is a
   * signature where a layer is due.
   */
  generalizedAccounts?: readonly Encoded<'ak'>[];
  /** Client-side timers (see {@link ClientTimeouts}). */
  clientTimeouts?: ClientTimeouts;
  /**
   * Node rules the contract VM follows (CONTRACTS.md §5, §10): `ceres` (today's node, the
   * default), `iris`, or `early-iris` (the node of the contract recordings).
   */
  fateRules?: FateRulesPreset;
  /**
   * Whether the driver can supply the chain environment of a contract round (a `resolveEnv`
   * effect answered by `envResolved`). Default false: a round whose run reads the chain
   * environment (`Chain.timestamp`, `Chain.block_height`, on-chain lookups, ...) cannot be
   * recomputed and is refused, never signed blindly (CONTRACTS.md §2.8).
   */
  resolveChainEnv?: boolean;
}

/**
 * What the fsm knows at the end of each co-signed round, i.e. what a store keeps so the
 * channel can be reconnected, reestablished or disputed (PROTOCOL.md §9.14).
 */
export interface PersistedChannel {
  /** The options the channel was opened with (including `networkId`). */
  options: ChannelOptions;
  /** `ch_` id, once known. */
  channelId: Encoded<'ch'> | null;
  /** The latest fsm id received (the reconnect credential). */
  fsmId: Encoded<'ba'> | null;
  /** Latest co-signed state (create, off-chain, deposit or withdraw tx, signed by both). */
  latestState: Encoded<'tx'> | null;
  /** Round of `latestState` (create = 1); 0 before the channel is created. */
  round: bigint;
  /** Balances of the two participants in `latestState`. */
  balances: Record<Encoded<'ak'>, bigint>;
  /** Highest round known to be on chain (create, deposit, withdraw, snapshot); 0 if none. */
  onChainRound: bigint;
  /** What this client knows of its account's nonce (absent in records of older versions). */
  ownNonces?: OwnNonces;
  /**
   * The full state trees of `latestState` (`ss_`) once the channel holds contracts
   * (absent: a payment-only channel, whose state is `balances`). Their hash is the state
   * hash of `latestState`.
   */
  trees?: Encoded<'ss'>;
  /**
   * The create tx as this client signed it (the initiator's carries its own signature, the
   * responder's both), from the moment it was signed until the co-signed create is the
   * latest state (`latestState` null, round 0). Stored before the signed reply goes out: the
   * node's fsm then keeps running without this client (§9.7), so a client restarted before
   * the channel is open reconnects with this record and adopts the co-signed create the node
   * reports next.
   */
  signedCreateTx?: Encoded<'tx'>;
}

/**
 * What this client knows of its own account's nonce from this channel (PROTOCOL.md §5.6):
 * the highest nonce of an on-chain tx of its own it handed to the signer, and the highest
 * one it saw on chain (its create tx as initiator, its co-signed deposits and withdrawals).
 * `null`: nothing known yet.
 */
export interface OwnNonces {
  signed: bigint | null;
  onChain: bigint | null;
}

/** Connection/channel status as the client sees it (PROTOCOL.md §9.14). */
export type ChannelStatus =
  | 'connecting'
  | 'connected'
  | 'accepted'
  | 'halfSigned'
  | 'signed'
  | 'open'
  | 'closing'
  | 'closed'
  | 'died'
  | 'disconnected';

/**
 * Coarse phase of the reducer; the rows of the transition table (`transitions.ts`).
 * - `initial`: created, nothing happened yet (send `start`).
 * - `connecting`: `connect` effect emitted, waiting for the transport.
 * - `awaitingFsmUp`: socket open, waiting for `channels.info fsm_up`.
 * - `opening`: node fsm up, channel being opened (§9.2).
 * - `open`: channel usable (§9.3–§9.13 operations run inside it).
 * - `closing`: mutual close signed or a solo close on chain (§9.10, §9.11).
 * - `closed`: closing tx confirmed.
 * - `died`: the node fsm terminated (`info died`).
 * - `disconnected`: the socket closed while the node fsm may still run.
 */
export type Phase = 'initial' | 'connecting' | 'awaitingFsmUp' | 'opening' | 'open' | 'closing' | 'closed' | 'died' | 'disconnected';

/** How {@link createInitialState} starts. */
export type StartMode = 'open' | 'reconnect' | 'reestablish';

/** Names of client-side timers kept in state. */
export type TimerName = 'fsmUp' | 'reply' | 'env';

/** Sign request tags of PROTOCOL.md §8.2. */
export type SignTag =
  | 'initiator_sign'
  | 'responder_sign'
  | 'deposit_tx'
  | 'deposit_ack'
  | 'withdraw_tx'
  | 'withdraw_ack'
  | 'update'
  | 'update_ack'
  | 'shutdown_sign'
  | 'shutdown_sign_ack'
  | 'close_solo_sign'
  | 'slash_tx'
  | 'settle_sign'
  | 'snapshot_solo_tx'
  | 'force_progress_tx';

// ---------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------

/** Optional on-chain tx parameters (§7.3, §5.3). */
export interface OnChainTxParams {
  fee?: bigint;
  gasPrice?: bigint;
  nonce?: bigint;
}

/** The user's requests; each arrives in a `command` input with a `commandId`. */
export type Command =
  /** Off-chain transfer `channels.update.new` (§7.2). Either party may be `from`. */
  | { kind: 'transfer'; from: Encoded<'ak'>; to: Encoded<'ak'>; amount: bigint; meta?: readonly string[]; blockHash?: Encoded<'kh' | 'mh'> }
  /** `channels.deposit` (§7.3, §9.4). */
  | ({ kind: 'deposit'; amount: bigint; meta?: readonly string[]; blockHash?: Encoded<'kh' | 'mh'> } & OnChainTxParams)
  /** `channels.withdraw` (§7.3, §9.4). */
  | ({ kind: 'withdraw'; amount: bigint; meta?: readonly string[]; blockHash?: Encoded<'kh' | 'mh'> } & OnChainTxParams)
  /** Mutual close `channels.shutdown` (§9.10). */
  | ({ kind: 'shutdown' } & OnChainTxParams)
  /** `channels.close_solo` (§9.11). */
  | ({ kind: 'closeSolo' } & OnChainTxParams)
  /** `channels.slash` (§9.11; only while closing). */
  | ({ kind: 'slash' } & OnChainTxParams)
  /** `channels.settle` (§9.11; only while closing). */
  | ({ kind: 'settle' } & OnChainTxParams)
  /** `channels.snapshot_solo` (§9.12). */
  | ({ kind: 'snapshotSolo' } & OnChainTxParams)
  /** `channels.force_progress` (§9.13). */
  | {
      kind: 'forceProgress';
      contractId: Encoded<'ct'>;
      abiVersion: bigint;
      amount: bigint;
      callData: Encoded<'cb'>;
      gasPrice: bigint;
      gas?: bigint;
      nonce?: bigint;
    }
  /** `channels.assume_minimum_depth` (§7.3). */
  | { kind: 'assumeMinimumDepth'; txHash: Encoded<'th'> }
  /** `channels.leave` (§9.7). */
  | { kind: 'leave' }
  /** `channels.message` (§7.6); `from` only with `msgForwarding`. */
  | { kind: 'sendMessage'; to: Encoded<'ak'>; info: string; from?: Encoded<'ak'> }
  /** `channels.get.balances` (§7.5). */
  | { kind: 'getBalances'; accounts: readonly Encoded<'ak'>[] }
  /** `channels.get.poi` (§7.5). */
  | { kind: 'getPoi'; accounts?: readonly Encoded<'ak'>[]; contracts?: readonly Encoded<'ct'>[] }
  /** `channels.get.offchain_state` (§7.5). */
  | { kind: 'getOffchainState' }
  /**
   * `channels.history.fetch` (§7.5): the node fsm's event log, at most its `log_keep`
   * latest entries; `n` keeps the last n, `types` only entries of these types.
   */
  | { kind: 'getHistory'; n?: bigint; types?: readonly HistoryEntryType[] }
  /** `channels.system {action: ping}` (§7.6). */
  | { kind: 'ping' }
  /** `channels.system {action: stop}` (§7.6). */
  | { kind: 'stop' }
  /** After a disconnect: connect again to the still-running node fsm (§6.3 reconnect). */
  | { kind: 'reconnect' }
  /**
   * `channels.update.new_contract` (§7.2, CONTRACTS.md §2.2): a contract owned by this
   * participant, from a code object (`cb_`, tag 70) and the calldata of its `init`. Its id
   * is `BLAKE2b(owner ‖ round)` of the round that creates it.
   */
  | {
      kind: 'newContract';
      code: Encoded<'cb'>;
      callData: Encoded<'cb'>;
      vmVersion: bigint;
      abiVersion: bigint;
      deposit: bigint;
      meta?: readonly string[];
      blockHash?: Encoded<'kh' | 'mh'>;
    }
  /** `channels.update.call_contract` (§7.2, CONTRACTS.md §2.3): a call by this participant. */
  | {
      kind: 'callContract';
      contractId: Encoded<'ct'>;
      callData: Encoded<'cb'>;
      abiVersion: bigint;
      amount: bigint;
      meta?: readonly string[];
      blockHash?: Encoded<'kh' | 'mh'>;
    }
  /** `channels.dry_run.call_contract` (§7.2): the call on the latest state, nothing kept. */
  | { kind: 'dryRunCall'; contractId: Encoded<'ct'>; callData: Encoded<'cb'>; abiVersion: bigint; amount: bigint; blockHash?: Encoded<'kh' | 'mh'> }
  /** `channels.get.contract` (§7.5): a contract and its store in the latest state. */
  | { kind: 'getContract'; contractId: Encoded<'ct'> }
  /** `channels.get.contract_call` (§7.5): the call object of a round from the node's archive. */
  | { kind: 'getContractCall'; contractId: Encoded<'ct'>; callerId: Encoded<'ak'>; round: bigint }
  /** `channels.clean_contract_calls` (§7.5): empties the node's (and this client's) call archive. */
  | { kind: 'cleanContractCalls' };

/**
 * Types of the node fsm's event log entries (§7.5): `rpt` a report to the client, `rcv` /
 * `snd` a message from / to the peer fsm, `req` a request of the client.
 */
export type HistoryEntryType = 'rpt' | 'rcv' | 'snd' | 'req';

/** One entry of the node fsm's event log (`channels.history.fetch`, §7.5). */
export interface HistoryEntry {
  /** `rpt`, `rcv`, `snd` or `req` (see {@link HistoryEntryType}); kept as the node sent it. */
  type: string;
  /** What happened, e.g. the method reported or requested. */
  tag: string;
  /** When (the node's clock), if given as an integer. */
  time: bigint | null;
  /** Details, as the node sent them. */
  info: JsonValue;
}

/** The `kind` of a {@link Command}. */
export type CommandKind = Command['kind'];

/** A command of the given kind. */
export type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;

/** What a successful command settles with, per kind. */
export interface CommandResults {
  transfer: { state: Encoded<'tx'>; round: bigint };
  deposit: { state: Encoded<'tx'>; round: bigint };
  withdraw: { state: Encoded<'tx'>; round: bigint };
  /** The close-mutual tx signed by this client (co-signed one follows on chain). */
  shutdown: { tx: Encoded<'tx'> };
  closeSolo: { tx: Encoded<'tx'> };
  slash: { tx: Encoded<'tx'> };
  settle: { tx: Encoded<'tx'> };
  snapshotSolo: { tx: Encoded<'tx'> };
  forceProgress: { tx: Encoded<'tx'> };
  assumeMinimumDepth: null;
  leave: { state: Encoded<'tx'> | null };
  sendMessage: null;
  getBalances: Record<Encoded<'ak'>, bigint>;
  getPoi: { poi: Encoded<'pi'> };
  getOffchainState: { trees: string; calls: string; signedTx: string; halfSignedTx: string };
  getHistory: HistoryEntry[];
  ping: null;
  stop: null;
  reconnect: { fsmId: Encoded<'ba'> };
  newContract: { state: Encoded<'tx'>; round: bigint; contractId: Encoded<'ct'>; call: CallObjectJson };
  callContract: { state: Encoded<'tx'>; round: bigint; call: CallObjectJson };
  /**
   * The node's call object. `verified`: it equals this client's own run of the call on the
   * latest state (false when the run depends on a chain environment it does not know, or
   * the VM does not support the call; a different result is a `security` event and an error).
   */
  dryRunCall: { call: CallObjectJson; verified: boolean };
  /** The contract as it is in this client's own latest state (the node's answer must equal it). */
  getContract: ContractJson;
  /** The node's call object; `verified` when this client's own record of that round's call equals it. */
  getContractCall: { call: CallObjectJson; verified: boolean };
  cleanContractCalls: null;
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

interface InputBase {
  /** Current time in ms (any monotonic clock the driver chooses). */
  now: number;
}

/** Facts the driver feeds into {@link step}. */
export type Input =
  /** Begin: the fsm answers with a `connect` effect. */
  | (InputBase & { type: 'start' })
  /** The WebSocket is open. */
  | (InputBase & { type: 'transportOpened' })
  /** The WebSocket closed (either side). */
  | (InputBase & { type: 'transportClosed'; code?: number; reason?: string })
  /** A parsed JSON-RPC message from the node (a batch may arrive as an array). */
  | (InputBase & { type: 'nodeMessage'; message: JsonValue })
  /** A user request. */
  | (InputBase & { type: 'command'; commandId: number; command: Command })
  /** The signer returned the tx of a `sign` effect with its signature added. */
  | (InputBase & { type: 'signed'; requestId: number; signedTx: Encoded<'tx'> })
  /**
   * The signer or the user policy refused a `sign` effect. `errorCode` is the abort code
   * sent to the node (1..65535; default {@link DEFAULT_REFUSAL_CODE} = 4 "abort";
   * codes ≥ 128 are "user-defined", PROTOCOL.md §8.6).
   */
  | (InputBase & { type: 'signRefused'; requestId: number; errorCode?: number })
  /** A `persist` effect completed. */
  | (InputBase & { type: 'persisted'; persistId: number })
  /** A timer set by `setTimer` fired (early calls do nothing). */
  | (InputBase & { type: 'timerFired'; timer: TimerName })
  /**
   * Resynchronisation (e.g. after a crash between the node's `channels.update` and the
   * store write): the node's latest co-signed state and its trees, from
   * `channels.get.offchain_state`. The DRIVER must have verified that `signedTx` carries
   * valid signatures of both participants (the fsm has no ed25519); the fsm checks the
   * rest (channel, a higher round, state hash of `trees` = the tx's state hash), reads the
   * balances from the trees, adopts and persists.
   */
  | (InputBase & { type: 'verifiedState'; signedTx: Encoded<'tx'>; trees: Encoded<'ss'> })
  /**
   * The answer to a `resolveEnv` effect: candidate environments of the round (the pinned
   * block when it was named, else recent key blocks, newest first); an empty list when the
   * driver cannot tell (the round is then refused).
   */
  | (InputBase & { type: 'envResolved'; requestId: number; envs: readonly ChainEnv[] });

/** The `type` of an {@link Input}. */
export type InputKind = Input['type'];

// ---------------------------------------------------------------------------------------
// Events and effects
// ---------------------------------------------------------------------------------------

/** Notifications for the application. */
export type ChannelEvent =
  | { type: 'statusChanged'; status: ChannelStatus }
  | { type: 'fsmUp'; fsmId: Encoded<'ba'> }
  | { type: 'stateChanged'; round: bigint; state: Encoded<'tx'>; balances: Record<Encoded<'ak'>, bigint> }
  | { type: 'message'; from: Encoded<'ak'>; to: Encoded<'ak'>; info: string }
  | { type: 'conflict'; errorCode: number | null; errorMessage: string | null; round: bigint | null }
  | { type: 'onChainTx'; info: string; tx: Encoded<'tx'> | null; txType: string | null }
  | { type: 'info'; event: string; data: JsonValue }
  /** A sign request (or a co-signed state) was refused: it did not match what we know. */
  | { type: 'security'; reason: string; code: string; tag: SignTag | null; details: JsonValue }
  | { type: 'error'; error: AechannelError }
  | { type: 'peerDisconnected' }
  | { type: 'died' }
  | { type: 'closed' }
  | { type: 'leave'; state: Encoded<'tx'> | null }
  /**
   * A contract round became part of the latest state: a create or call of this client
   * (`own`) or of the peer, co-signed, or a force progress consumed on chain (`forced`).
   * `call` is the call object this client computed (the node's equals it, or nothing was signed).
   */
  | { type: 'contractCall'; round: bigint; own: boolean; forced: boolean; update: ContractUpdate; call: CallObjectJson }
  /**
   * A force progress of this channel was reported on chain (§8.3, CONTRACTS.md §3.4):
   * `adopted` when it continues our latest state and was recomputed (it is now the latest
   * state), else the reason it was not (`can_snapshot` / `can_slash`: it is based on an older
   * state, dispute it with a snapshot or a slash).
   */
  | { type: 'forcedProgress'; info: string; round: bigint | null; own: boolean; adopted: boolean; reason: string | null };

/** Imperatives the driver carries out, in order. */
export type Effect =
  /** Open a WebSocket with these query parameters (snake_case, as strings; §6.2/§6.3). */
  | { type: 'connect'; query: Record<string, string> }
  /** Send a JSON-RPC request object. */
  | { type: 'send'; message: JsonValue }
  /**
   * Ask the signer to add this account's signature to `tx`. Emitted only after
   * {@link verifySignRequest} accepted it; `decoded`, `updates` and `reason` let a user
   * policy decide. Answer with `signed` or `signRefused` carrying `requestId`.
   */
  | {
      type: 'sign';
      requestId: number;
      tag: SignTag;
      tx: Encoded<'tx'>;
      decoded: Tx;
      updates: readonly JsonValue[];
      reason: string;
      /** Balances of the two participants once the tx is co-signed (state-creating txs), else null. */
      balances: Record<Encoded<'ak'>, bigint> | null;
      /** Call objects the round produces, as recomputed here (contract rounds; else empty). */
      calls: readonly CallObjectJson[];
      networkId: string;
    }
  /**
   * A contract round read the chain environment (`reads`): supply candidate environments
   * with `envResolved {requestId}` (only with `options.resolveChainEnv`). `blockHash` is the
   * block this client pinned for its own update, else null (the node picked one).
   */
  | { type: 'resolveEnv'; requestId: number; blockHash: Encoded<'kh' | 'mh'> | null; reads: readonly string[]; tag: SignTag }
  | { type: 'emit'; event: ChannelEvent }
  | { type: 'settle'; commandId: number; ok: true; result: CommandResults[CommandKind] }
  | { type: 'settle'; commandId: number; ok: false; error: AechannelError }
  /** Store the snapshot durably, then answer with `persisted {persistId}`. */
  | { type: 'persist'; persistId: number; snapshot: PersistedChannel }
  | { type: 'setTimer'; timer: TimerName; at: number }
  | { type: 'clearTimer'; timer: TimerName }
  /** Close the WebSocket. */
  | { type: 'close'; code?: number; reason?: string };

/** The `type` of an {@link Effect}. */
export type EffectKind = Effect['type'];

/** What {@link step} returns. */
export interface StepResult {
  state: ChannelState;
  effects: Effect[];
}

// ---------------------------------------------------------------------------------------
// State (plain data; see serializeState)
// ---------------------------------------------------------------------------------------

/** A sign request we verified and handed to the signer (or refused). */
export interface SignRecord {
  /** Our id for the `sign` effect. */
  requestId: number;
  tag: SignTag;
  /** The tx as the node sent it. */
  tx: Encoded<'tx'>;
  /** The key the node used for the tx (`signed_tx`, or legacy `tx`), reused in the reply. */
  key: 'signed_tx' | 'tx';
  /** Round of the state this tx creates (null for txs without one: close/solo txs). */
  round: bigint | null;
  /** Balances after this tx (for state-creating txs). */
  balances: Record<Encoded<'ak'>, bigint> | null;
  /** The signed tx we sent back, once the signer answered. */
  signedTx: Encoded<'tx'> | null;
  /** The full trees after this tx (a channel holding contracts), else null. */
  trees?: Encoded<'ss'> | null;
  /** The round's call objects (contract rounds). */
  calls?: CallObjectJson[];
  /** The round's contract update (contract rounds). */
  contractUpdate?: ContractUpdate | null;
}

/** A call of a co-signed round, kept to check the node's `get.contract_call` answers. */
export interface ArchivedCall {
  round: bigint;
  call: CallObjectJson;
}

/** An own force progress handed to the node, until the chain reports it (CONTRACTS.md §3.4). */
export interface ForcedRecord {
  /** The signed force progress tx. */
  tx: Encoded<'tx'>;
  round: bigint;
  balances: Record<Encoded<'ak'>, bigint>;
  trees: Encoded<'ss'>;
  calls: CallObjectJson[];
  update: ContractUpdate;
}

/** A sign request waiting for the chain environment (`resolveEnv`). */
export interface EnvWait {
  requestId: number;
  tag: SignTag;
  key: 'signed_tx' | 'tx';
  tx: Encoded<'tx'>;
  updates: JsonValue[];
  blockHash: Encoded<'kh' | 'mh'> | null;
}

/** Stage of an operation (PROTOCOL.md §9.14 per-operation sub-machine). */
export type OperationStage = 'requested' | 'signing' | 'awaitingCompletion' | 'aborting';

/** An operation this client started (a command that runs a signing round). */
export interface OwnOperation {
  commandId: number;
  command: Command;
  stage: OperationStage;
  /** JSON-RPC id of the request that started it. */
  rpcId: bigint;
  sign: SignRecord | null;
  /** Why it is being aborted (settled with this when the node confirms). */
  abort: { code: string; message: string; errorCode: number } | null;
}

/** A peer proposal this client is acknowledging. */
export interface AckOperation {
  kind: 'transfer' | 'deposit' | 'withdraw' | 'shutdown';
  stage: OperationStage | 'announced';
  sign: SignRecord | null;
}

/** A request waiting for a reply from the node (queries, ping, stop, sign replies with id). */
export interface PendingRequest {
  rpcId: bigint;
  method: string;
  /** The command to settle with the reply, if any. */
  commandId: number | null;
  kind: CommandKind | 'signReply' | 'open';
  /** Deadline for the `reply` timer (ms), or null when no reply is awaited on a timer. */
  deadline: number | null;
  /** Queries whose answer is checked against our own state: the command and the round it was asked at. */
  query?: { command: Command; round: bigint };
}

/** The reducer state: plain data only (no Map, class instance, Uint8Array or function). */
export interface ChannelState {
  format: 'aechannel-fsm-state';
  version: 1;
  mode: StartMode;
  options: ChannelOptions;
  phase: Phase;
  status: ChannelStatus;
  fsmId: Encoded<'ba'> | null;
  channelId: Encoded<'ch'> | null;
  /** Latest co-signed state and its round/balances. */
  latestState: Encoded<'tx'> | null;
  round: bigint;
  balances: Record<Encoded<'ak'>, bigint>;
  onChainRound: bigint;
  /**
   * Opening: the create tx sign request (§9.2); `signedCreate` is the create tx this client
   * signed, once it is being stored (its reply goes out after the store,
   * `PersistedChannel.signedCreateTx`).
   */
  opening: { sign: SignRecord | null; refused: boolean; signedCreate?: Encoded<'tx'> };
  own: OwnOperation | null;
  ack: AckOperation | null;
  /** Operation commands waiting for the channel to become idle. */
  queue: { commandId: number; command: Command }[];
  requests: PendingRequest[];
  /** Round of the last sign effect above the co-signed round, with the tx signed (see verify). */
  signedAhead: { round: bigint; tx: Encoded<'tx'> } | null;
  /** A persist in flight: inputs are deferred until it completes. */
  persisting: { persistId: number; settle: { commandId: number; result: CommandResults[CommandKind] } | null } | null;
  deferred: Input[];
  timers: Partial<Record<TimerName, number>>;
  counters: { rpc: bigint; sign: number; persist: number };
  /**
   * Is a socket open (from `transportOpened` to `transportClosed`)? After `info died` the
   * node may keep the socket open for a moment and still answers `stop` (§9.8); once it
   * closed, nothing can be sent.
   */
  socketOpen: boolean;
  /** Was the socket's session rejected by the node (open-time error, §6.4)? */
  rejection: { code: number; message: string } | null;
  /** Options for the reconnect/reestablish query exactly as given (null: derive from `options`). */
  connectOptions: Partial<ChannelOptions> | null;
  /**
   * How the channel is closing, set when the node says so (`info closing`): a close mutual
   * this client co-signed, else a solo close/slash on chain. An on-chain report alone never
   * sets it (the channel API cannot confirm one), so the phase after a reconnect follows
   * the node's own state.
   */
  closingBy: 'mutual' | 'solo' | null;
  /** This client's account nonce as far as the channel shows it (see {@link OwnNonces}). */
  ownNonces: OwnNonces;
  /** Full trees of the latest state once the channel holds contracts (see {@link PersistedChannel}). */
  trees: Encoded<'ss'> | null;
  /** Calls of recent co-signed rounds (newest last), to check `get.contract_call` answers. */
  callArchive: ArchivedCall[];
  /** An own force progress the node posted, until the chain reports it. */
  forced: ForcedRecord | null;
  /** A sign request waiting for the chain environment. */
  envWait: EnvWait | null;
}
