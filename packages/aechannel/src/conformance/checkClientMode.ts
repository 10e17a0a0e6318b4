/**
 * Client mode: plays the node side of a recording to the client and checks that the
 * client sends exactly the recorded messages.
 *
 * For each role, the node's messages come from the replay transport of
 * `@aechannel/transport` (one replay per recorded connection, ids mapped), and the
 * client is the protocol reducer of `@aechannel/fsm` with a small driver, the same
 * effect loop the `Channel` runs (connect, send, sign, persist, close). The reducer is
 * driven directly rather than through the `Channel` class because recordings act where
 * `Channel` has no handle yet: messages, balance queries and pings while the channel is
 * still opening, and reconnect attempts with missing or malformed fsm ids. (The
 * `Channel` runs this same reducer; the examples runner exercises the class itself.)
 *
 * The user actions come from the recording: a recorded command becomes a `command`
 * input when the replay reaches it; a signing reply becomes the answer to the client's
 * own `sign` effect (accept with the recorded signature when the client asked to sign
 * the same inner transaction, or the recorded abort code, PROTOCOL.md §9.6); a client-side socket
 * close closes the transport. One kind of recorded message has no user action and is
 * sent by the harness itself (listed in the result's notes): an abort when the client
 * has nothing pending to abort, a deliberate protocol violation of the recording's client
 * that the node answers with 1018 (PROTOCOL.md §7.4); and a request with invalid values (a string
 * where an amount belongs, an unknown account) that the client refuses with
 * `FSM_INVALID_COMMAND` and the node answers with an error. The client must then carry on
 * as recorded. A command the client queues (an operation still running) gets the node
 * messages recorded after it delivered ahead (`deliverAhead` of the replay), as they were
 * on the wire when the recording's client sent it. Signing-reply aliases (PROTOCOL.md §7.4) count as
 * the canonical reply.
 *
 * Recordings that start with an open channel get a synthetic start: the reducer resumes
 * from a state derived from the recording, or from the recording it continues
 * (`fragmentStart`), and a synthetic `fsm_up`. A failing check names its reason: the first
 * thing the client refused or failed at on its own.
 */
import { addSignatures, decodeSignedTx, type AechannelError, type Encoded, type JsonValue } from '@aechannel/codec';
import {
  commandFromRequest,
  createInitialState,
  getPersistedChannel,
  REPLY_METHOD,
  step,
  type ChannelOptions,
  type ChannelState,
  type Effect,
  type Input,
  type SignTag,
} from '@aechannel/fsm';
import type { FateRulesPreset } from '@aechannel/fate';
import type { Role, Section } from '@aechannel/transcript';
import { replayTransport, type ReplayTransport } from '@aechannel/transport';
import { analyzeRecording, classifyClientMessage, closedByNode, type NodeVariant, type RecordingAnalysis } from './analyzeRecording.js';
import type { ModeResult } from './checkDevnodeMode.js';
import { fragmentStart, optionsFromUrl, savedStateFromOffchainTx } from './clientActions.js';
import { renderClientMessage, REPLY_METHOD_ALIASES } from './compareMessages.js';
import { compareSections, type ComparedSection } from './compareSections.js';
import { supplyReplyIds } from './supplyReplyIds.js';

/** Options of {@link checkClientMode}. */
export interface CheckClientModeOptions {
  /** The recording's network id (the client verifies the node's transactions against it). */
  networkId: string | undefined;
  /** The recording's analysis (computed when not given). */
  analysis?: RecordingAnalysis;
  /** The recording this one continues (same channel, earlier file), for one that starts mid-channel. */
  previous?: readonly Section[] | undefined;
  /**
   * The contract rules the client recomputes contract rounds with (default: `early-iris`
   * when the analysis detected the node of the contract recordings, else the fsm's default,
   * `ceres`).
   */
  fateRules?: FateRulesPreset | undefined;
}

/**
 * The contract rules of a node variant: the node of the contract recordings ran the
 * early-Iris rules (CONTRACTS.md §10); every other recording is played with the fsm's default.
 */
export function fateRulesOf(variant: NodeVariant): FateRulesPreset | undefined {
  return variant === 'early-iris' ? 'early-iris' : undefined;
}

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const TAG_OF_REPLY: Record<string, SignTag> = Object.fromEntries(Object.entries(REPLY_METHOD).map(([tag, method]) => [method, tag as SignTag]));

const innerHex = (tx: string): string | undefined => {
  try {
    return Buffer.from(decodeSignedTx(tx as Encoded<'tx'>).innerBytes).toString('hex');
  } catch {
    return undefined;
  }
};

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * True when the node answers the client request at `index` with an error (same role and
 * JSON-RPC id, before that role's next request): the request was invalid on purpose.
 */
function answeredWithError(sections: readonly Section[], index: number): boolean {
  const request = sections[index];
  if (request === undefined || request.kind !== 'send' || !isObject(request.message)) return false;
  const id = request.message.id;
  for (const section of sections.slice(index + 1)) {
    if (section.role !== request.role || section.kind === 'info') continue;
    if (section.kind !== 'receive') return false;
    if (!isObject(section.message) || section.message.error === undefined) continue;
    const error = section.message.error;
    const echoed = isObject(error) && isObject(error.request) ? error.request.id : undefined;
    if ((id !== undefined && (section.message.id === id || echoed === id)) || (id === undefined && section.message.id === null)) return true;
  }
  return false;
}

/** What one role's run produced. */
interface RoleRun {
  sections: ComparedSection[];
  notes: string[];
  problem: string | undefined;
  /** The first thing the client refused or failed at on its own (the likely cause of a difference). */
  trouble: string | undefined;
}

/**
 * Settlement errors that come from the client itself rather than from what the node
 * said (conflicts, node errors and closes are part of the recordings' flows).
 */
const LOCAL_REFUSALS = new Set(['FSM_INVALID_COMMAND', 'FSM_NOT_SUPPORTED', 'FSM_COMMAND_NOT_ALLOWED', 'FSM_SIGN_REQUEST_REJECTED', 'FSM_SIGNER_MISMATCH', 'FSM_INTERNAL_ERROR']);

/** Plays one role of the recording to the reducer. */
async function runRole(
  sections: readonly Section[],
  role: Role,
  networkId: string,
  analysis: RecordingAnalysis,
  previous: readonly Section[] | undefined,
  fateRules: FateRulesPreset | undefined,
): Promise<RoleRun> {
  const rules = fateRules === undefined ? {} : { fateRules };
  const actual: ComparedSection[] = [];
  const notes: string[] = [];
  let problem: string | undefined;
  let trouble: string | undefined;
  /** Commands fed so far, by id (to name the one a settlement refuses). */
  const commands = new Map<number, string>();
  /** Commands the client settled with an error, by id. */
  const refusals = new Map<number, AechannelError>();
  let state: ChannelState | undefined;
  let transport: ReplayTransport | undefined;
  let connection = 0;
  /** Whether the next `connect` effect is the synthetic start of a fragment (not recorded). */
  let syntheticConnect = false;
  const signs = new Map<SignTag, { requestId: number; tx: Encoded<'tx'>; answered: boolean; voided: boolean; sendsBefore: number }>();
  /** Recorded client messages of this role handled so far. */
  let sendsSeen = 0;
  const queue: Input[] = [];
  let running = false;
  let now = 1_000;
  let commandId = 0;

  const feed = (input: Input): void => {
    queue.push(input);
    if (running) return;
    running = true;
    try {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const result = step(state!, next);
        state = result.state;
        for (const effect of result.effects) execute(effect);
      }
    } finally {
      running = false;
    }
  };

  const execute = (effect: Effect): void => {
    switch (effect.type) {
      case 'connect': {
        const url = `ws://replay.invalid/channel?${new URLSearchParams(effect.query).toString()}`;
        if (!syntheticConnect) actual.push({ kind: 'connect', role, url });
        syntheticConnect = false;
        let replay: ReplayTransport;
        try {
          replay = replayTransport(sections, { role, connection });
        } catch {
          problem ??= `the client opened connection ${connection + 1}, the recording has ${connection}`;
          return;
        }
        connection += 1;
        transport = replay;
        replay.on('open', () => feed({ type: 'transportOpened', now: (now += 1) }));
        replay.on('message', (message) => feed({ type: 'nodeMessage', now: (now += 1), message }));
        replay.on('close', (event) => feed({ type: 'transportClosed', now: (now += 1), code: event.code, reason: event.reason }));
        return;
      }
      case 'send':
        actual.push({ kind: 'send', role, message: effect.message });
        if (transport?.readyState === 'open') transport.send(effect.message);
        else problem ??= `the client sent ${renderClientMessage(effect.message)} without an open connection`;
        return;
      case 'sign':
        signs.set(effect.tag, { requestId: effect.requestId, tx: effect.tx, answered: false, voided: false, sendsBefore: sendsSeen });
        return;
      case 'settle':
        if (!effect.ok) refusals.set(effect.commandId, effect.error);
        if (!effect.ok && LOCAL_REFUSALS.has(effect.error.code)) {
          trouble ??= `the client refused the command ${commands.get(effect.commandId) ?? effect.commandId}: ${effect.error.code} ${effect.error.shortMessage}`;
        }
        return;
      case 'emit':
        if (effect.event.type === 'security') trouble ??= `the client refused to sign ${effect.event.tag ?? 'a request'}: ${effect.event.reason}`;
        if (effect.event.type === 'error' && LOCAL_REFUSALS.has(effect.event.error.code)) trouble ??= `the client failed: ${effect.event.error.code} ${effect.event.error.shortMessage}`;
        // A conflict or the end of the channel that comes before the recording's client did
        // anything else voids a request not answered yet (PROTOCOL.md §9.5, §9.8).
        if (effect.event.type === 'conflict' || effect.event.type === 'died' || effect.event.type === 'closed') {
          for (const sign of signs.values()) if (!sign.answered && sign.sendsBefore === sendsSeen) sign.voided = true;
        }
        return;
      case 'persist':
        queue.push({ type: 'persisted', now: (now += 1), persistId: effect.persistId });
        return;
      case 'close':
        if (transport !== undefined && transport.readyState !== 'closed') transport.close(effect.code ?? 1000, effect.reason ?? '');
        return;
      default:
        // Timers never fire in a replay (no time passes); events and settlements are not compared.
        return;
    }
  };

  /** Lets the replay deliver everything due and the reducer process it. */
  const quiesce = async (): Promise<void> => {
    for (let i = 0; i < 3; i += 1) {
      await transport?.settled();
      await macrotask();
    }
  };

  /** Starts a new client session (fresh state) and waits until the replay has delivered what is due. */
  const start = async (initial: ChannelState): Promise<void> => {
    state = initial;
    feed({ type: 'start', now: (now += 1) });
    await quiesce();
  };

  const mine = sections.map((section, index) => ({ section, index })).filter(({ section }) => section.role === role);
  const first = mine.find(({ section }) => section.kind !== 'info');
  try {
    if (first !== undefined && first.section.kind !== 'connect') {
      // A fragment: the recording starts with the channel open.
      const setup = fragmentStart(sections, role, analysis, networkId, previous);
      if (typeof setup === 'string') return { sections: actual, notes, problem: `cannot start the fragment: ${setup}`, trouble };
      syntheticConnect = true;
      await start(createInitialState({ ...setup.options, ...rules }, { mode: 'reconnect', savedState: setup.saved }));
      feed({
        type: 'nodeMessage',
        now: (now += 1),
        message: { jsonrpc: '2.0', method: 'channels.info', params: { channel_id: setup.saved.channelId, data: { event: 'fsm_up', fsm_id: setup.fsmId } }, version: 1n },
      });
      await quiesce();
    }
    for (const { section, index } of mine) {
      if (problem !== undefined) break;
      switch (section.kind) {
        case 'info':
        case 'receive':
          break;
        case 'connect': {
          await quiesce();
          const options = optionsFromUrl(section.url, networkId);
          if (options.existingChannelId === undefined) {
            // A new channel: a signing request of the previous one is not this one's to answer.
            signs.clear();
            await start(createInitialState({ ...(options as ChannelOptions), ...rules }, { mode: 'open' }));
          } else {
            if (state === undefined) {
              problem = `the recording reconnects at line ${section.line} without a session to resume`;
              break;
            }
            let saved = getPersistedChannel(state);
            if (options.offchainTx !== undefined) saved = savedStateFromOffchainTx(sections, saved, options.offchainTx);
            // A reconnect URL without an fsm id: the user gave none (the node answers 2000, PROTOCOL.md §6.4).
            if (options.existingFsmId === undefined) saved = { ...saved, fsmId: null };
            await start(createInitialState({ ...options, ...rules }, { mode: 'reconnect', savedState: saved }));
          }
          break;
        }
        case 'close': {
          await quiesce();
          const current = transport;
          if (current === undefined) break;
          if (!closedByNode(sections, index) && current.readyState !== 'closed') current.close(1000, '');
          await Promise.race([current.closed, macrotask().then(macrotask)]);
          await quiesce();
          break;
        }
        case 'send': {
          await quiesce();
          sendsSeen += 1;
          if (transport === undefined || transport.expected[0] !== section.message) {
            // The client sent something else in this place (or lost the connection): the
            // comparison names it.
            problem = undefined;
            return { sections: actual, notes, problem, trouble };
          }
          const kind = classifyClientMessage(section.message);
          const method = isObject(section.message) ? String(section.message.method) : '';
          const tag = TAG_OF_REPLY[method] ?? TAG_OF_REPLY[REPLY_METHOD_ALIASES[method] ?? ''];
          const pending = tag === undefined ? undefined : signs.get(tag);
          if (kind.kind === 'signReply') {
            if (pending === undefined || pending.answered) break; // the client was not asked: it sends nothing
            pending.answered = true;
            if (innerHex(pending.tx) === innerHex(kind.signedTx)) {
              // The recorded signature (the harness holds no recorded key).
              feed({ type: 'signed', now: (now += 1), requestId: pending.requestId, signedTx: kind.signedTx as Encoded<'tx'> });
            } else {
              // The client asked to sign another tx than the recording's client signed: sign
              // it with a dummy signature, so the comparison shows the client's tx.
              feed({ type: 'signed', now: (now += 1), requestId: pending.requestId, signedTx: addSignatures(pending.tx, [new Uint8Array(64)]) });
            }
          } else if (kind.kind === 'abortReply') {
            const code = Number(kind.code);
            if (pending !== undefined && !pending.answered) {
              pending.answered = true;
              feed({ type: 'signRefused', now: (now += 1), requestId: pending.requestId, errorCode: code });
            } else {
              notes.push(`line ${section.line}: ${renderClientMessage(section.message)} sent by the harness (the client has nothing pending to abort)`);
              actual.push({ kind: 'send', role, message: section.message });
              transport.send(section.message);
            }
          } else {
            const command = commandFromRequest(section.message);
            if (command === null) {
              return { sections: actual, notes, problem: `no user action sends ${renderClientMessage(section.message)} (line ${section.line})`, trouble };
            } else {
              commandId += 1;
              commands.set(commandId, `${method} (line ${section.line})`);
              const troubleBefore = trouble;
              const sentBefore = actual.length;
              feed({ type: 'command', now: (now += 1), commandId, command });
              const refusal = refusals.get(commandId);
              if (refusal === undefined && actual.length === sentBefore) {
                // The client queued the command (an operation still running): the node
                // messages recorded after it were already on the wire when the recording's
                // client sent it; they arrive now, until the client sends it.
                let ahead = 0;
                for (let round = 0; round < 64 && actual.length === sentBefore && transport.readyState === 'open'; round += 1) {
                  const delivered = transport.deliverAhead();
                  if (delivered === 0) break;
                  ahead += delivered;
                  await quiesce();
                }
                if (ahead > 0 && actual.length > sentBefore) {
                  notes.push(`line ${section.line}: the client queued ${method} until ${ahead} node message(s) recorded after it had arrived`);
                }
              }
              if (refusal !== undefined && refusal.code === 'FSM_INVALID_COMMAND' && answeredWithError(sections, index)) {
                // A request the recording sends on purpose with invalid values, which the node
                // refuses: the client refuses it before sending (as it must), so the harness
                // sends it as recorded and the client must carry on as recorded.
                trouble = troubleBefore;
                notes.push(`line ${section.line}: ${renderClientMessage(section.message)} sent by the harness (the client refuses it: ${refusal.code} ${refusal.shortMessage})`);
                actual.push({ kind: 'send', role, message: section.message });
                transport.send(section.message);
              }
            }
          }
          await quiesce();
          break;
        }
      }
    }
    await quiesce();
    // The client answers every signing request (the Channel signs or aborts at once) unless
    // a conflict or the channel's end voids it first: one the recording went on without
    // answering is a message the client sends and the recording lacks.
    for (const [tag, sign] of signs) {
      if (!sign.answered && !sign.voided && sendsSeen > sign.sendsBefore) {
        problem ??= `${role}: the client answers the ${tag} signing request (${REPLY_METHOD[tag]}), the recording never does`;
      }
    }
  } catch (error) {
    problem ??= `the client failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    if (transport !== undefined && transport.readyState !== 'closed') transport.close(1000, '');
  }
  return { sections: actual, notes, problem, trouble };
}

/**
 * Checks one recording in client mode.
 * @param sections - the recording
 * @param options - its network id (required: the client verifies signatures against it)
 * @returns pass, or the first difference between what the client sent and the recording
 * @example
 * const result = await checkClientMode(fixture.sections, { networkId: fixture.networkId });
 */
export async function checkClientMode(recorded: readonly Section[], options: CheckClientModeOptions): Promise<ModeResult> {
  const { networkId } = options;
  const { sections, lines: supplied } = supplyReplyIds(recorded);
  if (networkId === undefined) {
    return { ok: false, difference: undefined, problem: 'unknown network id (no signature verifies under a known one; pass --network-id)', sections: [] };
  }
  const analysis = options.analysis ?? analyzeRecording(sections, networkId);
  const fateRules = options.fateRules ?? fateRulesOf(analysis.variant);
  const runs = [
    await runRole(sections, 'initiator', networkId, analysis, options.previous, fateRules),
    await runRole(sections, 'responder', networkId, analysis, options.previous, fateRules),
  ];
  const actual = runs.flatMap((run) => run.sections);
  const notes = [...supplied.map((line) => `line ${line}: the node's answer to a client message without an id; the replay supplies the id`), ...runs.flatMap((run) => run.notes)];
  const difference = compareSections(sections, actual, { mode: 'client' });
  const failing = difference === undefined ? runs.find((run) => run.problem !== undefined) : runs[difference.role === 'initiator' ? 0 : 1];
  const problem = difference === undefined ? failing?.problem : undefined;
  const ok = difference === undefined && problem === undefined;
  const reason = ok ? undefined : (failing?.trouble ?? (difference === undefined ? undefined : failing?.problem));
  return { ok, difference, problem, ...(reason === undefined ? {} : { reason }), sections: actual, notes };
}
