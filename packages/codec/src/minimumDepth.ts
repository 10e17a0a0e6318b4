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
 * Required confirmations (§10.1). `plain`: `value`. `txfee` with factor `f`: 1 when `f` is 0,
 * else `ceil((fee / minMinerGasPrice) ^ (1/f))`, computed exactly as the smallest `n` with
 * `n^f * minMinerGasPrice >= fee`.
 * @param parameters - fee, strategy, value, minMinerGasPrice
 * @returns the depth
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for negative inputs or a zero gas price
 * @example minimumDepth({ fee: 17640000000000n }) // 3n
 */
export function minimumDepth(parameters: MinimumDepthParameters): bigint {
  const { fee, strategy = 'txfee', value, minMinerGasPrice = MIN_MINER_GAS_PRICE } = parameters;
  if (typeof fee !== 'bigint' || fee < 0n || (value !== undefined && (typeof value !== 'bigint' || value < 0n)) || minMinerGasPrice <= 0n) {
    throw new AechannelError('CODEC_INVALID_FIELD', 'minimumDepth needs non-negative bigints and a positive gas price.', {
      context: { fee: String(fee), value: String(value), minMinerGasPrice },
    });
  }
  if (strategy === 'plain') return value ?? DEFAULT_MINIMUM_DEPTH_PLAIN;
  if (strategy !== 'txfee') {
    throw new AechannelError('CODEC_INVALID_FIELD', `Unknown minimum depth strategy ${String(strategy)}.`, { context: { field: 'strategy', got: strategy } });
  }
  const factor = value ?? DEFAULT_MINIMUM_DEPTH_FACTOR;
  if (factor === 0n) return 1n;
  const enough = (n: bigint): boolean => n ** factor * minMinerGasPrice >= fee;
  // Float estimate, then exact correction with bigint arithmetic.
  const estimate = Math.ceil((Number(fee) / Number(minMinerGasPrice)) ** (1 / Number(factor)));
  let n = BigInt(Number.isFinite(estimate) ? estimate : 0);
  while (n > 0n && enough(n - 1n)) n -= 1n;
  while (!enough(n)) n += 1n;
  return n;
}
