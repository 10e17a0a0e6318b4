/**
 * The user actions behind recorded client messages, and the starting point of a
 * recording that begins with an open channel: what client mode feeds the protocol
 * reducer so that the client sends the recorded messages.
 */
import { computeStateHash, decodeSignedTx, encode, type Encoded, type JsonValue } from '@aechannel/codec';
import { parseUpdate, type ChannelOptions, type PersistedChannel } from '@aechannel/fsm';
import type { Role, Section } from '@aechannel/transcript';
import { parseChannelUrl } from '@aechannel/transport';
import type { RecordingAnalysis } from './analyzeRecording.js';
import { channelIdOf, channelPointAfter, firstRequestedRound, innerTxOf, revertBalanceUpdates } from './previousRecording.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Channel options from a recorded channel URL (§6.2/§6.3), in the reducer's types.
 * @param url - the recorded URL
 * @param networkId - the recording's network id (client-side only)
 */
export function optionsFromUrl(url: string, networkId: string): Partial<ChannelOptions> & { networkId: string } {
  const p = parseChannelUrl(url);
  const out: Record<string, unknown> = { networkId };
  const copy = ['role', 'initiatorId', 'responderId', 'initiatorAmount', 'responderAmount', 'pushAmount', 'channelReserve', 'lockPeriod', 'host', 'port', 'ttl', 'fee', 'gasPrice', 'nonce', 'minimumDepthStrategy', 'timeouts', 'keepRunning', 'report', 'msgForwarding', 'slogan', 'existingChannelId', 'existingFsmId', 'offchainTx'] as const;
  for (const key of copy) if (p[key] !== undefined) out[key] = p[key];
  // The URL parser reads counts as numbers; the reducer keeps them as bigint.
  for (const key of ['minimumDepth', 'bhDeltaNotNewerThan', 'bhDeltaNotOlderThan', 'bhDeltaPick', 'logKeep'] as const) {
    if (p[key] !== undefined) out[key] = BigInt(p[key]);
  }
  return out as Partial<ChannelOptions> & { networkId: string };
}

/** Where a recording that starts with an open channel starts. */
export interface FragmentStart {
  options: ChannelOptions;
  saved: PersistedChannel;
  /** The fsm id of the synthetic `fsm_up` that starts the replay. */
  fsmId: Encoded<'ba'>;
}

/** Open parameters assumed for fragments (those of the fixture recordings). */
const FRAGMENT_DEFAULTS = { initiatorAmount: 70000000000000n, responderAmount: 40000000000000n, pushAmount: 1n, channelReserve: 2n, lockPeriod: 10n, port: 13179 } as const;

/** Balances after applying `updates` (transfers, deposits, withdrawals, §2.7). */
export function applyUpdates(balances: Record<string, bigint>, updates: readonly JsonValue[]): Record<string, bigint> {
  const next = { ...balances };
  for (const update of updates.map(parseUpdate)) {
    if (update.op === 'transfer') {
      next[update.from] = (next[update.from] ?? 0n) - update.amount;
      next[update.to] = (next[update.to] ?? 0n) + update.amount;
    } else if (update.op === 'deposit') next[update.from] = (next[update.from] ?? 0n) + update.amount;
    else if (update.op === 'withdraw') next[update.to] = (next[update.to] ?? 0n) - update.amount;
  }
  return next;
}

/**
 * Derives the channel state a fragment recording starts from: the channel id from the
 * node's messages; the round from the first state-creating signing request (its round
 * minus one); the balances from a `get.balances` result or a settle's final amounts in the
 * recording (rolled back through the updates co-signed before them), or the fixtures'
 * opening balances: whichever makes that request's state hash come out right (§2.11).
 * @param sections - the recording
 * @param role - whose client starts from it
 * @param analysis - the recording's accounts
 * @param networkId - the recording's network id
 * @returns the start, or a reason why it cannot be derived
 */
export function fragmentStart(sections: readonly Section[], role: Role, analysis: RecordingAnalysis, networkId: string, previous?: readonly Section[]): FragmentStart | string {
  const { initiator, responder } = analysis.accounts;
  if (initiator === undefined || responder === undefined) return 'the recording does not show both accounts';
  if (previous !== undefined) return continuedStart(sections, role, previous, networkId, initiator, responder);
  let channelId: string | undefined;
  let request: { tx: string; updates: JsonValue[] } | undefined;
  const candidates: Record<string, bigint>[] = [];
  // Balances the recording shows at a later round (balance queries, a settle's final amounts),
  // rolled back below through the updates co-signed since the start.
  const later: { balances: Record<string, bigint>; round: bigint }[] = [];
  const updatesByRound = new Map<bigint, JsonValue[]>();
  const coSigned = new Set<bigint>();
  let latestRound = 0n;
  for (const section of sections) {
    if (section.kind !== 'receive' || !isObject(section.message)) continue;
    const message = section.message;
    const params = isObject(message.params) ? message.params : {};
    if (channelId === undefined && typeof params.channel_id === 'string') channelId = params.channel_id;
    if (channelId === undefined && typeof message.channel_id === 'string') channelId = message.channel_id;
    const data = isObject(params.data) ? params.data : {};
    const tx = data.signed_tx ?? data.tx;
    if (request === undefined && typeof message.method === 'string' && message.method.startsWith('channels.sign.') && typeof tx === 'string' && Array.isArray(data.updates) && data.updates.length > 0) {
      request = { tx, updates: data.updates };
    }
    if (typeof message.method === 'string' && message.method.startsWith('channels.sign.')) {
      const inner = innerTxOf(tx);
      if (typeof inner?.round === 'bigint' && Array.isArray(data.updates)) updatesByRound.set(inner.round, data.updates);
      if (message.method === 'channels.sign.settle_sign' && typeof inner?.initiatorAmountFinal === 'bigint' && typeof inner.responderAmountFinal === 'bigint') {
        later.push({ balances: { [initiator]: inner.initiatorAmountFinal, [responder]: inner.responderAmountFinal }, round: latestRound });
      }
    }
    if (message.method === 'channels.update') {
      const round = innerTxOf(data.state)?.round;
      if (typeof round === 'bigint') {
        coSigned.add(round);
        if (round > latestRound) latestRound = round;
      }
    }
    if (Array.isArray(message.result) && message.result.every((entry) => isObject(entry) && typeof entry.account === 'string' && typeof entry.balance === 'bigint')) {
      const balances = Object.fromEntries(message.result.map((entry) => [(entry as JsonObject).account as string, (entry as JsonObject).balance as bigint]));
      candidates.push(balances);
      later.push({ balances, round: latestRound });
    }
  }
  candidates.push({ [initiator]: FRAGMENT_DEFAULTS.initiatorAmount - FRAGMENT_DEFAULTS.pushAmount, [responder]: FRAGMENT_DEFAULTS.responderAmount + FRAGMENT_DEFAULTS.pushAmount });
  if (channelId === undefined) return 'no channel id in the recording';
  if (request === undefined) return 'no signing request with updates to derive the starting round and balances from';
  let inner;
  try {
    inner = decodeSignedTx(request.tx as Encoded<'tx'>).tx as { round?: bigint; stateHash?: string };
  } catch (error) {
    return `the first signing request's tx does not decode (${error instanceof Error ? error.message : String(error)})`;
  }
  if (inner.round === undefined || inner.stateHash === undefined) return 'the first signing request does not create a state';
  const start = inner.round - 1n;
  for (const candidate of later) {
    let balances = candidate.balances;
    for (let round = candidate.round; round > start; round -= 1n) {
      if (coSigned.has(round)) balances = revertBalanceUpdates(balances, updatesByRound.get(round) ?? []);
    }
    candidates.push(balances);
  }
  const updates = request.updates;
  const balances = candidates.find((candidate) => {
    try {
      return computeStateHash(applyUpdates(candidate, updates) as Record<Encoded<'ak'>, bigint>) === inner.stateHash;
    } catch {
      return false;
    }
  });
  if (balances === undefined) return 'no known balances reproduce the state hash of the first signing request';
  const options: ChannelOptions = {
    ...FRAGMENT_DEFAULTS,
    role,
    initiatorId: initiator as Encoded<'ak'>,
    responderId: responder as Encoded<'ak'>,
    networkId,
  };
  return {
    options,
    fsmId: encode(new Uint8Array(32), 'ba'),
    saved: {
      options,
      channelId: channelId as Encoded<'ch'>,
      fsmId: null,
      latestState: null,
      round: inner.round - 1n,
      balances: balances as Record<Encoded<'ak'>, bigint>,
      onChainRound: 1n,
    },
  };
}

/** The start of a recording that continues `previous` (see `channelPointAfter`). */
function continuedStart(sections: readonly Section[], role: Role, previous: readonly Section[], networkId: string, initiator: string, responder: string): FragmentStart | string {
  const point = channelPointAfter(previous, role);
  if (typeof point === 'string') return point;
  const channelId = channelIdOf(sections);
  if (channelId !== undefined && channelId !== point.channelId) return `the previous recording is of channel ${point.channelId}, this one of ${channelId}`;
  const first = firstRequestedRound(sections);
  if (first !== undefined && first !== point.state.round + 1n) {
    return `the previous recording ends at round ${point.state.round}, this one asks to sign round ${first} first`;
  }
  const fromUrl = point.url === undefined ? {} : optionsFromUrl(point.url, networkId);
  const options: ChannelOptions = {
    ...FRAGMENT_DEFAULTS,
    ...fromUrl,
    role,
    initiatorId: initiator as Encoded<'ak'>,
    responderId: responder as Encoded<'ak'>,
    networkId,
  } as ChannelOptions;
  // A reconnect of an open channel, not a new open.
  delete (options as Partial<ChannelOptions>).existingChannelId;
  delete (options as Partial<ChannelOptions>).existingFsmId;
  delete (options as Partial<ChannelOptions>).offchainTx;
  return {
    options,
    fsmId: encode(new Uint8Array(32), 'ba'),
    saved: {
      options,
      channelId: point.channelId as Encoded<'ch'>,
      fsmId: null,
      latestState: point.state.tx as Encoded<'tx'>,
      round: point.state.round,
      balances: point.balances as Record<Encoded<'ak'>, bigint>,
      onChainRound: 1n,
    },
  };
}

/**
 * The saved state of a client that signed a newer state out of band (the reconnect
 * recording's test client signs for its disconnected responder): when a reconnect URL
 * carries an `offchain_tx` newer than `saved`, the recorded signing request of the same
 * inner tx gives the updates to apply.
 * @param sections - the recording
 * @param saved - what the client knows
 * @param offchainTx - the state named in the reconnect URL
 */
export function savedStateFromOffchainTx(sections: readonly Section[], saved: PersistedChannel, offchainTx: Encoded<'tx'>): PersistedChannel {
  let decoded;
  try {
    decoded = decodeSignedTx(offchainTx);
  } catch {
    return saved;
  }
  const round = (decoded.tx as { round?: bigint }).round;
  if (round === undefined || round <= saved.round) return saved;
  const target = Buffer.from(decoded.innerBytes).toString('hex');
  for (const section of sections) {
    if (section.kind !== 'receive' || !isObject(section.message) || typeof section.message.method !== 'string') continue;
    if (!section.message.method.startsWith('channels.sign.')) continue;
    const data = isObject(section.message.params) && isObject(section.message.params.data) ? section.message.params.data : {};
    const tx = data.signed_tx ?? data.tx;
    if (typeof tx !== 'string') continue;
    try {
      if (Buffer.from(decodeSignedTx(tx as Encoded<'tx'>).innerBytes).toString('hex') !== target) continue;
    } catch {
      continue;
    }
    const updates = Array.isArray(data.updates) ? data.updates : [];
    return { ...saved, latestState: offchainTx, round, balances: applyUpdates(saved.balances, updates) as Record<Encoded<'ak'>, bigint> };
  }
  return saved;
}
