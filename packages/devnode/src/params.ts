/**
 * Parsing and validation of the WebSocket open parameters (PROTOCOL.md §6.2–§6.4).
 *
 * The node parses the query string before any FSM exists, with three possible outcomes:
 * a silent close (missing `protocol`, invalid role, a missing or ill-typed mandatory
 * parameter, a broken `ak_`/`ch_` encoding, a non-boolean boolean), an error envelope then
 * close (2000 missing `existing_fsm_id`, 1016 undecodable fsm id, 105 value too low, 1003
 * the same account on both sides, -32603 a port no node can use), or a parameter set. Checks that need the chain (1011 participant not found) or the running
 * FSMs (1016 wrong fsm id) happen later, in the devnode.
 */
import { decode, type Encoded } from '@aechannel/codec';
import { internalError, rejected, type RpcError } from './rpc.js';

/** The TCP ports a node can listen on or connect to. */
const MIN_PORT = 1n;
const MAX_PORT = 65_535n;

/**
 * The open-time errors of parameters that parse but that no node can use (§6.4): a port
 * outside 1–65535 is the listener or Noise connection that cannot be set up (-32603, no
 * data); the same account on both sides is 1003 "Invalid pubkeys"; a negative `ttl`,
 * `fee`, `gas_price` or `nonce` is 105 "Value too low", like the other negative values.
 */
function unusable(common: CommonParams, open?: OpenParams): RpcError | undefined {
  if (common.port < MIN_PORT || common.port > MAX_PORT) return internalError();
  if (open !== undefined && open.initiatorId === open.responderId) return rejected(1003);
  const negative = (value: bigint | undefined): boolean => value !== undefined && value < 0n;
  if (negative(common.ttl) || negative(open?.fee) || negative(open?.gasPrice) || negative(open?.nonce)) return rejected(105);
  return undefined;
}

/** A channel participant role. */
export type Role = 'initiator' | 'responder';

/** Names of the FSM timers (§9.9); `timeout_<name>` sets them in ms. */
export const timerNames = [
  'accept',
  'funding_create',
  'funding_sign',
  'funding_lock',
  'idle',
  'sign',
  'initialized',
  'awaiting_open',
] as const;

/** One of {@link timerNames}. */
export type TimerName = (typeof timerNames)[number];

/** Notification classes that `report_<tag>` switches on or off (§6.2). */
export const reportTags = ['info', 'update', 'leave', 'conflict', 'message', 'error', 'on_chain_tx', 'min_depth', 'debug'] as const;

/** One of {@link reportTags}. */
export type ReportTag = (typeof reportTags)[number];

/** Parameters both kinds of connection share (§6.2 optional part, §6.3). */
export interface CommonParams {
  role: Role;
  /** Responder: its listen port; initiator: the responder's port. Pairs the two FSMs. */
  port: bigint;
  /** Initiator only: the responder node's host (kept, not used for pairing). */
  host: string | undefined;
  minimumDepthStrategy: 'txfee' | 'plain' | undefined;
  minimumDepth: bigint | undefined;
  /** Default TTL of the on-chain txs after the create tx (§5.6). */
  ttl: bigint | undefined;
  timeouts: Partial<Record<TimerName, number>>;
  report: Record<ReportTag, boolean>;
  keepRunning: boolean;
  msgForwarding: boolean;
  logKeep: bigint;
  slogan: string | undefined;
  bhDeltaNotNewerThan: bigint;
  bhDeltaNotOlderThan: bigint;
  bhDeltaPick: bigint;
}

/** Parameters of a connection that opens a new channel (§6.2). */
export interface OpenParams extends CommonParams {
  kind: 'open';
  /** `'any'` only for a responder accepting any initiator. */
  initiatorId: Encoded<'ak'> | 'any';
  responderId: Encoded<'ak'>;
  initiatorAmount: bigint;
  responderAmount: bigint;
  pushAmount: bigint;
  channelReserve: bigint;
  lockPeriod: bigint;
  fee: bigint | undefined;
  gasPrice: bigint | undefined;
  nonce: bigint | undefined;
}

/** Parameters of a reconnect or reestablish (§6.3). */
export interface ReconnectParams extends CommonParams {
  kind: 'reconnect';
  existingChannelId: Encoded<'ch'>;
  /** The decoded 32-byte fsm id. */
  existingFsmId: Uint8Array;
}

/** Outcome of {@link parseChannelParams}. */
export type ParseChannelParamsResult =
  | { outcome: 'params'; params: OpenParams | ReconnectParams }
  /** Close the socket without a JSON-RPC message. */
  | { outcome: 'silent-close'; reason: string }
  /** Send the open-time error envelope, then close. */
  | { outcome: 'error'; error: RpcError };

class SilentClose extends Error {}

const fail = (reason: string): never => {
  throw new SilentClose(reason);
};

function readInt(query: URLSearchParams, name: string, mandatory: true): bigint;
function readInt(query: URLSearchParams, name: string, mandatory: false): bigint | undefined;
function readInt(query: URLSearchParams, name: string, mandatory: boolean): bigint | undefined {
  const value = query.get(name);
  if (value === null) return mandatory ? fail(`missing ${name}`) : undefined;
  if (!/^-?\d+$/.test(value)) return fail(`${name} is not an integer`);
  return BigInt(value);
}

function readBool(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return fail(`${name} is not a boolean`);
}

function readAccount(query: URLSearchParams, name: string, allowAny: boolean): Encoded<'ak'> | 'any' {
  const value = query.get(name);
  if (value === null) return fail(`missing ${name}`);
  if (allowAny && value === 'any') return 'any';
  try {
    decode(value, 'ak');
  } catch {
    return fail(`${name} is not an ak_ id`);
  }
  return value as Encoded<'ak'>;
}

function readCommon(query: URLSearchParams): CommonParams {
  const protocol = query.get('protocol');
  if (protocol !== 'json-rpc') fail('protocol must be json-rpc');
  const role = query.get('role');
  if (role !== 'initiator' && role !== 'responder') return fail('invalid role');
  const port = readInt(query, 'port', true);
  const host = query.get('host') ?? undefined;
  if (role === 'initiator' && host === undefined) fail('missing host');
  const strategy = query.get('minimum_depth_strategy');
  if (strategy !== null && strategy !== 'txfee' && strategy !== 'plain') fail('invalid minimum_depth_strategy');
  const minimumDepth = readInt(query, 'minimum_depth', false);
  if (minimumDepth !== undefined && minimumDepth < 0n) fail('negative minimum_depth');
  const timeouts: Partial<Record<TimerName, number>> = {};
  for (const name of timerNames) {
    const value = readInt(query, `timeout_${name}`, false);
    if (value !== undefined) {
      if (value < 0n) fail(`negative timeout_${name}`);
      timeouts[name] = Number(value);
    }
  }
  const report = Object.fromEntries(reportTags.map((tag) => [tag, readBool(query, `report_${tag}`, tag !== 'debug')])) as Record<
    ReportTag,
    boolean
  >;
  // §10.3: any violation of the window constraints makes all three fall back to the defaults.
  let notNewer = readInt(query, 'bh_delta_not_newer_than', false) ?? 0n;
  let notOlder = readInt(query, 'bh_delta_not_older_than', false) ?? 10n;
  let pick = readInt(query, 'bh_delta_pick', false) ?? 0n;
  if (notNewer < 0n || notOlder < 0n || pick < 0n || notOlder < notNewer + pick) {
    notNewer = 0n;
    notOlder = 10n;
    pick = 0n;
  }
  return {
    role,
    port,
    host,
    minimumDepthStrategy: (strategy ?? undefined) as 'txfee' | 'plain' | undefined,
    minimumDepth,
    ttl: readInt(query, 'ttl', false),
    timeouts,
    report,
    keepRunning: readBool(query, 'keep_running', true),
    msgForwarding: readBool(query, 'msg_forwarding', false),
    logKeep: readInt(query, 'log_keep', false) ?? 10n,
    slogan: query.get('slogan') ?? undefined,
    bhDeltaNotNewerThan: notNewer,
    bhDeltaNotOlderThan: notOlder,
    bhDeltaPick: pick,
  };
}

/**
 * Parses the query of a `/channel` URL the way the node does (§6.2–§6.4).
 * @param query - the URL's search params
 * @returns the parameters, or the node's reaction to bad ones
 * @example
 * parseChannelParams(new URL(url).searchParams);
 */
export function parseChannelParams(query: URLSearchParams): ParseChannelParamsResult {
  try {
    const common = readCommon(query);
    const existingChannel = query.get('existing_channel_id');
    if (existingChannel !== null) {
      try {
        decode(existingChannel, 'ch');
      } catch {
        fail('existing_channel_id is not a ch_ id');
      }
      const fsmId = query.get('existing_fsm_id');
      if (fsmId === null) return { outcome: 'error', error: rejected(2000) };
      let fsmBytes: Uint8Array;
      try {
        fsmBytes = decode(fsmId, 'ba');
      } catch {
        return { outcome: 'error', error: rejected(1016) };
      }
      if (fsmBytes.length !== 32) return { outcome: 'error', error: rejected(1016) };
      const refused = unusable(common);
      if (refused !== undefined) return { outcome: 'error', error: refused };
      return {
        outcome: 'params',
        params: { ...common, kind: 'reconnect', existingChannelId: existingChannel as Encoded<'ch'>, existingFsmId: fsmBytes },
      };
    }
    const initiatorId = readAccount(query, 'initiator_id', common.role === 'responder');
    const responderId = readAccount(query, 'responder_id', false) as Encoded<'ak'>;
    const params: OpenParams = {
      ...common,
      kind: 'open',
      initiatorId,
      responderId,
      initiatorAmount: readInt(query, 'initiator_amount', true),
      responderAmount: readInt(query, 'responder_amount', true),
      pushAmount: readInt(query, 'push_amount', true),
      channelReserve: readInt(query, 'channel_reserve', true),
      lockPeriod: readInt(query, 'lock_period', true),
      fee: readInt(query, 'fee', false),
      gasPrice: readInt(query, 'gas_price', false),
      nonce: readInt(query, 'nonce', false),
    };
    const refused = unusable(common, params);
    if (refused !== undefined) return { outcome: 'error', error: refused };
    if (
      params.channelReserve < 0n ||
      params.pushAmount < 0n ||
      params.lockPeriod < 0n ||
      params.initiatorAmount - params.pushAmount < params.channelReserve ||
      params.responderAmount + params.pushAmount < params.channelReserve
    ) {
      return { outcome: 'error', error: rejected(105) };
    }
    return { outcome: 'params', params };
  } catch (error) {
    if (error instanceof SilentClose) return { outcome: 'silent-close', reason: error.message };
    throw error;
  }
}
