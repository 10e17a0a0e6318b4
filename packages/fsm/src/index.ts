/**
 * @packageDocumentation
 * `@aechannel/fsm`: the client side of the æternity state channel protocol (PROTOCOL.md
 * §6–§11) as a pure reducer, `step(state, input) -> { state, effects }`, that never signs
 * what it did not check (`verifySignRequest`).
 *
 * What it does: tracks the channel (status, round, balances, latest co-signed state, fsm
 * id), turns node messages, user commands and signer answers into the JSON-RPC requests to
 * send, the sign requests to hand to a signer, the events to emit, the commands to settle,
 * the snapshots to persist and the timers to arm.
 *
 * What it does not do: no sockets, no signing keys or ed25519, no storage, no timers, no
 * clock (`now` is an input), no randomness. A driver (the umbrella `aechannel` `Channel`, or
 * your own) carries out the effects.
 *
 * Off-chain contracts (CONTRACTS.md §2–§3): every contract round, and every round once the
 * channel holds contracts, is recomputed with the FATE VM of `@aechannel/fate` on the
 * channel's own full state trees before it is signed; the chain environment a run reads
 * comes from the driver (`resolveEnv` / `envResolved`) or the round is refused.
 *
 * Imports: `@aechannel/codec` and `@aechannel/fate` (itself pure) only (no transport,
 * signer, timers, `Date.now`, `Math.random`, storage or `node:` modules).
 */
export type {
  AckOperation,
  ArchivedCall,
  EnvWait,
  ForcedRecord,
  ChannelEvent,
  ChannelOptions,
  ChannelState,
  ChannelStatus,
  ClientTimeouts,
  Command,
  CommandKind,
  CommandOf,
  CommandResults,
  Effect,
  EffectKind,
  HistoryEntry,
  HistoryEntryType,
  Input,
  InputKind,
  MinimumDepthStrategy,
  NodeTimeouts,
  OnChainTxParams,
  OperationStage,
  OwnNonces,
  OwnOperation,
  PendingRequest,
  PersistedChannel,
  Phase,
  ReportOptions,
  Role,
  SignRecord,
  SignTag,
  StartMode,
  StepResult,
  TimerName,
} from './types.js';
export { FsmErrorCode, fsmError } from './errors.js';
export {
  createInitialState,
  DEFAULT_CLIENT_TIMEOUTS,
  deserializeState,
  getBalances,
  getChannelId,
  getFsmId,
  getLatestState,
  getPersistedChannel,
  getPhase,
  getRound,
  getStatus,
  initialBalances,
  nextDeadline,
  nextTimer,
  serializeState,
  type CreateInitialStateParameters,
} from './state.js';
export { buildConnectQuery } from './buildConnectQuery.js';
export { DEFAULT_MAX_FEE_MULTIPLIER, defaultMaxFee, expectedNonceRange, maxPeerTtl } from './safeDefaults.js';
export { commandFromRequest } from './commandFromRequest.js';
export { chainEnvProblem, type ChainEnv } from './chainEnv.js';
export { OFF_CHAIN_CALL_GAS, OFF_CHAIN_CALL_GAS_PRICE, ownContractUpdate, type ContractUpdate } from './contractRound.js';
export {
  parseUpdate,
  verifyForcedProgress,
  verifySignRequest,
  type ParsedUpdate,
  type VerifyForcedProgressReturnType,
  type VerifySignRequestContext,
  type VerifySignRequestFailure,
  type VerifySignRequestReturnType,
  type VerifySignRequestSuccess,
} from './verifySignRequest.js';
export {
  COMMAND_RULES,
  DEFAULT_REFUSAL_CODE,
  FSM_CLOSE_CODE,
  INFO_EVENTS,
  NOTIFICATIONS,
  REPLY_METHOD,
  start,
  step,
  TRANSITIONS,
  UNHANDLED,
  VERIFICATION_ABORT_CODE,
  type Transition,
} from './transitions.js';
