/**
 * Default bounds of every operation of a channel (issue 11: every wait has a bound).
 *
 * A call without `timeoutMs` gets the default of its kind, so no call waits forever on a
 * node or a peer that went silent. The values sit above the node's own protocol timers
 * (PROTOCOL.md §9.9) so that, normally, the node's outcome (a conflict after its 120 s
 * accept timer, for instance) arrives first. The application changes them with the
 * `operationTimeouts` option, and any call with its own `timeoutMs`.
 *
 * | kind | default | operations |
 * | --- | --- | --- |
 * | `offChain` | 180 000 ms (3 min) | `transfer`, `createContract`, `callContract`, `shutdown`, `leave`: a round co-signed with the peer (node accept timer 120 s) |
 * | `onChain` | 1 800 000 ms (30 min) | `deposit`, `withdraw` (minimum depth on chain), `closeSolo`, `slash`, `settle`, `snapshot`, `forceProgress`, `waitForStatus` |
 * | `query` | 30 000 ms | `balances`, `poi`, `state`, `ping`, `stop`, `sendMessage`, `assumeMinimumDepth`, `dryRunContract`, `getContract`, `getContractCall`, `cleanContractCalls` |
 * | `open` | 1 800 000 ms (30 min) | `Channel.open`, `reconnect`, `reestablish` (peer, create tx at minimum depth) |
 * | `stateCheck` | 5 000 ms | not a call: how long a round this client signed may wait for the node's `channels.update` before the channel asks the node for its latest state (`channels.get.offchain_state`); repeated at doubling intervals up to 60 s while the round is pending |
 */
import type { CommandKind } from '@aechannel/fsm';
import { invalidArgument } from './errors.js';

/** Default bounds of the operations of a channel, in ms (see {@link DEFAULT_OPERATION_TIMEOUTS}). */
export interface OperationTimeouts {
  /** `transfer`, `createContract`, `callContract`, `shutdown`, `leave` (default 180 000). */
  offChain?: number;
  /** `deposit`, `withdraw`, `closeSolo`, `slash`, `settle`, `snapshot`, `forceProgress`, `waitForStatus` (default 1 800 000). */
  onChain?: number;
  /** `balances`, `poi`, `state`, `ping`, `stop`, `sendMessage`, `assumeMinimumDepth`, `dryRunContract`, `getContract`, `getContractCall`, `cleanContractCalls` (default 30 000). */
  query?: number;
  /** `Channel.open`, `Channel.reconnect`, `Channel.reestablish` without `timeoutMs` (default 1 800 000). */
  open?: number;
  /**
   * After this client signed a state-creating round, how long to wait for the node's
   * `channels.update` before asking the node for its latest co-signed state (default 5 000;
   * the interval doubles while the round is pending, up to {@link MAX_STATE_CHECK_INTERVAL_MS}).
   */
  stateCheck?: number;
}

/** The defaults of {@link OperationTimeouts} (ms). */
export const DEFAULT_OPERATION_TIMEOUTS: Readonly<Required<OperationTimeouts>> = Object.freeze({
  offChain: 180_000,
  onChain: 1_800_000,
  query: 30_000,
  open: 1_800_000,
  stateCheck: 5_000,
});

/** The longest interval between two checks of a pending round with the node (ms). */
export const MAX_STATE_CHECK_INTERVAL_MS = 60_000;

/** Which default bounds each command (internal ones, like `reconnect`, have their own timers). */
const CLASS_OF: Readonly<Record<CommandKind, keyof OperationTimeouts | null>> = {
  transfer: 'offChain',
  shutdown: 'offChain',
  leave: 'offChain',
  deposit: 'onChain',
  withdraw: 'onChain',
  closeSolo: 'onChain',
  slash: 'onChain',
  settle: 'onChain',
  snapshotSolo: 'onChain',
  forceProgress: 'onChain',
  getBalances: 'query',
  getPoi: 'query',
  getOffchainState: 'query',
  getHistory: 'query',
  ping: 'query',
  stop: 'query',
  sendMessage: 'query',
  assumeMinimumDepth: 'query',
  newContract: 'offChain',
  callContract: 'offChain',
  dryRunCall: 'query',
  getContract: 'query',
  getContractCall: 'query',
  cleanContractCalls: 'query',
  reconnect: null,
};

/**
 * The default bound of a command, in ms (null: none, the fsm's own timers bound it).
 * @param kind - the command kind
 * @param timeouts - the channel's resolved timeouts
 * @returns the bound in ms, or null
 * @example operationTimeoutOf('transfer', DEFAULT_OPERATION_TIMEOUTS) // 180_000
 */
export function operationTimeoutOf(kind: CommandKind, timeouts: Readonly<Required<OperationTimeouts>>): number | null {
  const key = CLASS_OF[kind];
  return key === null || key === undefined ? null : timeouts[key];
}

/**
 * Checks the `operationTimeouts` option and fills in the defaults.
 * @param value - the option as given (undefined: all defaults)
 * @returns every bound, in ms
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` naming the entry that is not a positive finite number
 * @example resolveOperationTimeouts({ offChain: 60_000 }).offChain // 60_000
 */
export function resolveOperationTimeouts(value: unknown): Readonly<Required<OperationTimeouts>> {
  if (value === undefined) return DEFAULT_OPERATION_TIMEOUTS;
  if (typeof value !== 'object' || value === null) throw invalidArgument('operationTimeouts', 'an object of timeouts in ms', value);
  const out: Required<OperationTimeouts> = { ...DEFAULT_OPERATION_TIMEOUTS };
  for (const [key, ms] of Object.entries(value)) {
    if (!(key in DEFAULT_OPERATION_TIMEOUTS)) throw invalidArgument(`operationTimeouts.${key}`, `one of ${Object.keys(DEFAULT_OPERATION_TIMEOUTS).join(', ')}`, key);
    if (ms === undefined) continue;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw invalidArgument(`operationTimeouts.${key}`, 'a positive number of milliseconds', ms);
    out[key as keyof OperationTimeouts] = ms;
  }
  return Object.freeze(out);
}
