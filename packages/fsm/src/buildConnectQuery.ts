/**
 * The query parameters of the channel WebSocket URL (PROTOCOL.md §6.2 open, §6.3
 * reconnect/reestablish). The fsm puts them in its `connect` effect; the driver builds the
 * URL (e.g. with transport's `buildChannelUrl`).
 */
import type { ChannelOptions, ChannelState, NodeTimeouts, ReportOptions } from './types.js';

const TIMEOUT_NAMES: Record<keyof NodeTimeouts, string> = {
  accept: 'timeout_accept',
  fundingCreate: 'timeout_funding_create',
  fundingSign: 'timeout_funding_sign',
  fundingLock: 'timeout_funding_lock',
  idle: 'timeout_idle',
  sign: 'timeout_sign',
  initialized: 'timeout_initialized',
  awaitingOpen: 'timeout_awaiting_open',
};

const REPORT_NAMES: Record<keyof ReportOptions, string> = {
  info: 'report_info',
  update: 'report_update',
  leave: 'report_leave',
  conflict: 'report_conflict',
  message: 'report_message',
  error: 'report_error',
  onChainTx: 'report_on_chain_tx',
  minDepth: 'report_min_depth',
  debug: 'report_debug',
};

/** Optional settings valid both at open and at reconnect/reestablish (§6.3 last row). */
function addCommon(query: Record<string, string>, o: Partial<ChannelOptions>): void {
  const put = (key: string, value: string | number | bigint | boolean | undefined): void => {
    if (value !== undefined) query[key] = String(value);
  };
  put('minimum_depth', o.minimumDepth);
  put('minimum_depth_strategy', o.minimumDepthStrategy);
  for (const [name, key] of Object.entries(TIMEOUT_NAMES) as [keyof NodeTimeouts, string][]) put(key, o.timeouts?.[name]);
  put('bh_delta_not_newer_than', o.bhDeltaNotNewerThan);
  put('bh_delta_not_older_than', o.bhDeltaNotOlderThan);
  put('bh_delta_pick', o.bhDeltaPick);
  put('keep_running', o.keepRunning);
  for (const [name, key] of Object.entries(REPORT_NAMES) as [keyof ReportOptions, string][]) put(key, o.report?.[name]);
  put('log_keep', o.logKeep);
  put('slogan', o.slogan);
}

/**
 * Builds the query of the `connect` effect for the state's mode.
 *
 * - `open`: every open parameter of §6.2 that is set (`push_amount` always, default 0).
 * - `reconnect`/`reestablish`: `protocol`, `role`, `port`, `host`, `existing_channel_id`,
 *   `existing_fsm_id` (options, else the latest fsm id), `offchain_tx` (options, else the
 *   latest co-signed state) and the optional settings of §6.3, taken from the options given
 *   for this connection (not from the stored open options).
 * @param state - the reducer state
 * @returns snake_case parameter -> string value (not percent-encoded)
 * @example buildConnectQuery(createInitialState(options)).role // 'initiator'
 */
export function buildConnectQuery(state: ChannelState): Record<string, string> {
  const query: Record<string, string> = { protocol: 'json-rpc' };
  if (state.mode === 'open') {
    const o = state.options;
    query['role'] = o.role;
    query['initiator_id'] = o.initiatorId;
    query['responder_id'] = o.responderId;
    query['initiator_amount'] = String(o.initiatorAmount);
    query['responder_amount'] = String(o.responderAmount);
    query['push_amount'] = String(o.pushAmount ?? 0n);
    query['channel_reserve'] = String(o.channelReserve);
    query['lock_period'] = String(o.lockPeriod);
    query['port'] = String(o.port);
    if (o.host !== undefined) query['host'] = o.host;
    if (o.ttl !== undefined) query['ttl'] = String(o.ttl);
    if (o.fee !== undefined) query['fee'] = String(o.fee);
    if (o.gasPrice !== undefined) query['gas_price'] = String(o.gasPrice);
    if (o.nonce !== undefined) query['nonce'] = String(o.nonce);
    if (o.msgForwarding !== undefined) query['msg_forwarding'] = String(o.msgForwarding);
    addCommon(query, o);
    return query;
  }
  const o: Partial<ChannelOptions> = state.connectOptions ?? {
    role: state.options.role,
    port: state.options.port,
    ...(state.options.host === undefined ? {} : { host: state.options.host }),
  };
  query['role'] = o.role ?? state.options.role;
  query['port'] = String(o.port ?? state.options.port);
  if (o.host !== undefined) query['host'] = o.host;
  const channelId = o.existingChannelId ?? state.channelId;
  if (channelId !== null) query['existing_channel_id'] = channelId;
  const fsmId = o.existingFsmId ?? state.fsmId;
  if (fsmId !== null) query['existing_fsm_id'] = fsmId;
  const offchainTx = o.offchainTx ?? state.latestState;
  if (offchainTx !== null) query['offchain_tx'] = offchainTx;
  addCommon(query, o);
  return query;
}
