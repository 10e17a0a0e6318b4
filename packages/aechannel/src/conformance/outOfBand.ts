/**
 * What happened outside the channel sockets of a recording, as devnode mode must reproduce
 * it on the devnode's chain and clock, inferred from the node messages the recording shows:
 *
 * - **a close solo posted by someone else** (a stale state, §9.11): a recorded
 *   `channels.on_chain_tx` of a `channel_close_solo_tx`, or a `can_slash` notice, that no
 *   `channels.close_solo` of the recording's clients explains. The poster is the close
 *   solo's `from` when the recording shows the tx, else the role that does not slash;
 *   the round is the payload's, else the one before the `can_slash` state's;
 * - **time passing** (§9.9): a recorded `timeout` event (or an update ended by a timeout,
 *   `channels.conflict` code 3) is due only once the devnode's timers fired, so the clock
 *   moves on rather than the chain.
 *
 * Blocks are mined as before: when the devnode is idle and a recorded message is still due.
 * This module finds the actions and tracks the co-signed states and balances a run goes
 * through (the stale close needs an old state and its proof of inclusion); the devnode-mode
 * driver performs them.
 */
import { computeStateHash, type Encoded, type JsonValue } from '@aechannel/codec';
import type { Role, Section } from '@aechannel/transcript';
import type { RecordingAnalysis } from './analyzeRecording.js';
import { urlParams } from './compareMessages.js';
import { applyBalanceUpdates, innerTxOf } from './previousRecording.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A close solo posted to the chain by someone other than the recording's clients. */
export interface OutOfBandCloseSolo {
  kind: 'closeSolo';
  /** Index of the recorded node message that shows it (it is due once everything before it arrived). */
  index: number;
  /** Line of that message. */
  line: number;
  /** The participant whose key signs it. */
  poster: Role;
  /** The round of the stale state it closes with, as recorded. */
  round: bigint;
  /**
   * How many rounds it is behind the latest co-signed state of the recording at that point:
   * a run's rounds can be numbered differently (a recording that starts mid-channel), so
   * the stale state of the run is found as many rounds back from its latest.
   */
  roundsBack: bigint;
  /** What the recording shows (for the note). */
  shownBy: string;
}

/** An out-of-band action of a recording. */
export type OutOfBandAction = OutOfBandCloseSolo;

const methodOf = (section: Section): string | undefined =>
  (section.kind === 'send' || section.kind === 'receive') && isObject(section.message) && typeof section.message.method === 'string' ? section.message.method : undefined;

const dataOf = (section: Section): JsonObject => {
  if (section.kind !== 'receive' || !isObject(section.message) || !isObject(section.message.params)) return {};
  const data = section.message.params.data;
  return isObject(data) ? data : {};
};

/**
 * Finds the out-of-band actions of a recording.
 * @param sections - the recording
 * @param analysis - its accounts (to tell who posted a recorded close solo)
 * @returns the actions, in recorded order
 * @example
 * findOutOfBandActions(slashRecording.sections, analysis) // [{ kind: 'closeSolo', poster: 'responder', round: 2n, … }]
 */
export function findOutOfBandActions(sections: readonly Section[], analysis: Pick<RecordingAnalysis, 'accounts'>): OutOfBandAction[] {
  const actions: OutOfBandAction[] = [];
  let closeRequested = false;
  let closed = false;
  let latest = 0n;
  for (const [index, section] of sections.entries()) {
    const name = methodOf(section);
    if (section.kind === 'receive' && name === 'channels.update') {
      const round = innerTxOf(dataOf(section).state)?.round;
      if (typeof round === 'bigint' && round > latest) latest = round;
    }
    if (section.kind === 'connect' && urlParams(section.url).existing_channel_id === undefined) {
      // A new channel: its closes are its own.
      closeRequested = false;
      closed = false;
    }
    if (section.kind === 'send' && (name === 'channels.close_solo' || name === 'channels.shutdown')) closeRequested = true;
    if (section.kind !== 'receive' || name !== 'channels.on_chain_tx' || closeRequested || closed) continue;
    const data = dataOf(section);
    const inner = innerTxOf(data.tx);
    if (data.type === 'channel_close_solo_tx' && inner !== undefined) {
      const from = inner.fromId;
      const poster = (['initiator', 'responder'] as const).find((role) => analysis.accounts[role] === from) ?? 'responder';
      const payload = innerTxOf(typeof inner.payload === 'string' ? inner.payload : undefined);
      const round = typeof payload?.round === 'bigint' ? payload.round : 1n;
      actions.push({ kind: 'closeSolo', index, line: section.line, poster, round, roundsBack: latest > round ? latest - round : 0n, shownBy: `channels.on_chain_tx ${String(data.info)}` });
      closed = true;
    } else if (data.info === 'can_slash' && inner !== undefined && typeof inner.round === 'bigint' && inner.round > 1n) {
      // Whoever slashes did not post the stale close: the other participant did.
      const slasher = sections.slice(index).find((s) => s.kind === 'send' && methodOf(s) === 'channels.slash')?.role;
      const poster: Role = slasher === 'responder' ? 'initiator' : 'responder';
      actions.push({ kind: 'closeSolo', index, line: section.line, poster, round: inner.round - 1n, roundsBack: 1n, shownBy: 'channels.on_chain_tx can_slash' });
      closed = true;
    }
  }
  return actions;
}

/**
 * True when a recorded node message comes only after the node's timers fired (§9.8, §9.9):
 * a `timeout` event, or an update ended by a timeout (`channels.conflict` code 3).
 * @param message - a recorded node message
 * @returns whether the devnode's clock must move on for it
 * @example isTimerEffect({ jsonrpc: '2.0', method: 'channels.info', params: { channel_id: null, data: { event: 'timeout' } } }) // true
 */
export function isTimerEffect(message: JsonValue | undefined): boolean {
  if (!isObject(message) || !isObject(message.params) || !isObject(message.params.data)) return false;
  const data = message.params.data;
  if (message.method === 'channels.info') return data.event === 'timeout';
  if (message.method === 'channels.conflict') return data.error_code === 3n;
  return false;
}

/** A co-signed state a run went through, with the balances it hashes to. */
export interface RunState {
  channelId: Encoded<'ch'>;
  /** The co-signed tx (an off-chain tx, or the create tx for round 1). */
  tx: Encoded<'tx'>;
  round: bigint;
  balances: Record<string, bigint>;
  /** True for a state the chain has (the create tx, a deposit or withdrawal): a close solo uses an empty payload. */
  onChain: boolean;
}

/**
 * Follows the co-signed states of a run from the node's messages: the updates of each
 * signing request, and each `channels.update` (§8.4), whose balances are kept when they
 * reproduce its state hash (§2.11).
 * @returns `observe(message, pushAmount)` to feed each node message (with the opening's
 *   push amount, which the initial balances depend on), `state(round)` to read one, and
 *   `latestRound()`
 * @example
 * const tracker = createRunStateTracker();
 * tracker.observe(message, 1n);
 * tracker.state(2n)?.balances;
 */
export function createRunStateTracker(): { observe(message: JsonValue, pushAmount: bigint): void; state(round: bigint): RunState | undefined; latestRound(): bigint | undefined } {
  const updatesByRound = new Map<bigint, JsonValue[]>();
  const states = new Map<bigint, RunState>();
  return {
    observe(message, pushAmount) {
      if (!isObject(message) || typeof message.method !== 'string' || !isObject(message.params) || !isObject(message.params.data)) return;
      const data = message.params.data;
      if (message.method.startsWith('channels.sign.')) {
        const inner = innerTxOf(data.signed_tx ?? data.tx);
        if (inner !== undefined && typeof inner.round === 'bigint' && Array.isArray(data.updates)) updatesByRound.set(inner.round, data.updates);
        return;
      }
      if (message.method !== 'channels.update' || typeof data.state !== 'string') return;
      const inner = innerTxOf(data.state);
      if (inner === undefined || typeof inner.stateHash !== 'string') return;
      const candidates: { balances: Record<string, bigint>; round: bigint; onChain: boolean }[] = [];
      if (typeof inner.initiatorAmount === 'bigint' && typeof inner.responderAmount === 'bigint' && typeof inner.initiatorId === 'string' && typeof inner.responderId === 'string') {
        for (const push of [pushAmount, 0n]) {
          candidates.push({ balances: { [inner.initiatorId]: inner.initiatorAmount - push, [inner.responderId]: inner.responderAmount + push }, round: 1n, onChain: true });
        }
      } else if (typeof inner.round === 'bigint') {
        const previous = [...states.values()].filter((state) => state.round < (inner.round as bigint)).sort((a, b) => (a.round < b.round ? 1 : -1))[0];
        const updates = updatesByRound.get(inner.round) ?? [];
        const onChain = typeof inner.amount === 'bigint'; // a deposit or withdrawal tx is on chain
        if (previous !== undefined) candidates.push({ balances: applyBalanceUpdates(previous.balances, updates), round: inner.round, onChain });
      }
      const channelId = (inner.channelId ?? message.params.channel_id) as Encoded<'ch'>;
      for (const candidate of candidates) {
        try {
          if (computeStateHash(candidate.balances as Record<Encoded<'ak'>, bigint>) !== inner.stateHash) continue;
        } catch {
          continue;
        }
        states.set(candidate.round, { channelId, tx: data.state as Encoded<'tx'>, round: candidate.round, balances: candidate.balances, onChain: candidate.onChain });
        return;
      }
    },
    state: (round) => states.get(round),
    latestRound: () => [...states.keys()].reduce<bigint | undefined>((max, round) => (max === undefined || round > max ? round : max), undefined),
  };
}
