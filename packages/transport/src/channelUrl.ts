/**
 * The channel WebSocket URL: `ws://<host>:3014/channel?<params>` (PROTOCOL.md §6.1), with
 * every open parameter of §6.2 and every reconnect/reestablish parameter of §6.3.
 *
 * Parameters are typed in camelCase and written as snake_case query keys, in
 * alphabetical order (as the recordings list them), values percent-encoded with
 * `encodeURIComponent` (`+` -> `%2B`, `/` -> `%2F`, `=` -> `%3D`), integers in decimal
 * (bigints exactly), booleans `true`/`false`. One table below drives both
 * {@link buildChannelUrl} and {@link parseChannelUrl}, so they cannot disagree.
 *
 * The node closes the socket without any JSON-RPC message for a missing or ill-typed
 * mandatory parameter (§6.4), so the builder checks them locally first. The reconnect
 * recording deliberately opens bad URLs; `{ unchecked: true }` builds those.
 */
import { decode, type Encoded } from '@aechannel/codec';
import { transportError } from './errors.js';

/** Which side of the channel the client is (§6.2 `role`). */
export type ChannelRole = 'initiator' | 'responder';

/** The `timeout_<name>` parameters in milliseconds (§6.2, defaults in §9.9). */
export interface ChannelTimeouts {
  accept?: number;
  fundingCreate?: number;
  fundingSign?: number;
  fundingLock?: number;
  idle?: number;
  sign?: number;
  initialized?: number;
  awaitingOpen?: number;
}

/** The `report_<tag>` switches (§6.2): all default to true except `debug`. */
export interface ChannelReportFlags {
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
 * Every channel URL parameter, all optional: what {@link parseChannelUrl} returns and
 * what `{ unchecked: true }` accepts. Amounts, fees, nonces, ttl and lock period are
 * `bigint`; ports, timeouts, depths and windows are `number`.
 */
export interface ChannelUrlParams {
  /** `protocol`; the only supported value, and the default, is `json-rpc`. */
  protocol?: string;
  role?: ChannelRole;
  /** `initiator_id`; a responder may pass `any`. */
  initiatorId?: Encoded<'ak'> | 'any';
  responderId?: Encoded<'ak'>;
  initiatorAmount?: bigint;
  responderAmount?: bigint;
  pushAmount?: bigint;
  channelReserve?: bigint;
  lockPeriod?: bigint;
  /** Initiator: the responder's node host (mandatory). Ignored for the responder. */
  host?: string;
  /** Responder: the port its node listens on; initiator: the responder node's port. */
  port?: number;
  ttl?: bigint;
  fee?: bigint;
  gasPrice?: bigint;
  nonce?: bigint;
  minimumDepth?: number;
  minimumDepthStrategy?: 'txfee' | 'plain';
  timeouts?: ChannelTimeouts;
  bhDeltaNotNewerThan?: number;
  bhDeltaNotOlderThan?: number;
  bhDeltaPick?: number;
  /** Responder only; the node defaults to true. */
  keepRunning?: boolean;
  report?: ChannelReportFlags;
  msgForwarding?: boolean;
  logKeep?: number;
  slogan?: string;
  /** Reconnect/reestablish (§6.3): the channel. */
  existingChannelId?: Encoded<'ch'>;
  /** Reconnect/reestablish (§6.3): the latest `fsm_id` (`ba_`, 32 bytes). */
  existingFsmId?: string;
  /** Reconnect/reestablish (§6.3): latest co-signed state; ignored by current nodes. */
  offchainTx?: Encoded<'tx'>;
  /** Query parameters this table does not know (written as given, decoded on parse). */
  extraParams?: Record<string, string>;
}

/** Parameters of a new channel (§6.2). `host` is required for the initiator (checked at run time). */
export interface ChannelOpenParams extends ChannelUrlParams {
  role: ChannelRole;
  initiatorId: Encoded<'ak'> | 'any';
  responderId: Encoded<'ak'>;
  initiatorAmount: bigint;
  responderAmount: bigint;
  pushAmount: bigint;
  channelReserve: bigint;
  lockPeriod: bigint;
  port: number;
  existingChannelId?: never;
}

/** Parameters to reconnect to or reestablish an existing channel (§6.3). */
export interface ChannelReconnectParams extends ChannelUrlParams {
  role: ChannelRole;
  existingChannelId: Encoded<'ch'>;
  existingFsmId: string;
  port: number;
}

/** Options of {@link buildChannelUrl}. */
export interface BuildChannelUrlOptions {
  /** Skip every check and write the parameters as given (for deliberately bad URLs). */
  unchecked?: boolean;
}

/** Errors of the URL functions. */
export type ChannelUrlErrorType = 'TRANSPORT_INVALID_PARAMS' | 'TRANSPORT_INVALID_URL';

/** The default endpoint (§6.1). */
export const DEFAULT_CHANNEL_URL = 'ws://localhost:3014/channel';

type FieldType = 'bigint' | 'int' | 'bool' | 'string' | 'role' | 'strategy' | 'initiatorId' | 'ak' | 'ch' | 'ba' | 'tx';
type Group = 'timeouts' | 'report';

interface Field {
  /** The snake_case query key. */
  key: string;
  /** The camelCase name (inside `group`, if any). */
  name: string;
  group?: Group;
  type: FieldType;
  /** Must be >= this (integers; checked mode). */
  min?: bigint;
  max?: bigint;
}

const field = (key: string, name: string, type: FieldType, extra: Partial<Field> = {}): Field => ({ key, name, type, ...extra });
const timeout = (name: keyof ChannelTimeouts, key: string): Field => field(`timeout_${key}`, name, 'int', { group: 'timeouts', min: 0n });
const report = (name: keyof ChannelReportFlags, key: string): Field => field(`report_${key}`, name, 'bool', { group: 'report' });

/** §6.2 and §6.3, one row per query parameter. */
const FIELDS: readonly Field[] = [
  field('protocol', 'protocol', 'string'),
  field('role', 'role', 'role'),
  field('initiator_id', 'initiatorId', 'initiatorId'),
  field('responder_id', 'responderId', 'ak'),
  field('initiator_amount', 'initiatorAmount', 'bigint', { min: 0n }),
  field('responder_amount', 'responderAmount', 'bigint', { min: 0n }),
  field('push_amount', 'pushAmount', 'bigint', { min: 0n }),
  field('channel_reserve', 'channelReserve', 'bigint', { min: 0n }),
  field('lock_period', 'lockPeriod', 'bigint', { min: 0n }),
  field('host', 'host', 'string'),
  field('port', 'port', 'int', { min: 1n, max: 65535n }),
  field('ttl', 'ttl', 'bigint', { min: 0n }),
  field('fee', 'fee', 'bigint', { min: 0n }),
  field('gas_price', 'gasPrice', 'bigint', { min: 0n }),
  field('nonce', 'nonce', 'bigint', { min: 0n }),
  field('minimum_depth', 'minimumDepth', 'int', { min: 0n }),
  field('minimum_depth_strategy', 'minimumDepthStrategy', 'strategy'),
  timeout('accept', 'accept'),
  timeout('fundingCreate', 'funding_create'),
  timeout('fundingSign', 'funding_sign'),
  timeout('fundingLock', 'funding_lock'),
  timeout('idle', 'idle'),
  timeout('sign', 'sign'),
  timeout('initialized', 'initialized'),
  timeout('awaitingOpen', 'awaiting_open'),
  field('bh_delta_not_newer_than', 'bhDeltaNotNewerThan', 'int', { min: 0n }),
  field('bh_delta_not_older_than', 'bhDeltaNotOlderThan', 'int', { min: 0n }),
  field('bh_delta_pick', 'bhDeltaPick', 'int', { min: 0n }),
  field('keep_running', 'keepRunning', 'bool'),
  report('info', 'info'),
  report('update', 'update'),
  report('leave', 'leave'),
  report('conflict', 'conflict'),
  report('message', 'message'),
  report('error', 'error'),
  report('onChainTx', 'on_chain_tx'),
  report('minDepth', 'min_depth'),
  report('debug', 'debug'),
  field('msg_forwarding', 'msgForwarding', 'bool'),
  field('log_keep', 'logKeep', 'int', { min: 0n }),
  field('slogan', 'slogan', 'string'),
  field('existing_channel_id', 'existingChannelId', 'ch'),
  field('existing_fsm_id', 'existingFsmId', 'ba'),
  field('offchain_tx', 'offchainTx', 'tx'),
];

const BY_KEY = new Map(FIELDS.map((f) => [f.key, f]));

/** The camelCase path of a field, for error messages: `timeouts.fundingCreate`. */
const pathOf = (f: Field): string => (f.group === undefined ? f.name : `${f.group}.${f.name}`);

function invalid(f: Field | { key: string; name: string }, reason: string): never {
  const parameter = 'type' in f ? pathOf(f) : f.name;
  throw transportError('TRANSPORT_INVALID_PARAMS', `Channel parameter ${parameter} (${f.key}) ${reason}.`, {
    context: { parameter, key: f.key, reason },
  });
}

function read(params: ChannelUrlParams, f: Field): unknown {
  const holder: unknown = f.group === undefined ? params : params[f.group];
  if (holder === undefined || holder === null || typeof holder !== 'object') return undefined;
  return (holder as Record<string, unknown>)[f.name];
}

function checkEncoded(f: Field, value: unknown, prefix: 'ak' | 'ch' | 'ba' | 'tx'): void {
  if (typeof value !== 'string') invalid(f, `must be a ${prefix}_ string`);
  try {
    const bytes = decode(value, prefix);
    if (prefix === 'ba' && bytes.byteLength !== 32) invalid(f, `must encode 32 bytes (got ${bytes.byteLength})`);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'TRANSPORT_INVALID_PARAMS') throw cause;
    invalid(f, `is not a valid ${prefix}_ value (${(cause as Error).message.split('\n')[0]})`);
  }
}

/** Checks one present value against its field type (checked mode). */
function checkValue(f: Field, value: unknown, params: ChannelUrlParams): void {
  switch (f.type) {
    case 'bigint':
    case 'int': {
      if (f.type === 'bigint' && typeof value !== 'bigint') invalid(f, 'must be a bigint');
      if (f.type === 'int' && !Number.isSafeInteger(value)) invalid(f, 'must be an integer number');
      const n = BigInt(value as bigint | number);
      if (f.min !== undefined && n < f.min) invalid(f, `must be >= ${f.min}`);
      if (f.max !== undefined && n > f.max) invalid(f, `must be <= ${f.max}`);
      return;
    }
    case 'bool':
      if (typeof value !== 'boolean') invalid(f, 'must be a boolean');
      return;
    case 'string':
      if (typeof value !== 'string') invalid(f, 'must be a string');
      if (f.key === 'protocol' && value !== 'json-rpc') invalid(f, 'must be "json-rpc" (the only protocol, §6.2)');
      if (f.key === 'host' && value === '') invalid(f, 'must not be empty');
      return;
    case 'role':
      if (value !== 'initiator' && value !== 'responder') invalid(f, 'must be "initiator" or "responder"');
      return;
    case 'strategy':
      if (value !== 'txfee' && value !== 'plain') invalid(f, 'must be "txfee" or "plain"');
      return;
    case 'initiatorId':
      if (value === 'any') {
        if (params.role !== 'responder') invalid(f, 'may be "any" only for the responder');
        return;
      }
      return checkEncoded(f, value, 'ak');
    case 'ak':
    case 'ch':
    case 'ba':
    case 'tx':
      return checkEncoded(f, value, f.type);
  }
}

const OPEN_REQUIRED = [
  'role',
  'initiator_id',
  'responder_id',
  'initiator_amount',
  'responder_amount',
  'push_amount',
  'channel_reserve',
  'lock_period',
  'port',
] as const;
const RECONNECT_REQUIRED = ['existing_fsm_id', 'role', 'port'] as const;

function checkParams(params: ChannelUrlParams): void {
  const reconnect = params.existingChannelId !== undefined;
  const required: readonly string[] = reconnect ? RECONNECT_REQUIRED : OPEN_REQUIRED;
  for (const key of required) {
    const f = BY_KEY.get(key)!;
    if (read(params, f) === undefined) invalid(f, reconnect ? 'is required to reconnect or reestablish (§6.3)' : 'is required to open a channel (§6.2)');
  }
  if (params.role === 'initiator' && params.host === undefined) {
    invalid(BY_KEY.get('host')!, 'is required for the initiator');
  }
  for (const f of FIELDS) {
    const value = read(params, f);
    if (value !== undefined) checkValue(f, value, params);
  }
  for (const group of ['timeouts', 'report'] as const) {
    const holder = params[group];
    if (holder === undefined) continue;
    if (typeof holder !== 'object' || holder === null) invalid({ key: group, name: group }, 'must be an object');
    for (const name of Object.keys(holder)) {
      if (!FIELDS.some((f) => f.group === group && f.name === name)) {
        invalid({ key: group, name: `${group}.${name}` }, 'is not a known parameter');
      }
    }
  }
}

/** Integers (bigint exactly), booleans and strings all write as their text, percent-encoded. */
function encodeComponent(text: string, key: string): string {
  try {
    return encodeURIComponent(text);
  } catch (cause) {
    // Only a lone UTF-16 surrogate cannot be encoded.
    throw transportError('TRANSPORT_INVALID_PARAMS', `Channel parameter ${key} is not valid Unicode text.`, {
      cause,
      context: { parameter: BY_KEY.get(key)?.name ?? key, key, reason: 'not valid Unicode' },
    });
  }
}

/**
 * Builds a channel WebSocket URL.
 *
 * @param base - endpoint without query, default `ws://localhost:3014/channel`
 * @param params - open (§6.2) or reconnect (§6.3) parameters; `protocol` defaults to `json-rpc`
 * @param options - `{ unchecked: true }` skips all checks (for deliberately bad URLs)
 * @returns the URL; keys sorted alphabetically, values percent-encoded
 * @throws {AechannelError} `TRANSPORT_INVALID_PARAMS` naming the first missing or ill-typed
 *   parameter (context `{ parameter, key, reason }`); `TRANSPORT_INVALID_URL` when `base`
 *   already has a query or fragment
 * @example
 * buildChannelUrl(undefined, {
 *   role: 'responder',
 *   initiatorId: 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS',
 *   responderId: 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W',
 *   initiatorAmount: 70000000000000n, responderAmount: 40000000000000n,
 *   pushAmount: 1n, channelReserve: 2n, lockPeriod: 10n, port: 13179,
 * });
 */
export function buildChannelUrl(base: string | undefined, params: ChannelOpenParams | ChannelReconnectParams): string;
export function buildChannelUrl(base: string | undefined, params: ChannelUrlParams, options: BuildChannelUrlOptions): string;
export function buildChannelUrl(
  base: string | undefined = DEFAULT_CHANNEL_URL,
  params: ChannelUrlParams,
  options: BuildChannelUrlOptions = {},
): string {
  if (/[?#]/.test(base)) {
    throw transportError('TRANSPORT_INVALID_URL', 'The base URL must not contain a query or fragment.', {
      context: { url: base },
    });
  }
  const withProtocol: ChannelUrlParams = { ...params, protocol: params.protocol ?? 'json-rpc' };
  if (!options.unchecked) checkParams(withProtocol);
  const pairs: [string, string][] = [];
  for (const f of FIELDS) {
    const value = read(withProtocol, f);
    if (value !== undefined) pairs.push([f.key, encodeComponent(String(value), f.key)]);
  }
  for (const [key, value] of Object.entries(params.extraParams ?? {})) {
    if (BY_KEY.has(key)) {
      if (!options.unchecked) invalid({ key, name: `extraParams.${key}` }, 'duplicates a typed parameter');
      continue;
    }
    pairs.push([encodeComponent(key, key), encodeComponent(value, key)]);
  }
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${base}?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`;
}

function decodeComponent(text: string, url: string): string {
  try {
    // The node reads queries as application/x-www-form-urlencoded: `+` is a space.
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (cause) {
    throw transportError('TRANSPORT_INVALID_URL', `Invalid percent-encoding in "${text}".`, { cause, context: { url } });
  }
}

const INTEGER = /^-?\d+$/;

function parseValue(f: Field, text: string): unknown {
  switch (f.type) {
    case 'bigint':
      if (!INTEGER.test(text)) invalid(f, `is not an integer: "${text}"`);
      return BigInt(text);
    case 'int': {
      if (!INTEGER.test(text)) invalid(f, `is not an integer: "${text}"`);
      const n = Number(text);
      if (!Number.isSafeInteger(n)) invalid(f, `is out of range: "${text}"`);
      return n;
    }
    case 'bool':
      if (text !== 'true' && text !== 'false') invalid(f, `is not true or false: "${text}"`);
      return text === 'true';
    case 'role':
      if (text !== 'initiator' && text !== 'responder') invalid(f, `is not initiator or responder: "${text}"`);
      return text;
    case 'strategy':
      if (text !== 'txfee' && text !== 'plain') invalid(f, `is not txfee or plain: "${text}"`);
      return text;
    default:
      return text;
  }
}

/**
 * Reads the parameters of a channel URL (the inverse of {@link buildChannelUrl}: building
 * the result with the same base gives the same URL when it was written by the builder or
 * by the node's own test suite). Only syntax is checked: integers, booleans and enums must
 * parse; encodings and required parameters are not checked.
 *
 * @param url - a channel URL (anything before `?` is ignored; the base is `url.split('?')[0]`)
 * @returns the parameters; unknown keys go to `extraParams`
 * @throws {AechannelError} `TRANSPORT_INVALID_PARAMS` for a value of the wrong syntax or a
 *   repeated key; `TRANSPORT_INVALID_URL` for bad percent-encoding
 * @example
 * parseChannelUrl('ws://localhost:3014/channel?port=13179&protocol=json-rpc&role=responder');
 * // { port: 13179, protocol: 'json-rpc', role: 'responder' }
 */
export function parseChannelUrl(url: string | URL): ChannelUrlParams {
  const href = String(url);
  const queryStart = href.indexOf('?');
  const hashStart = href.indexOf('#', queryStart === -1 ? 0 : queryStart);
  const query = queryStart === -1 ? '' : href.slice(queryStart + 1, hashStart === -1 ? undefined : hashStart);
  const params: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq === -1 ? part : part.slice(0, eq), href);
    const text = eq === -1 ? '' : decodeComponent(part.slice(eq + 1), href);
    if (seen.has(key)) invalid({ key, name: BY_KEY.get(key)?.name ?? key }, 'appears more than once');
    seen.add(key);
    const f = BY_KEY.get(key);
    if (f === undefined) {
      const extra = (params['extraParams'] ??= {}) as Record<string, string>;
      extra[key] = text;
      continue;
    }
    const value = parseValue(f, text);
    if (f.group === undefined) params[f.name] = value;
    else ((params[f.group] ??= {}) as Record<string, unknown>)[f.name] = value;
  }
  return params as ChannelUrlParams;
}
