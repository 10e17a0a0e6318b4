/**
 * Confirmations an FSM waits for before it trusts an on-chain tx, PROTOCOL.md §10.1.
 */
import { AechannelError } from './errors.js';
import { MIN_MINER_GAS_PRICE } from './fees.js';

/** Parameters of {@link minimumDepth}. */
export interface MinimumDepthParameters {
  /** The fee of the watched tx. */
  fee: bigint;
  /** `txfee` (default) scales with the fee; `plain` is a fixed depth. */
  strategy?: 'txfee' | 'plain' | undefined;
  /** The open parameter `minimum_depth`: the factor for `txfee` (default 10), the depth for `plain` (default 3). */
  value?: bigint | undefined;
  /** The node's `min_miner_gas_price` (default 1e9), not the gas price of the tx. */
  minMinerGasPrice?: bigint | undefined;
}

/** Default factor of the `txfee` strategy. */
export const DEFAULT_MINIMUM_DEPTH_FACTOR = 10n;
/** Default depth of the `plain` strategy. */
export const DEFAULT_MINIMUM_DEPTH_PLAIN = 3n;

/**
 * Smallest `n >= 1` with `n ** factor >= target`, for `target >= 2` and `factor >= 1`,
 * by bisection: each probe is one bigint power no larger than `target` squared, and there
 * are about `bits(target) / factor` probes, whatever the sizes.
 */
function integerRootCeil(target: bigint, factor: bigint): bigint {
  const bits = target.toString(2).length;
  // 2 ** bits > target, so a factor of at least `bits` needs only n = 2.
  if (factor >= BigInt(bits)) return 2n;
  let low = 1n; // low ** factor < target
  let high = 1n << BigInt(Math.ceil(bits / Number(factor))); // high ** factor >= 2 ** bits > target
  while (high - low > 1n) {
    const middle = (low + high) / 2n;
    if (middle ** factor >= target) high = middle;
    else low = middle;
  }
  return high;
}

const isNonNegative = (value: unknown): value is bigint => typeof value === 'bigint' && value >= 0n;

/**
 * Required confirmations (§10.1). `plain`: `value`. `txfee` with factor `f`: 1 when `f` is 0,
 * else `ceil((fee / minMinerGasPrice) ^ (1/f))`, computed exactly as the smallest `n` with
 * `n^f * minMinerGasPrice >= fee` (0 for a zero fee). The factor may come from the peer
 * (`channel_accept`), so the work is bounded whatever its size.
 * @param parameters - fee, strategy, value, minMinerGasPrice
 * @returns the depth
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for an input that is not a non-negative
 *   bigint, a gas price of 0, or an unknown strategy
 * @example minimumDepth({ fee: 17640000000000n }) // 3n
 * @example minimumDepth({ fee: 17640000000000n, strategy: 'txfee', value: 2n }) // 133n
 */
export function minimumDepth(parameters: MinimumDepthParameters): bigint {
  const { fee, strategy = 'txfee', value, minMinerGasPrice = MIN_MINER_GAS_PRICE } = parameters;
  if (!isNonNegative(fee) || (value !== undefined && !isNonNegative(value)) || !isNonNegative(minMinerGasPrice) || minMinerGasPrice === 0n) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'minimumDepth needs non-negative bigints and a positive gas price.', {
      context: { fee: String(fee), value: String(value), minMinerGasPrice: String(minMinerGasPrice) },
    });
  }
  if (strategy === 'plain') return value ?? DEFAULT_MINIMUM_DEPTH_PLAIN;
  if (strategy !== 'txfee') {
    throw new AechannelError('CODEC_INVALID_FIELD', `Unknown minimum depth strategy ${String(strategy)}.`, { context: { field: 'strategy', got: strategy } });
  }
  const factor = value ?? DEFAULT_MINIMUM_DEPTH_FACTOR;
  if (factor === 0n) return 1n;
  if (fee === 0n) return 0n;
  // n ** f * price >= fee  <=>  n ** f >= ceil(fee / price), since n ** f is an integer.
  const target = (fee + minMinerGasPrice - 1n) / minMinerGasPrice;
  return target <= 1n ? 1n : integerRootCeil(target, factor);
}
