/**
 * Transcript replay harness: drives the fsm of ONE role of a recording.
 *
 * - `connect` sections: a fresh state (open, or reconnect when the URL names an existing
 *   channel) built from the URL's query; the fsm's `connect` effect must carry the same
 *   query; then `transportOpened`.
 * - `receive` sections (node ---> client): `nodeMessage` inputs, with the JSON-RPC ids of
 *   replies rewritten from the recorded client's ids to the fsm's ids.
 * - `send` sections (client ---> node): turned back into what the user did (a command, or
 *   `signed`/`signRefused` for sign replies, with the recorded signed tx); the fsm's next
 *   `send` effect must equal the recorded message (method and params; ids aside).
 * - `close` sections: `transportClosed`.
 * - `persist` effects are answered with `persisted` at once.
 *
 * Fragments (recordings that start with an open channel) take a {@link ReplaySetup}: the
 * fsm is started in reconnect mode from a saved state and handed a synthetic `fsm_up`.
 */
import {
  decodeSignedTx,
  isAechannelError,
  type Encoded,
  type JsonValue,
} from '@aechannel/codec';
import type { Fixture } from '@aechannel/transcript/fixtures';
import type { Role, Section } from '@aechannel/transcript';
import {
  commandFromRequest,
  createInitialState,
  getPersistedChannel,
  parseUpdate,
  REPLY_METHOD,
  step,
  type ChannelOptions,
  type ChannelState,
  type Command,
  type Effect,
  type Input,
  type PersistedChannel,
  type SignTag,
} from '../src/index.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (v: JsonValue | undefined): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Options parsed from a recorded channel URL (§6.2/§6.3). */
export function optionsFromUrl(url: string, networkId: string): Partial<ChannelOptions> & { networkId: string } {
  const q = new URL(url).searchParams;
  const o: Partial<ChannelOptions> & { networkId: string } = { networkId };
  const big = (key: string): bigint | undefined => (q.has(key) ? BigInt(q.get(key)!) : undefined);
  const set = <K extends keyof ChannelOptions>(key: K, value: ChannelOptions[K] | undefined): void => {
    if (value !== undefined) o[key] = value;
  };
  set('role', (q.get('role') ?? undefined) as Role | undefined);
  set('initiatorId', (q.get('initiator_id') ?? undefined) as Encoded<'ak'> | undefined);
  set('responderId', (q.get('responder_id') ?? undefined) as Encoded<'ak'> | undefined);
  set('initiatorAmount', big('initiator_amount'));
  set('responderAmount', big('responder_amount'));
  set('pushAmount', big('push_amount'));
  set('channelReserve', big('channel_reserve'));
  set('lockPeriod', big('lock_period'));
  set('host', q.get('host') ?? undefined);
  set('port', q.has('port') ? Number(q.get('port')) : undefined);
  set('ttl', big('ttl'));
  set('fee', big('fee'));
  set('gasPrice', big('gas_price'));
  set('nonce', big('nonce'));
  set('minimumDepth', big('minimum_depth'));
  set('logKeep', big('log_keep'));
  set('slogan', q.get('slogan') ?? undefined);
  if (q.has('keep_running')) o.keepRunning = q.get('keep_running') === 'true';
  if (q.has('msg_forwarding')) o.msgForwarding = q.get('msg_forwarding') === 'true';
  set('existingChannelId', (q.get('existing_channel_id') ?? undefined) as Encoded<'ch'> | undefined);
  set('existingFsmId', q.get('existing_fsm_id') ?? undefined);
  set('offchainTx', (q.get('offchain_tx') ?? undefined) as Encoded<'tx'> | undefined);
  return o;
}

/** The query of a recorded URL as a plain record. */
export function queryOfUrl(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams.entries());
}

/** Starting point for fragment recordings (no opening in the recording). */
export interface ReplaySetup {
  options: ChannelOptions;
  saved: PersistedChannel;
  fsmId: Encoded<'ba'>;
}

/** A recorded client message paired with what the fsm sent. */
export interface ReplayPair {
  section: Extract<Section, { kind: 'send' }>;
  sent: JsonValue | null;
}

/** What {@link replayRole} observed. */
export interface ReplayReport {
  /** The fixture's network id (every sign effect must carry it). */
  networkId: string;
  pairs: ReplayPair[];
  /** fsm sends no recorded message corresponds to. */
  extraSends: JsonValue[];
  /** Every `sign` effect, in order. */
  signs: Extract<Effect, { type: 'sign' }>[];
  /** The txs of the recorded `channels.sign.*` requests of this role, in order. */
  recordedSignTxs: string[];
  /** Every effect, in order. */
  effects: Effect[];
  state: ChannelState;
  /** The `connect` queries the fsm produced and the recorded ones. */
  connects: { produced: Record<string, string>; recorded: Record<string, string> }[];
}

const REPLY_TAG: Record<string, SignTag> = Object.fromEntries(
  Object.entries(REPLY_METHOD).map(([tag, method]) => [method, tag as SignTag]),
) as Record<string, SignTag>;

/** Rewrites the `id` of a node reply through `ids` (recorded client id -> fsm id). */
function mapIds(message: JsonValue, ids: Map<bigint, bigint>): JsonValue {
  if (Array.isArray(message)) return message.map((m) => mapIds(m, ids));
  if (!isObject(message) || typeof message['id'] !== 'bigint') return message;
  const mapped = ids.get(message['id']);
  return mapped === undefined ? message : { ...message, id: mapped };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The state a client that signed `tx` out of band knows (the reconnect recording's test
 * client signs for its disconnected responder): the recorded sign request with the same
 * inner tx gives the updates, applied to the saved balances.
 */
function savedStateFromOffchainTx(fixture: Fixture, saved: PersistedChannel, tx: Encoded<'tx'>): PersistedChannel {
  const { innerBytes, tx: inner } = decodeSignedTx(tx);
  if (!('round' in inner) || inner.round <= saved.round) return saved;
  for (const section of fixture.sections) {
    if (section.kind !== 'receive' || !isObject(section.message)) continue;
    const method = section.message['method'];
    if (typeof method !== 'string' || !method.startsWith('channels.sign.')) continue;
    const data = isObject(section.message['params']) && isObject(section.message['params']['data']) ? section.message['params']['data'] : {};
    const requested = data['signed_tx'] ?? data['tx'];
    if (typeof requested !== 'string' || !equalBytes(decodeSignedTx(requested as Encoded<'tx'>).innerBytes, innerBytes)) continue;
    const balances = { ...saved.balances };
    for (const update of (Array.isArray(data['updates']) ? data['updates'] : []).map(parseUpdate)) {
      if (update.op === 'transfer') {
        balances[update.from as Encoded<'ak'>] = balances[update.from as Encoded<'ak'>]! - update.amount;
        balances[update.to as Encoded<'ak'>] = balances[update.to as Encoded<'ak'>]! + update.amount;
      }
    }
    return { ...saved, latestState: tx, round: inner.round, balances };
  }
  return saved;
}

/**
 * Replays one role of a fixture through {@link step}.
 * @param fixture - a loaded fixture
 * @param role - whose client to play
 * @param setup - starting state for fragment recordings
 * @param extra - client-side options added to every opened state (e.g. the contract VM's rules)
 */
export function replayRole(fixture: Fixture, role: Role, setup?: ReplaySetup, extra: Partial<ChannelOptions> = {}): ReplayReport {
  const sections = fixture.sections.filter((s) => s.role === role);
  const report: ReplayReport = { networkId: fixture.networkId, pairs: [], extraSends: [], signs: [], recordedSignTxs: [], effects: [], state: null as unknown as ChannelState, connects: [] };
  const ids = new Map<bigint, bigint>();
  const fsmSends: JsonValue[] = [];
  let commandId = 0;
  let now = 1_000;
  let state = null as unknown as ChannelState;
  let lastSign: Partial<Record<SignTag, number>> = {};

  const feed = (input: Input): void => {
    const queue: Input[] = [input];
    while (queue.length > 0) {
      const next = queue.shift()!;
      const result = step(state, next);
      state = result.state;
      for (const effect of result.effects) {
        report.effects.push(effect);
        if (effect.type === 'send') fsmSends.push(effect.message);
        if (effect.type === 'sign') {
          report.signs.push(effect);
          lastSign = { ...lastSign, [effect.tag]: effect.requestId };
        }
        if (effect.type === 'persist') queue.push({ type: 'persisted', now, persistId: effect.persistId });
      }
    }
  };

  const startWith = (initial: ChannelState, recordedUrl: string | null): void => {
    state = initial;
    const before = report.effects.length;
    feed({ type: 'start', now: (now += 1) });
    const connect = report.effects.slice(before).find((e) => e.type === 'connect');
    if (recordedUrl !== null && connect?.type === 'connect') report.connects.push({ produced: connect.query, recorded: queryOfUrl(recordedUrl) });
    feed({ type: 'transportOpened', now: (now += 1) });
  };

  if (setup !== undefined) {
    startWith(createInitialState({ ...setup.options }, { mode: 'reconnect', savedState: setup.saved }), null);
    feed({
      type: 'nodeMessage',
      now: (now += 1),
      message: { jsonrpc: '2.0', method: 'channels.info', params: { channel_id: setup.saved.channelId, data: { event: 'fsm_up', fsm_id: setup.fsmId } }, version: 1n },
    });
  }

  for (const section of sections) {
    now += 10;
    switch (section.kind) {
      case 'info':
        break;
      case 'connect': {
        const options = { ...optionsFromUrl(section.url, fixture.networkId), ...extra };
        if (options.existingChannelId === undefined) {
          startWith(createInitialState(options as ChannelOptions, { mode: 'open' }), section.url);
        } else {
          let saved = getPersistedChannel(state);
          if (options.offchainTx !== undefined) saved = savedStateFromOffchainTx(fixture, saved, options.offchainTx);
          // The recording tries a missing fsm id first: the user gave none.
          if (options.existingFsmId === undefined) saved = { ...saved, fsmId: null };
          startWith(createInitialState(options, { mode: 'reconnect', savedState: saved }), section.url);
        }
        break;
      }
      case 'close':
        feed({ type: 'transportClosed', now });
        break;
      case 'receive': {
        const message = section.message;
        if (isObject(message) && typeof message['method'] === 'string' && message['method'].startsWith('channels.sign.')) {
          const data = isObject(message['params']) && isObject(message['params']['data']) ? message['params']['data'] : {};
          report.recordedSignTxs.push(String(data['signed_tx'] ?? data['tx']));
        }
        feed({ type: 'nodeMessage', now, message: mapIds(message, ids) });
        break;
      }
      case 'send': {
        const message = section.message as JsonObject;
        const method = String(message['method']);
        const params = isObject(message['params']) ? message['params'] : {};
        const sentBefore = fsmSends.length;
        const tag = REPLY_TAG[method];
        if (tag !== undefined && method !== 'channels.update.new' && ('signed_tx' in params || 'tx' in params || 'error' in params)) {
          const requestId = lastSign[tag] ?? -1;
          if ('error' in params) feed({ type: 'signRefused', now, requestId, errorCode: Number(params['error']) });
          else feed({ type: 'signed', now, requestId, signedTx: (params['signed_tx'] ?? params['tx']) as Encoded<'tx'> });
        } else {
          const command = commandFromRequest(message);
          if (command === null) throw new Error(`replay: no user action for ${method} (line ${section.line})`);
          feed({ type: 'command', now, commandId: (commandId += 1), command });
        }
        const sent = fsmSends.length > sentBefore ? fsmSends[sentBefore]! : null;
        report.pairs.push({ section, sent });
        if (sent !== null && isObject(sent) && typeof sent['id'] === 'bigint' && typeof message['id'] === 'bigint') ids.set(message['id'], sent['id']);
        report.extraSends.push(...fsmSends.slice(sentBefore + 1));
        break;
      }
    }
  }
  report.state = state;
  return report;
}

/** The comparable part of a JSON-RPC request: method and params (ids aside). */
export function methodAndParams(message: JsonValue | null): { method: JsonValue; params: JsonValue } | null {
  if (!isObject(message)) return null;
  return { method: message['method'] ?? null, params: message['params'] ?? null };
}

/** Inner bytes of a `tx_` (hex), for comparing sign effects with recorded requests. */
export function innerHex(tx: string): string {
  try {
    return Buffer.from(decodeSignedTx(tx as Encoded<'tx'>).innerBytes).toString('hex');
  } catch (e) {
    return isAechannelError(e) ? `invalid:${e.code}` : 'invalid';
  }
}
