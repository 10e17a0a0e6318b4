/**
 * Creating, (de)serializing and reading the reducer state.
 *
 * The state is plain data: objects, arrays, strings, booleans, `null`, `number` and
 * `bigint`. {@link serializeState} writes it with codec's bigint-safe `stringifyJson`; since
 * `parseJson` turns every JSON integer into a `bigint`, plain numbers are written as
 * `{"$number": "<text>"}` so they come back as numbers.
 */
import { AechannelError, parseTypedJson, stringifyTypedJson, type Encoded } from '@aechannel/codec';
import type { ChannelOptions, ChannelState, ChannelStatus, PersistedChannel, SignRecord, StartMode, TimerName } from './types.js';

/** Default client-side timers (ms). */
export const DEFAULT_CLIENT_TIMEOUTS = Object.freeze({ fsmUp: 30_000, reply: 60_000, env: 20_000 });

/** Parameters of {@link createInitialState}. */
export interface CreateInitialStateParameters {
  /** `open` a new channel, `reconnect` to a running node fsm, or `reestablish` a stopped one. */
  mode: StartMode;
  /** Required for `reconnect`/`reestablish`: what the store kept. */
  savedState?: PersistedChannel;
}

/**
 * The initial balances of a channel (§2.11): the push amount moves to the responder.
 * @param options - the open parameters
 * @param initiatorId - the initiator (explicit, for responders that accept `'any'`)
 * @returns initiator -> `initiatorAmount - pushAmount`, responder -> `responderAmount + pushAmount`
 * @example initialBalances(options, options.initiatorId as Encoded<'ak'>)
 */
export function initialBalances(options: ChannelOptions, initiatorId: Encoded<'ak'>): Record<Encoded<'ak'>, bigint> {
  const push = options.pushAmount ?? 0n;
  return {
    [initiatorId]: options.initiatorAmount - push,
    [options.responderId]: options.responderAmount + push,
  } as Record<Encoded<'ak'>, bigint>;
}

/**
 * The opening of a channel restarted after it signed the create tx: the create sign
 * request as answered, so the co-signed create the node reports next is adopted against it.
 */
function openingFromRecord(options: ChannelOptions, signedCreate: Encoded<'tx'>): ChannelState['opening'] {
  const sign: SignRecord = {
    requestId: 0, // never issued: the counter starts at 1
    tag: options.role === 'initiator' ? 'initiator_sign' : 'responder_sign',
    tx: signedCreate,
    key: 'signed_tx',
    round: 1n,
    balances: initialBalances(options, options.initiatorId as Encoded<'ak'>),
    signedTx: signedCreate,
    trees: null,
  };
  return { sign, refused: false, signedCreate };
}

/**
 * Creates the state of a channel that has not started yet. Feed `{type: 'start'}` next: the
 * fsm answers with a `connect` effect.
 * @param options - open parameters, network id and client limits
 * @param parameters - the mode, and the saved state for reconnect/reestablish
 * @returns the initial state (phase `initial`)
 * @throws {AechannelError} `FSM_INVALID_COMMAND` when reconnect/reestablish lacks a saved state or channel id
 * @example
 * const state = createInitialState(options, { mode: 'open' });
 * const { effects } = step(state, { type: 'start', now: Date.now() }); // [{ type: 'connect', query }]
 */
export function createInitialState(options: ChannelOptions, parameters?: { mode: 'open' }): ChannelState;
export function createInitialState(
  options: Partial<ChannelOptions>,
  parameters: { mode: 'reconnect' | 'reestablish'; savedState: PersistedChannel },
): ChannelState;
export function createInitialState(options: ChannelOptions, parameters: CreateInitialStateParameters): ChannelState;
export function createInitialState(options: Partial<ChannelOptions>, parameters: CreateInitialStateParameters = { mode: 'open' }): ChannelState {
  const { mode, savedState } = parameters;
  if (mode !== 'open' && savedState === undefined && options.existingChannelId === undefined) {
    throw new AechannelError('FSM_INVALID_COMMAND', `Mode "${mode}" needs a saved state or options.existingChannelId.`, {
      context: { mode },
    });
  }
  // Options for a saved channel: the stored open parameters, overridden by what the caller gives now.
  const merged = (savedState === undefined ? { ...options } : { ...savedState.options, ...options }) as ChannelOptions;
  return {
    format: 'aechannel-fsm-state',
    version: 1,
    mode,
    options: merged,
    phase: 'initial',
    status: 'disconnected',
    fsmId: savedState?.fsmId ?? null,
    channelId: savedState?.channelId ?? options.existingChannelId ?? null,
    latestState: savedState?.latestState ?? null,
    round: savedState?.round ?? 0n,
    balances: savedState === undefined ? {} : { ...savedState.balances },
    onChainRound: savedState?.onChainRound ?? 0n,
    opening: savedState?.signedCreateTx !== undefined && savedState.latestState === null ? openingFromRecord(merged, savedState.signedCreateTx) : { sign: null, refused: false },
    own: null,
    ack: null,
    queue: [],
    requests: [],
    signedAhead: null,
    persisting: null,
    deferred: [],
    timers: {},
    counters: { rpc: 1n, sign: 1, persist: 1 },
    socketOpen: false,
    rejection: null,
    connectOptions: mode === 'open' ? null : { ...options },
    closingBy: null,
    ownNonces: { signed: savedState?.ownNonces?.signed ?? null, onChain: savedState?.ownNonces?.onChain ?? null },
    trees: savedState?.trees ?? null,
    callArchive: [],
    forced: null,
    envWait: null,
  };
}

/**
 * Writes the state as text (bigints and numbers preserved).
 * @param state - any state returned by this package
 * @returns JSON text
 * @example const text = serializeState(state); deserializeState(text) // deep-equals state
 */
export function serializeState(state: ChannelState): string {
  return stringifyTypedJson(state);
}

/**
 * Reads a state written by {@link serializeState}.
 * @param text - the text
 * @returns the state
 * @throws {AechannelError} `FSM_INVALID_STATE` when the text is not a serialized state; `CODEC_INVALID_JSON` when it is not JSON
 * @example const state = deserializeState(serializeState(createInitialState(options)));
 */
export function deserializeState(text: string): ChannelState {
  const value = parseTypedJson(text) as Partial<ChannelState> | null;
  if (value === null || typeof value !== 'object' || value.format !== 'aechannel-fsm-state' || value.version !== 1) {
    throw new AechannelError('FSM_INVALID_STATE', 'Not a serialized fsm state (format aechannel-fsm-state, version 1).');
  }
  // (states written before the nonce was tracked)
  value.ownNonces ??= { signed: null, onChain: null };
  // (states written before contracts were supported)
  value.trees ??= null;
  value.callArchive ??= [];
  value.forced ??= null;
  value.envWait ??= null;
  // (states written before the socket was tracked: a phase that has a socket)
  value.socketOpen ??= value.phase !== undefined && ['awaitingFsmUp', 'opening', 'open', 'closing'].includes(value.phase);
  return value as ChannelState;
}

/**
 * Connection/channel status (PROTOCOL.md §9.14).
 * @param state - the reducer state
 * @returns e.g. `'open'`
 * @example if (getStatus(state) === 'open') { ... }
 */
export function getStatus(state: ChannelState): ChannelStatus {
  return state.status;
}

/**
 * Coarse phase (the row of the transition table).
 * @param state - the reducer state
 * @returns e.g. `'opening'`
 * @example getPhase(createInitialState(options)) // 'initial'
 */
export function getPhase(state: ChannelState): ChannelState['phase'] {
  return state.phase;
}

/**
 * Round of the latest co-signed state (0 before the create tx is co-signed).
 * @param state - the reducer state
 * @returns the round
 * @example getRound(state) // 1n right after open
 */
export function getRound(state: ChannelState): bigint {
  return state.round;
}

/**
 * Balances of the latest co-signed state (empty before it exists).
 * @param state - the reducer state
 * @returns `ak_` -> balance (a copy)
 * @example getBalances(state)[initiatorId]
 */
export function getBalances(state: ChannelState): Record<Encoded<'ak'>, bigint> {
  return { ...state.balances };
}

/**
 * The channel id, once known (derived from the verified create tx, §4).
 * @param state - the reducer state
 * @returns `ch_...` or null
 * @example getChannelId(state)
 */
export function getChannelId(state: ChannelState): Encoded<'ch'> | null {
  return state.channelId;
}

/**
 * The latest fsm id (the reconnect credential, §6.3).
 * @param state - the reducer state
 * @returns `ba_...` or null
 * @example getFsmId(state)
 */
export function getFsmId(state: ChannelState): Encoded<'ba'> | null {
  return state.fsmId;
}

/**
 * The latest co-signed state.
 * @param state - the reducer state
 * @returns `tx_...` (signed by both) or null
 * @example getLatestState(state)
 */
export function getLatestState(state: ChannelState): Encoded<'tx'> | null {
  return state.latestState;
}

/**
 * What a store should keep now (the same snapshot a `persist` effect carries).
 * @param state - the reducer state
 * @returns the snapshot
 * @example await store.save(getPersistedChannel(state));
 */
export function getPersistedChannel(state: ChannelState): PersistedChannel {
  return {
    options: state.options,
    channelId: state.channelId,
    fsmId: state.fsmId,
    latestState: state.latestState,
    round: state.round,
    balances: { ...state.balances },
    onChainRound: state.onChainRound,
    ownNonces: { ...state.ownNonces },
    ...(state.trees === null ? {} : { trees: state.trees }),
    ...(state.latestState === null && state.opening.signedCreate !== undefined ? { signedCreateTx: state.opening.signedCreate } : {}),
  };
}

/**
 * The earliest armed timer deadline (ms): the driver keeps one host timer armed at this
 * time and feeds `timerFired` for the timer named in {@link nextTimer}.
 * @param state - the reducer state
 * @returns ms, or null when no timer is armed
 * @example nextDeadline(state) // e.g. 1700000060000
 */
export function nextDeadline(state: ChannelState): number | null {
  return nextTimer(state)?.at ?? null;
}

/**
 * The earliest armed timer with its deadline.
 * @param state - the reducer state
 * @returns `{ timer, at }` or null
 * @example const next = nextTimer(state); if (next) setTimeout(() => feed({ type: 'timerFired', timer: next.timer, now: Date.now() }), next.at - Date.now());
 */
export function nextTimer(state: ChannelState): { timer: TimerName; at: number } | null {
  let best: { timer: TimerName; at: number } | null = null;
  for (const [timer, at] of Object.entries(state.timers) as [TimerName, number | undefined][]) {
    if (at !== undefined && (best === null || at < best.at)) best = { timer, at };
  }
  return best;
}
