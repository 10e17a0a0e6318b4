/**
 * Recordings that start in the middle of a channel: the node's test suite opens a channel
 * in one file (e.g. an `init_per_group` step) and goes on with it in the next file of the
 * same folder. This module tells such a recording apart, finds the recording it continues
 * among its neighbours (the one of the same channel whose last co-signed state comes just
 * before this recording's first one), and reads from it where the channel stood: the open
 * parameters, the last co-signed state and the balances that state hashes to (§2.11).
 */
import { computeStateHash, decodeSignedTx, type Encoded, type JsonValue } from '@aechannel/codec';
import type { Role, Section } from '@aechannel/transcript';
import { urlParams } from './compareMessages.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A recording by name, as a neighbour of the one being checked. */
export interface NamedRecording {
  name: string;
  sections: readonly Section[];
}

/**
 * True when a role's first section that is not an `info` is no `connect`: the channel was open before.
 * @param sections - a recording
 * @returns whether it starts in the middle of a channel
 * @example startsMidChannel(loadFixture('contracts_basic.md').sections) // true
 */
export function startsMidChannel(sections: readonly Section[]): boolean {
  for (const role of ['initiator', 'responder'] as const) {
    const first = sections.find((section) => section.role === role && section.kind !== 'info');
    if (first !== undefined && first.kind !== 'connect') return true;
  }
  return false;
}

/**
 * The first channel id a node message names (`params.channel_id` or the envelope's `channel_id`).
 * @param sections - a recording
 * @returns the `ch_` id, or `undefined` when no node message names one
 * @example channelIdOf(sections) // 'ch_Mqj2nG3W…'
 */
export function channelIdOf(sections: readonly Section[]): string | undefined {
  for (const section of sections) {
    if (section.kind !== 'receive' || !isObject(section.message)) continue;
    const params = isObject(section.message.params) ? section.message.params : {};
    const id = params.channel_id ?? section.message.channel_id;
    if (typeof id === 'string' && id.startsWith('ch_')) return id;
  }
  return undefined;
}

/** The tx of a node message that carries a state or asks to sign one (`state`, `signed_tx`, `tx`). */
function stateTxOf(section: Section): { tx: string; method: string; updates: JsonValue[] } | undefined {
  if (section.kind !== 'receive' || !isObject(section.message) || typeof section.message.method !== 'string') return undefined;
  const params = isObject(section.message.params) ? section.message.params : {};
  const data = isObject(params.data) ? params.data : {};
  const tx = data.state ?? data.signed_tx ?? data.tx;
  if (typeof tx !== 'string') return undefined;
  return { tx, method: section.message.method, updates: Array.isArray(data.updates) ? data.updates : [] };
}

/**
 * The inner tx of a recorded signed tx as a plain object.
 * @param tx - a `tx_` value of a message
 * @returns its fields, or `undefined` when it is not a signed tx that decodes
 * @example innerTxOf(data.state)?.round
 */
export function innerTxOf(tx: JsonValue | undefined): JsonObject | undefined {
  if (typeof tx !== 'string') return undefined;
  try {
    return decodeSignedTx(tx as Encoded<'tx'>).tx as unknown as JsonObject;
  } catch {
    return undefined;
  }
}

/** Round and state hash of a state-carrying tx (a create tx is round 1). */
function roundOf(tx: string): { round: bigint; stateHash: string; inner: JsonObject } | undefined {
  const inner = innerTxOf(tx);
  if (inner === undefined) return undefined;
  const stateHash = inner.stateHash;
  if (typeof stateHash !== 'string') return undefined;
  const round = typeof inner.round === 'bigint' ? inner.round : 'initiatorAmount' in inner ? 1n : undefined;
  return round === undefined ? undefined : { round, stateHash, inner };
}

/**
 * The last co-signed state of a recording (`channels.update` / `channels.leave`, §8.4).
 * @param sections - a recording
 * @returns the state's tx, round, state hash and line, or `undefined` when it shows none
 * @example lastCoSignedState(groupOpen.sections)?.round // 1n
 */
export function lastCoSignedState(sections: readonly Section[]): { tx: string; round: bigint; stateHash: string; line: number } | undefined {
  for (let i = sections.length - 1; i >= 0; i -= 1) {
    const section = sections[i]!;
    const found = stateTxOf(section);
    if (found === undefined || (found.method !== 'channels.update' && found.method !== 'channels.leave')) continue;
    const state = roundOf(found.tx);
    if (state !== undefined) return { tx: found.tx, round: state.round, stateHash: state.stateHash, line: section.line };
  }
  return undefined;
}

/**
 * The round of the first state this recording asks to sign.
 * @param sections - a recording
 * @returns the round, or `undefined` when the recording asks to sign no state
 * @example firstRequestedRound(basic.sections) // 2n
 */
export function firstRequestedRound(sections: readonly Section[]): bigint | undefined {
  for (const section of sections) {
    const found = stateTxOf(section);
    if (found === undefined || !found.method.startsWith('channels.sign.')) continue;
    const state = roundOf(found.tx);
    if (state !== undefined) return state.round;
  }
  return undefined;
}

/**
 * Picks the recording that `sections` continues: among `neighbours`, those of the same
 * channel that end with a co-signed state before this recording's first one, the one that
 * ends last.
 * @param sections - a recording that starts mid-channel
 * @param neighbours - the other recordings of its folder
 * @returns the recording it continues, or `undefined`
 * @example
 * pickPreviousRecording(basic.sections, [groupOpen]) // groupOpen
 */
export function pickPreviousRecording(sections: readonly Section[], neighbours: readonly NamedRecording[]): NamedRecording | undefined {
  const channelId = channelIdOf(sections);
  if (channelId === undefined) return undefined;
  const first = firstRequestedRound(sections);
  let best: { recording: NamedRecording; round: bigint } | undefined;
  for (const recording of neighbours) {
    if (recording.sections === sections || channelIdOf(recording.sections) !== channelId) continue;
    const last = lastCoSignedState(recording.sections);
    if (last === undefined || (first !== undefined && last.round >= first)) continue;
    if (best === undefined || last.round > best.round) best = { recording, round: last.round };
  }
  return best?.recording;
}

/**
 * Balances after applying transfer, deposit and withdrawal updates (§2.7); other updates are skipped.
 * @param balances - balances by account
 * @param updates - the updates of a signing request, as the node sends them
 * @returns the new balances (the input is not changed)
 * @example applyBalanceUpdates({ [a]: 10n, [b]: 5n }, [{ op: 'OffChainTransfer', from: a, to: b, amount: 3n }]) // { [a]: 7n, [b]: 8n }
 */
export function applyBalanceUpdates(balances: Readonly<Record<string, bigint>>, updates: readonly JsonValue[]): Record<string, bigint> {
  const next = { ...balances };
  for (const update of updates) {
    if (!isObject(update) || typeof update.amount !== 'bigint') continue;
    const { op, from, to, amount } = update;
    if (op === 'OffChainTransfer' && typeof from === 'string' && typeof to === 'string') {
      next[from] = (next[from] ?? 0n) - amount;
      next[to] = (next[to] ?? 0n) + amount;
    } else if (op === 'OffChainDeposit' && typeof from === 'string') next[from] = (next[from] ?? 0n) + amount;
    else if (op === 'OffChainWithdrawal' && typeof to === 'string') next[to] = (next[to] ?? 0n) - amount;
  }
  return next;
}

/**
 * Balances before transfer, deposit and withdrawal updates were applied (the inverse of {@link applyBalanceUpdates}).
 * @param balances - balances by account, after the updates
 * @param updates - the updates of a signing request, as the node sends them
 * @returns the balances before them (the input is not changed)
 * @example revertBalanceUpdates({ [a]: 7n, [b]: 8n }, [{ op: 'OffChainTransfer', from: a, to: b, amount: 3n }]) // { [a]: 10n, [b]: 5n }
 */
export function revertBalanceUpdates(balances: Readonly<Record<string, bigint>>, updates: readonly JsonValue[]): Record<string, bigint> {
  const inverse = [...updates].reverse().map((update) => {
    if (!isObject(update) || typeof update.amount !== 'bigint') return update;
    if (update.op === 'OffChainTransfer') return { ...update, from: update.to ?? null, to: update.from ?? null };
    if (update.op === 'OffChainDeposit') return { op: 'OffChainWithdrawal', to: update.from ?? null, amount: update.amount };
    if (update.op === 'OffChainWithdrawal') return { op: 'OffChainDeposit', from: update.to ?? null, amount: update.amount };
    return update;
  });
  return applyBalanceUpdates(balances, inverse);
}

/**
 * True when an update is an off-chain contract update (§2.7), which the balances alone cannot hash.
 * @param update - one update of a signing request
 */
export const isContractUpdate = (update: JsonValue): boolean => isObject(update) && typeof update.op === 'string' && update.op.includes('Contract');

/** Where a recording leaves its channel. */
export interface ChannelPoint {
  /** The recording's connect URL for the role (its open or reconnect parameters). */
  url: string | undefined;
  channelId: string;
  /** The last co-signed state. */
  state: { tx: string; round: bigint; stateHash: string };
  /** The balances that state hashes to. */
  balances: Record<string, bigint>;
}

/**
 * Where `previous` leaves the channel: its last co-signed state, and the balances that
 * reproduce that state's hash, found among its balance query results, the opening
 * amounts, and the opening amounts with every update it co-signed applied.
 * @param previous - the recording continued
 * @param role - whose connect URL to take
 * @returns the point, or why it cannot be found
 */
export function channelPointAfter(previous: readonly Section[], role: Role): ChannelPoint | string {
  const channelId = channelIdOf(previous);
  if (channelId === undefined) return 'the previous recording names no channel id';
  const state = lastCoSignedState(previous);
  if (state === undefined) return 'the previous recording shows no co-signed state';
  const url = previous.find((section): section is Extract<Section, { kind: 'connect' }> => section.kind === 'connect' && section.role === role)?.url;
  const candidates: Record<string, bigint>[] = [];
  // Balance queries (§7.5), newest first.
  for (const section of [...previous].reverse()) {
    if (section.kind !== 'receive' || !isObject(section.message) || !Array.isArray(section.message.result)) continue;
    const entries = section.message.result;
    if (entries.every((entry) => isObject(entry) && typeof entry.account === 'string' && typeof entry.balance === 'bigint')) {
      candidates.push(Object.fromEntries(entries.map((entry) => [(entry as JsonObject).account as string, (entry as JsonObject).balance as bigint])));
    }
  }
  // The opening amounts (the create tx's, with the URL's push amount, §6.2), then with every co-signed update applied.
  const create = previous.map(stateTxOf).find((found) => found !== undefined && roundOf(found.tx)?.inner.initiatorAmount !== undefined);
  const inner = create === undefined ? undefined : roundOf(create.tx)?.inner;
  if (inner !== undefined && typeof inner.initiatorId === 'string' && typeof inner.responderId === 'string') {
    const push = BigInt(urlParams(url ?? '').push_amount ?? '0');
    const opening = { [inner.initiatorId]: (inner.initiatorAmount as bigint) - push, [inner.responderId]: (inner.responderAmount as bigint) + push };
    candidates.push(opening);
    const byRound = new Map<bigint, JsonValue[]>();
    for (const section of previous) {
      const found = stateTxOf(section);
      const at = found === undefined ? undefined : roundOf(found.tx);
      if (found !== undefined && at !== undefined && at.round > 1n && at.round <= state.round && found.updates.length > 0) byRound.set(at.round, found.updates);
    }
    candidates.push([...byRound.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).reduce((balances, [, updates]) => applyBalanceUpdates(balances, updates), opening));
  }
  const balances = candidates.find((candidate) => {
    try {
      return computeStateHash(candidate as Record<Encoded<'ak'>, bigint>) === state.stateHash;
    } catch {
      return false;
    }
  });
  if (balances === undefined) return `no balances the previous recording shows reproduce the state hash of its last state (round ${state.round}, line ${state.line})`;
  return { url, channelId, state, balances };
}
