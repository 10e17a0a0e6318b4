/**
 * The record a `Channel` keeps in its {@link Store}: everything needed to reconnect,
 * reestablish or dispute the channel after a restart (PROTOCOL.md §9.14): the open
 * parameters, the channel id, the latest fsm id and the latest co-signed state with its
 * round and balances (before the channel exists: the create tx this client signed,
 * `signedCreateTx`). It is the fsm's `PersistedChannel`, written as text, with the ACIs
 * the application gave for the channel's contracts (`createContract`, `setContractAci`), so
 * calls are encoded and decoded again after a restart.
 *
 * Text format: JSON with every `bigint` as an integer literal (codec's bigint-safe JSON),
 * every plain `number` as `{"$number":"<text>"}` (so it reads back as a number), inside an
 * envelope `{ "format": "aechannel-channel", "version": 1, "savedAt": ..., "channel": ... }`.
 *
 * Decoding checks the shape only; before a record is used it must prove itself
 * (`verifyChannelRecord`: signatures, state hash, round, channel id).
 */
import { isEncoded, parseJson, stringifyTypedJson, type Encoded } from '@aechannel/codec';
import type { PersistedChannel } from '@aechannel/fsm';
import { assertAci, type ContractAci } from './contractAci.js';
import { ChannelError } from './errors.js';

/** The format tag of a channel record. */
export const CHANNEL_RECORD_FORMAT = 'aechannel-channel';

/** A decoded channel record. */
export interface ChannelRecord {
  /** When it was written (ms since the epoch, from the channel's clock). */
  savedAt: number;
  /** The fsm's persisted snapshot. */
  channel: PersistedChannel;
  /**
   * The ACI of each contract the application named one for (decoding only: the record
   * proves itself without them). Absent in records without contracts.
   */
  acis?: Readonly<Record<Encoded<'ct'>, ContractAci>>;
}

const NUMBER_TAG = '$number';

function decodeNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeNumbers);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    const only = entries[0];
    if (entries.length === 1 && only !== undefined && only[0] === NUMBER_TAG && typeof only[1] === 'string') return Number(only[1]);
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) out[key] = decodeNumbers(item);
    return out;
  }
  return value;
}

/**
 * Writes a channel record as text.
 * @param record - the record
 * @returns the text to store
 * @example encodeChannelRecord({ savedAt: Date.now(), channel: snapshot })
 */
export function encodeChannelRecord(record: ChannelRecord): string {
  const acis = record.acis !== undefined && Object.keys(record.acis).length > 0 ? { acis: record.acis } : {};
  // (numbers tagged as `{"$number": ...}`, bigints as literals: stringifyTypedJson's form, in one pass)
  return stringifyTypedJson({ format: CHANNEL_RECORD_FORMAT, version: 1, savedAt: record.savedAt, channel: record.channel, ...acis });
}

/**
 * Reads a channel record written by {@link encodeChannelRecord}, checking its shape.
 * @param text - the stored text
 * @param key - the store key (for error messages)
 * @returns the record
 * @throws {ChannelError} `CHANNEL_STORE_CORRUPT` when the text is not a valid record
 * @example const { channel } = decodeChannelRecord((await store.read(channelStoreKey(id)))!);
 */
export function decodeChannelRecord(text: string, key = 'record'): ChannelRecord {
  let value: unknown;
  try {
    value = decodeNumbers(parseJson(text));
  } catch (cause) {
    throw corrupt(key, 'not JSON', cause);
  }
  const envelope = value as { format?: unknown; version?: unknown; savedAt?: unknown; channel?: unknown; acis?: unknown } | null;
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== CHANNEL_RECORD_FORMAT) {
    throw corrupt(key, 'not an aechannel channel record');
  }
  if (envelope.version !== 1) throw corrupt(key, `unsupported record version ${String(envelope.version)}`);
  const channel = envelope.channel as Partial<PersistedChannel> | null;
  if (typeof channel !== 'object' || channel === null) throw corrupt(key, 'missing channel');
  const check = (ok: boolean, field: string): void => {
    if (!ok) throw corrupt(key, `invalid field ${field}`);
  };
  check(typeof channel.options === 'object' && channel.options !== null, 'options');
  check(channel.channelId === null || isEncoded(channel.channelId, 'ch'), 'channelId');
  check(channel.fsmId === null || isEncoded(channel.fsmId, 'ba'), 'fsmId');
  check(channel.latestState === null || isEncoded(channel.latestState, 'tx'), 'latestState');
  check(typeof channel.round === 'bigint' && channel.round >= 0n, 'round');
  check(typeof channel.onChainRound === 'bigint', 'onChainRound');
  check(
    typeof channel.balances === 'object' &&
      channel.balances !== null &&
      Object.entries(channel.balances).every(([account, amount]) => isEncoded(account, 'ak') && typeof amount === 'bigint'),
    'balances',
  );
  const nonce = (n: unknown): boolean => n === null || (typeof n === 'bigint' && n >= 0n);
  const own = channel.ownNonces as { signed?: unknown; onChain?: unknown } | undefined;
  check(own === undefined || (typeof own === 'object' && own !== null && nonce(own.signed) && nonce(own.onChain)), 'ownNonces');
  check(channel.signedCreateTx === undefined || isEncoded(channel.signedCreateTx, 'tx'), 'signedCreateTx');
  const record: ChannelRecord = { savedAt: typeof envelope.savedAt === 'number' ? envelope.savedAt : 0, channel: channel as PersistedChannel };
  if (envelope.acis !== undefined) {
    const acis = envelope.acis;
    check(typeof acis === 'object' && acis !== null && !Array.isArray(acis), 'acis');
    for (const [id, aci] of Object.entries(acis as Record<string, unknown>)) {
      check(isEncoded(id, 'ct'), 'acis');
      try {
        assertAci(aci, `acis.${id}`);
      } catch (cause) {
        throw corrupt(key, `invalid ACI of ${id}`, cause);
      }
    }
    record.acis = acis as Record<Encoded<'ct'>, ContractAci>;
  }
  return record;
}

/**
 * The `CHANNEL_STORE_CORRUPT` error for a record (internal: also used by `verifyChannelRecord`).
 * @param key - the store key
 * @param reason - what is wrong
 * @param cause - the underlying error, if any
 * @returns the error (`context.key`, `context.reason`)
 */
export function storeCorrupt(key: string, reason: string, cause?: unknown): ChannelError {
  return corrupt(key, reason, cause);
}

function corrupt(key: string, reason: string, cause?: unknown): ChannelError {
  return new ChannelError('CHANNEL_STORE_CORRUPT', `Store entry ${key} is not a valid channel record: ${reason}.`, {
    cause,
    context: { key, reason },
  });
}

/**
 * The default store key of a channel: its id.
 * @param channelId - the channel
 * @returns the key under which a `Channel` stores it (unless `storeKey` is given)
 * @example const text = await store.read(channelStoreKey(channel.channelId!));
 */
export function channelStoreKey(channelId: Encoded<'ch'>): string {
  return channelId;
}
