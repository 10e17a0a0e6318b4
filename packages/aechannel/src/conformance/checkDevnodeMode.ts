/**
 * Devnode mode: replays a recording's *client* side against a node (the embedded
 * devnode) and compares what the node sends with the recorded node messages.
 *
 * The node runs its own chain with its own accounts, so the recorded client messages are
 * adapted before they are sent: the recorded accounts become the node's test accounts,
 * and channel ids, fsm ids and states become the ones this run produced (learned as the
 * node's messages match the recorded ones). Signing replies sign the transaction the node
 * just asked this role to sign (PROTOCOL.md §7.4) with the role's key; aborts, commands
 * and queries are sent as recorded, ids included (they are client-chosen, §7.1).
 *
 * Causality: before each client action (connect, send, close) every node message the
 * recording shows before it, for either role, must have arrived. That reproduces the
 * recorded interleaving of the two clients (e.g. the responder withdraws only after the
 * initiator's withdrawal was aborted). Each node message is compared, by shape
 * (`compareNodeMessage`), as soon as it arrives; the first difference ends the run.
 *
 * When the node is idle and a recorded message is still due, the driver first performs an
 * out-of-band action the recording implies (a stale close solo posted by someone else,
 * see `outOfBand`), then lets time pass if the message due is a timeout, and only then
 * mines a block. Every channel of a recording is played by the node's two accounts; hashes
 * of the transactions the node reports replace the recorded ones in later requests.
 */
import { buildPoi, buildSignedTx, computeContractId, decode, decodeSignedTx, fixFee, packTx, Tag, txHash, type Encoded, type JsonValue } from '@aechannel/codec';
import { memorySigner, type Signer } from '@aechannel/signer';
import type { Role, Section } from '@aechannel/transcript';
import type { Transport } from '@aechannel/transport';
import { analyzeRecording, classifyClientMessage, closedByNode, type RecordingAnalysis } from './analyzeRecording.js';
import { compareSections, type ComparedSection, type SectionDifference } from './compareSections.js';
import { createRunStateTracker, findOutOfBandActions, isTimerEffect, type OutOfBandAction } from './outOfBand.js';
import { supplyReplyIds } from './supplyReplyIds.js';
import { compareNodeMessage, renderClientMessage, renderNodeMessage, substituteKeysInBytes, urlParams } from './compareMessages.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A test account of the node. */
export interface NodeAccount {
  address: string;
  secretKey: string;
}

/** The node a devnode-mode check runs against. */
export interface DevnodeTarget {
  /** Channel endpoint, e.g. `ws://127.0.0.1:3014/channel`. */
  url: string;
  networkId: string;
  /** The accounts that play the recording's initiator and responder. */
  accounts: Record<Role, NodeAccount>;
  /** Opens a connection. */
  connect: (url: string) => Transport;
  /** Resolves when the node has no work queued (lets the driver tell that it is stuck). */
  idle?: () => Promise<void>;
  /** Moves the chain on (mines a block) when the node is idle but a recorded message is still due. */
  advance?: () => Promise<void>;
  /**
   * Lets messages between the node's FSMs that are still "on the wire" land, without
   * mining. Called before each new request: time passed in the recording before a client
   * made one.
   */
  settle?: () => Promise<void>;
  /** Moves the node's clock on by `ms` so that its timers fire (a recording in which the node timed out). */
  passTime?: (ms: number) => Promise<void>;
  /** Posts a signed tx to the node's chain (an out-of-band action of the recording); resolves to its hash. */
  post?: (signedTx: Encoded<'tx'>) => Promise<string>;
  /** The next nonce of an account on the node's chain. */
  nextNonce?: (address: Encoded<'ak'>) => bigint;
}

/** How far the clock moves per step while a recorded timeout is due (fine steps up to `FINE_TIME_MS`), and in all (past the longest default timer, §9.9). */
const FINE_TIME_STEP_MS = 50;
const FINE_TIME_MS = 10_000;
const TIME_STEP_MS = 5_000;
const MAX_TIME_MS = 700_000;

/** Options of {@link checkDevnodeMode}. */
export interface CheckDevnodeModeOptions {
  /** The recording's network id (picks the node variant of PROTOCOL.md §11). */
  networkId?: string | undefined;
  /** The recording's analysis (computed when not given). */
  analysis?: RecordingAnalysis | undefined;
  /** How long to wait for a recorded node message, in ms (default 5000). */
  waitMs?: number;
  /** Most blocks `advance` may mine while waiting for one client action (default 200). */
  maxBlocksPerWait?: number;
  /** How long to watch for extra node messages after the last recorded one, in ms (default 100). */
  graceMs?: number;
  /**
   * Parameters of the channel opened before a recording that starts with an open channel
   * (default: the amounts of the fixture recordings).
   */
  prelude?: Record<string, string>;
}

/** Outcome of one check. */
export interface ModeResult {
  ok: boolean;
  /** The first difference, when the node did not send what was recorded. */
  difference: SectionDifference | undefined;
  /** A failure that is not a message difference (e.g. the node could not be reached). */
  problem: string | undefined;
  /**
   * Why the run went another way than the recording, when that is known: what the client
   * refused and why, the node's error text, a feature not supported yet.
   */
  reason?: string | undefined;
  /** Everything sent and received in the run, in order (both roles). */
  sections: ComparedSection[];
  /** Remarks on a passing run (e.g. messages the harness sent itself). */
  notes?: string[];
}

/** Default opening parameters for recordings that start with an open channel. */
export const defaultPreludeParams: Readonly<Record<string, string>> = Object.freeze({
  initiator_amount: '70000000000000',
  responder_amount: '40000000000000',
  push_amount: '1',
  channel_reserve: '2',
  lock_period: '10',
  port: '13179',
  host: 'localhost',
  protocol: 'json-rpc',
  keep_running: 'false',
  minimum_depth: '0',
});

class Stop extends Error {}

/** The tx of a signing request (`signed_tx`, or legacy `tx`). */
function txOf(message: JsonValue | undefined): string | undefined {
  if (!isObject(message) || !isObject(message.params) || !isObject(message.params.data)) return undefined;
  const tx = message.params.data.signed_tx ?? message.params.data.tx;
  return typeof tx === 'string' ? tx : undefined;
}

/** How many signatures a signed tx carries (0 when it does not decode). */
function signatureCount(tx: string | undefined): number {
  if (tx === undefined) return 0;
  try {
    return decodeSignedTx(tx as Encoded<'tx'>).signatures.length;
  } catch {
    return 0;
  }
}

interface RoleState {
  transport: Transport | undefined;
  /** Recorded node messages of this role, in order. */
  expected: Section[];
  /** How many of them have been matched. */
  matched: number;
  /** Latest sign request per tag (as the node sent it in this run). */
  signRequests: Map<string, JsonObject>;
  /** Latest sign request per tag as recorded. */
  recordedSignRequests: Map<string, JsonValue>;
  signer: Signer;
  /** Messages of the prelude still to skip. */
  skipping: boolean;
}

/**
 * Checks one recording in devnode mode.
 * @param sections - the recording
 * @param target - the node and its accounts
 * @param options - wait limits, the recording's network id
 * @returns pass, or the first difference
 * @example
 * const result = await checkDevnodeMode(fixture.sections, { url, networkId, accounts, connect: (u) => webSocketTransport(u) });
 */
export async function checkDevnodeMode(
  recorded: readonly Section[],
  target: DevnodeTarget,
  options: CheckDevnodeModeOptions = {},
): Promise<ModeResult> {
  const { sections, lines: supplied } = supplyReplyIds(recorded);
  const waitMs = options.waitMs ?? 5000;
  const maxBlocks = options.maxBlocksPerWait ?? 200;
  const graceMs = options.graceMs ?? 100;
  const analysis = options.analysis ?? analyzeRecording(sections, options.networkId);
  const actual: ComparedSection[] = [];
  const substitutions = new Map<string, string>();
  // Every channel of the recording is played by the node's two accounts, role for role.
  const recordedAccounts = (role: Role): string[] => [...new Set([analysis.accounts[role], ...(analysis.accountsByRole?.[role] ?? [])].filter((a): a is string => a !== undefined))];
  for (const role of ['initiator', 'responder'] as const) {
    for (const recorded of recordedAccounts(role)) substitutions.set(recorded, target.accounts[role].address);
  }
  const names = {
    expected: new Map((['initiator', 'responder'] as const).flatMap((role) => recordedAccounts(role).map((address) => [address, role] as const))),
    actual: new Map(Object.entries(target.accounts).map(([role, account]) => [account.address, role])),
  };
  const roles: Record<Role, RoleState> = {
    initiator: newRole('initiator'),
    responder: newRole('responder'),
  };
  function newRole(role: Role): RoleState {
    return {
      transport: undefined,
      expected: sections.filter((s) => s.role === role && s.kind === 'receive'),
      matched: 0,
      signRequests: new Map(),
      recordedSignRequests: new Map(),
      signer: memorySigner(target.accounts[role].secretKey),
      skipping: false,
    };
  }

  let difference: SectionDifference | undefined;
  let problem: string | undefined;
  let reason: string | undefined;
  const notes = supplied.map((line) => `line ${line}: the node's answer to a client message without an id; the replay supplies the id`);
  const outOfBand = findOutOfBandActions(sections, analysis);
  const performed = new Set<OutOfBandAction>();
  const runStates = createRunStateTracker();
  const firstUrl = sections.find((section): section is Extract<Section, { kind: 'connect' }> => section.kind === 'connect')?.url;
  // The push amount of the opening (§6.2): the initial state's balances depend on it.
  const pushAmount = BigInt(firstUrl !== undefined ? (urlParams(firstUrl).push_amount ?? '0') : (options.prelude?.push_amount ?? defaultPreludeParams.push_amount ?? '0'));
  let timePassed = 0;
  /** Node messages seen (compared or not): progress the stall detection looks at. */
  let progress = 0;
  /** Client work in flight (signing in the prelude): the node is not stuck meanwhile. */
  let busy = 0;
  const wakers = new Set<() => void>();
  const wake = (): void => {
    const all = [...wakers];
    wakers.clear();
    for (const waker of all) waker();
  };
  const finish = (found: SectionDifference | undefined, text?: string): void => {
    if (difference === undefined && problem === undefined) {
      difference = found;
      problem = text;
    }
    wake();
  };
  const failed = (): boolean => difference !== undefined || problem !== undefined;

  /**
   * Waits until `condition` holds. When the node is idle and the condition still does not
   * hold, the chain is advanced one block (a recording's chain events come only when the
   * real chain got there). A recorded message that never comes is the difference.
   */
  const waitUntil = async (condition: () => boolean, expiredProblem?: string): Promise<void> => {
    const deadline = Date.now() + waitMs;
    let blocks = 0;
    for (;;) {
      if (failed()) throw new Stop();
      if (condition()) return;
      const seen = progress;
      const changed = new Promise<void>((resolve) => wakers.add(resolve));
      const rest = Math.max(0, deadline - Date.now());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), rest)));
      const settled = target.idle === undefined ? changed : Promise.race([changed, target.idle()]);
      const outcome = await Promise.race([settled, expired]);
      clearTimeout(timer);
      if (failed()) throw new Stop();
      if (condition()) return;
      if (outcome === 'expired') {
        if (expiredProblem !== undefined) finish(undefined, expiredProblem);
        else finish(compareSections(sections, actual, { mode: 'devnode', names }), `timed out after ${waitMs} ms`);
        throw new Stop();
      }
      if (progress === seen && busy === 0 && (await performOutOfBand())) continue;
      if (progress === seen && busy === 0 && target.passTime !== undefined && timePassed < MAX_TIME_MS && timerEffectDue()) {
        // Fine steps first (the node's test suites set timeouts of a few seconds, and the order
        // in which two timers fire shows), coarse ones up to the longest default timer.
        const step = timePassed < FINE_TIME_MS ? FINE_TIME_STEP_MS : TIME_STEP_MS;
        timePassed += step;
        await target.passTime(step);
        continue;
      }
      if (progress === seen && busy === 0 && target.advance !== undefined && blocks < maxBlocks) {
        blocks += 1;
        await target.advance();
      } else if (target.idle !== undefined && progress === seen) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  };

  /** Whether every node message recorded before `index` has arrived (for both roles). */
  const reached = (index: number): boolean =>
    (['initiator', 'responder'] as const).every((role) => roles[role].matched >= sections.slice(0, index).filter((s) => s.role === role && s.kind === 'receive').length);

  /** Whether the next recorded node message due (the earliest unmatched one) comes only after a timer fired. */
  const timerEffectDue = (): boolean => {
    const next = (['initiator', 'responder'] as const)
      .map((role) => roles[role].expected[roles[role].matched])
      .filter((section): section is Section => section !== undefined)
      .sort((a, b) => a.line - b.line)[0];
    return next?.kind === 'receive' && isTimerEffect(next.message);
  };

  /** Performs the first out-of-band action that is due (see `findOutOfBandActions`); false when none is. */
  const performOutOfBand = async (): Promise<boolean> => {
    const action = outOfBand.find((candidate) => !performed.has(candidate) && reached(candidate.index));
    if (action === undefined) return false;
    performed.add(action);
    const latest = runStates.latestRound();
    const round = latest === undefined ? undefined : latest - action.roundsBack;
    const state = round === undefined ? undefined : runStates.state(round);
    if (state === undefined || target.post === undefined || target.nextNonce === undefined) {
      const why = state === undefined ? `this run has no co-signed state ${action.roundsBack} round(s) before its latest` : 'this node takes no posted transactions';
      finish(undefined, `cannot post the close solo the recording shows at line ${action.line} (${action.shownBy}): ${why}`);
      throw new Stop();
    }
    const poster = target.accounts[action.poster].address as Encoded<'ak'>;
    const parties = [target.accounts.initiator.address, target.accounts.responder.address] as Encoded<'ak'>[];
    const tx = fixFee({
      tag: Tag.ChannelCloseSoloTx,
      version: 1,
      channelId: state.channelId,
      fromId: poster,
      // §2.8: an empty payload closes with the state the chain has.
      payload: state.onChain ? new Uint8Array() : decode(state.tx, 'tx'),
      poi: decode(buildPoi(state.balances as Record<Encoded<'ak'>, bigint>, parties), 'pi'),
      ttl: 0n,
      fee: 0n,
      nonce: target.nextNonce(poster),
    } as const);
    const signed = await roles[action.poster].signer.signTransaction(buildSignedTx(decode(packTx(tx), 'tx'), []), { networkId: target.networkId });
    await target.post(signed);
    notes.push(`line ${action.line}: a close solo of round ${state.round} posted to the chain by the ${action.poster} (out of band, shown by ${action.shownBy})`);
    return true;
  };

  /** Learns run values from a node message that matched its recorded counterpart. */
  const learn = (recorded: JsonValue, seen: JsonValue): void => {
    if (!isObject(recorded) || !isObject(seen) || !isObject(recorded.params) || !isObject(seen.params)) return;
    const pair = (a: JsonValue | undefined, b: JsonValue | undefined): void => {
      if (typeof a === 'string' && typeof b === 'string' && a !== b) substitutions.set(a, b);
    };
    pair(recorded.params.channel_id, seen.params.channel_id);
    // Transactions and their hashes (§4): a later request may name one (`assume_minimum_depth`'s `tx_hash`, §7.3).
    const hashes = (a: JsonValue | undefined, b: JsonValue | undefined, depth: number): void => {
      if (depth > 8) return;
      if (typeof a === 'string' && typeof b === 'string') {
        if (a.startsWith('th_') && b.startsWith('th_')) pair(a, b);
        if (a.startsWith('tx_') && b.startsWith('tx_')) {
          try {
            pair(txHash(a as Encoded<'tx'>), txHash(b as Encoded<'tx'>));
          } catch {
            // Not a tx this code reads: nothing to learn.
          }
        }
      } else if (Array.isArray(a) && Array.isArray(b)) a.forEach((entry, i) => hashes(entry, b[i], depth + 1));
      else if (isObject(a) && isObject(b)) for (const key of Object.keys(a)) hashes(a[key], b[key], depth + 1);
    };
    hashes(recorded.params, seen.params, 0);
    const rd = recorded.params.data;
    const sd = seen.params.data;
    if (isObject(rd) && isObject(sd)) {
      pair(rd.fsm_id, sd.fsm_id);
      pair(rd.state, sd.state);
      if (isObject(rd.message) && isObject(sd.message)) pair(rd.message.channel_id, sd.message.channel_id);
      // A contract's id comes from its owner and round (§4): the run's owner is another account,
      // so later requests name the run's contract instead of the recorded one.
      pair(createdContractId(rd), createdContractId(sd));
    }
  };

  const onMessage = (role: Role, message: JsonValue): void => {
    progress += 1;
    const state = roles[role];
    if (state.skipping) return;
    actual.push({ kind: 'receive', role, message });
    if (failed()) return;
    const recorded = state.expected[state.matched];
    const field = recorded?.kind === 'receive' ? compareNodeMessage(recorded.message, message, names) : undefined;
    if (recorded?.kind !== 'receive' || field !== undefined) {
      reason ??= nodeErrorText(message);
      finish({
        role,
        direction: '<---',
        index: state.matched + 1,
        line: recorded?.line ?? state.expected.at(-1)?.line,
        field,
        expected: recorded?.kind === 'receive' ? renderNodeMessage(recorded.message, names.expected) : 'nothing',
        actual: renderNodeMessage(message, names.actual),
      });
      return;
    }
    state.matched += 1;
    learn(recorded.message, message);
    runStates.observe(message, pushAmount);
    if (isObject(message) && typeof message.method === 'string' && message.method.startsWith('channels.sign.') && isObject(message.params)) {
      state.signRequests.set(message.method.slice('channels.sign.'.length), message);
      state.recordedSignRequests.set(message.method.slice('channels.sign.'.length), recorded.message);
    }
    wake();
  };

  const substitute = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return substitutions.get(value) ?? (value.startsWith('cb_') ? substituteKeysInBytes(value, substitutions) : value);
    if (Array.isArray(value)) return value.map(substitute);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, substitute(entry)]));
    return value;
  };

  const open = async (role: Role, url: string): Promise<void> => {
    const transport = target.connect(url);
    roles[role].transport = transport;
    // A signing reply answers a request of its own connection: keep connections (and channels) apart.
    roles[role].signRequests.clear();
    roles[role].recordedSignRequests.clear();
    transport.on('message', (message) => onMessage(role, message));
    transport.on('close', () => wake());
    await transport.opened;
  };

  /** The node's URL for a recorded connect: recorded parameters, run values substituted. */
  const connectUrl = (recordedUrl: string): string => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(urlParams(recordedUrl))) {
      if (key === 'offchain_tx') {
        // Ignored by the node (§6.3); send this run's latest state when it is known.
        const state = substitutions.get(value);
        if (state !== undefined) query.set(key, state);
        continue;
      }
      query.set(key, substitutions.get(value) ?? value);
    }
    return `${target.url}?${query.toString()}`;
  };

  /** Opens a channel before a recording that starts with one open; its messages are not compared. */
  const prelude = async (): Promise<void> => {
    const params = { ...defaultPreludeParams, ...options.prelude };
    const query = (role: Role): string =>
      new URLSearchParams({
        ...params,
        role,
        initiator_id: target.accounts.initiator.address,
        responder_id: target.accounts.responder.address,
      }).toString();
    let ready = 0;
    for (const role of ['initiator', 'responder'] as const) {
      const transport = target.connect(`${target.url}?${query(role)}`);
      roles[role].transport = transport;
      roles[role].skipping = true;
      transport.on('close', () => wake());
      transport.on('message', (message) => {
        if (!roles[role].skipping) return onMessage(role, message);
        progress += 1;
        runStates.observe(message, pushAmount);
        if (!isObject(message) || typeof message.method !== 'string' || !isObject(message.params)) return;
        const data = message.params.data;
        if (message.method.startsWith('channels.sign.') && isObject(data) && typeof data.signed_tx === 'string') {
          const tag = message.method.slice('channels.sign.'.length);
          busy += 1;
          void roles[role].signer
            .signTransaction(data.signed_tx as `tx_${string}`, { networkId: target.networkId })
            .then((signed) => transport.send({ jsonrpc: '2.0', method: `channels.${tag}`, params: { signed_tx: signed } }))
            .catch((error: unknown) => finish(undefined, `the prelude could not sign: ${error instanceof Error ? error.message : String(error)}`))
            .finally(() => {
              busy -= 1;
              wake();
            });
        }
        if (message.method === 'channels.update') {
          roles[role].skipping = false;
          ready += 1;
          wake();
        }
      });
    }
    await waitUntil(() => ready === 2, `the prelude did not open a channel within ${waitMs} ms`);
  };

  try {
    if (!analysis.opensChannel) await prelude();
    for (const [index, section] of sections.entries()) {
      if (failed()) break;
      if (section.kind === 'receive' || section.kind === 'info') continue;
      // Every node message recorded before this client action must have arrived.
      const before = sections.slice(0, index);
      await waitUntil(() =>
        (['initiator', 'responder'] as const).every((role) => roles[role].matched >= before.filter((s) => s.role === role && s.kind === 'receive').length),
      );
      const state = roles[section.role];
      if (section.kind === 'connect') {
        actual.push({ kind: 'connect', role: section.role, url: section.url });
        await open(section.role, connectUrl(section.url));
        continue;
      }
      if (section.kind === 'close') {
        const transport = state.transport;
        if (transport === undefined) continue;
        if (closedByNode(sections, index)) await waitUntil(() => transport.readyState === 'closed');
        else {
          transport.close(1000, '');
          await transport.closed;
        }
        actual.push({ kind: 'close', role: section.role });
        continue;
      }
      // A client message.
      const transport = state.transport;
      if (transport === undefined || transport.readyState !== 'open') {
        const what = renderClientMessage(section.message);
        finish(
          undefined,
          transport === undefined
            ? `${section.role} has no connection for the client message recorded at line ${section.line} (${what})`
            : `the node closed ${section.role}'s connection before the client message recorded at line ${section.line} (${what})`,
        );
        break;
      }
      const kind = classifyClientMessage(section.message);
      const isPing = isObject(section.message) && section.message.method === 'channels.system' && isObject(section.message.params) && section.message.params.action === 'ping';
      if (kind.kind === 'request' && !isPing && target.settle !== undefined) await target.settle();
      let message = substitute(section.message);
      if (kind.kind === 'signReply') {
        const request = kind.tags.map((tag) => state.signRequests.get(tag)).find((r) => r !== undefined);
        const data = request && isObject(request.params) && isObject(request.params.data) ? request.params.data : undefined;
        const tx = data?.signed_tx ?? data?.tx;
        if (typeof tx !== 'string') {
          finish(undefined, `${section.role} has no ${kind.tags.join('/')} request to answer (recorded reply at line ${section.line})`);
          break;
        }
        // Sign as the recording's client did: its own signature, and the peer's too when the
        // recorded reply carries both (a test client signing for a detached peer, §9.7).
        const recordedRequest = kind.tags.map((tag) => state.recordedSignRequests.get(tag)).find((r) => r !== undefined);
        const added = signatureCount(kind.signedTx) - signatureCount(txOf(recordedRequest));
        let signed = await state.signer.signTransaction(tx as `tx_${string}`, { networkId: target.networkId });
        if (added >= 2) {
          const peer = roles[section.role === 'initiator' ? 'responder' : 'initiator'];
          signed = await peer.signer.signTransaction(signed, { networkId: target.networkId });
        }
        message = isObject(message) && isObject(message.params) ? { ...message, params: { ...message.params, [kind.key]: signed } } : message;
      }
      actual.push({ kind: 'send', role: section.role, message });
      transport.send(message);
    }
    if (!failed()) {
      await waitUntil(() => (['initiator', 'responder'] as const).every((role) => roles[role].matched >= roles[role].expected.length));
      await new Promise((resolve) => setTimeout(resolve, graceMs));
      finish(compareSections(sections, actual, { mode: 'devnode', names }));
    }
  } catch (error) {
    if (!(error instanceof Stop)) finish(undefined, error instanceof Error ? error.message : String(error));
  } finally {
    for (const role of ['initiator', 'responder'] as const) {
      const transport = roles[role].transport;
      if (transport !== undefined && transport.readyState !== 'closed') {
        transport.close(1000, '');
        await Promise.race([transport.closed, new Promise((resolve) => setTimeout(resolve, 500))]);
      }
    }
  }
  const ok = !failed();
  if (timePassed > 0) notes.push(`the node's clock moved on ${timePassed / 1000} s for the timeouts the recording shows`);
  return { ok, difference, problem, ...(ok || reason === undefined ? {} : { reason }), sections: actual, ...(notes.length === 0 ? {} : { notes }) };
}

/**
 * The id of the contract a sign request or update creates (`OffChainNewContract`, §2.7):
 * its owner and the round of its tx (CONTRACTS.md §2.2); `undefined` for any other message.
 */
function createdContractId(data: JsonObject): string | undefined {
  const update = Array.isArray(data.updates) ? data.updates[0] : undefined;
  const tx = data.signed_tx ?? data.tx ?? data.state;
  if (!isObject(update) || update.op !== 'OffChainNewContract' || typeof update.owner !== 'string' || typeof tx !== 'string') return undefined;
  try {
    const unpacked = decodeSignedTx(tx as Encoded<'tx'>).tx;
    if (!('round' in unpacked) || typeof unpacked.round !== 'bigint') return undefined;
    return computeContractId(update.owner as Encoded<'ak'>, unpacked.round);
  } catch {
    return undefined; // not a tx this code reads: nothing to learn
  }
}

/** The text of a node error (`error.message` and the messages of `error.data`), if the message is one. */
function nodeErrorText(message: JsonValue): string | undefined {
  if (!isObject(message) || !isObject(message.error)) return undefined;
  const error = message.error;
  const details = Array.isArray(error.data) ? error.data.flatMap((entry) => (isObject(entry) && typeof entry.message === 'string' ? [`${String(entry.code)} ${entry.message}`] : [])) : [];
  return `the node answered with error ${String(error.code)} ${String(error.message ?? '')}${details.length === 0 ? '' : ` (${details.join('; ')})`}`;
}
