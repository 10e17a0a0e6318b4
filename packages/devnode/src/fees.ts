/**
 * The fee and confirmation rules of the node's FSM, on top of the codec's formulas:
 * fix-point fees with the request's `fee`/`gas_price` (§5.3), the close-mutual split
 * (§5.5) and minimum depth (§10.1). Failures become the node's JSON-RPC answer
 * (`too_low_fee`, `could_not_compute_fee`: -32603).
 */
import { MIN_MINER_GAS_PRICE, fixFee, isAechannelError, minimumDepth, type TxWithFee } from '@aechannel/codec';
import { RpcFailure, internalError } from './rpc.js';

/** The fee parameters a request may carry (§5.3). */
export interface FeeRequest {
  fee?: bigint | undefined;
  gasPrice?: bigint | undefined;
}

/**
 * Sets the fee the FSM would choose (§5.3).
 * @param tx - the tx with any fee
 * @param request - the request's `fee` and `gas_price`
 * @returns the tx with its fee
 * @throws {RpcFailure} -32603 for a fee below the protocol minimum or a bad gas price
 */
export function withFee<T extends TxWithFee>(tx: T, request: FeeRequest): T {
  if (request.gasPrice !== undefined && request.gasPrice <= 0n) throw new RpcFailure(internalError());
  try {
    return fixFee(tx, { fee: request.fee, gasPrice: request.gasPrice });
  } catch (error) {
    if (isAechannelError(error)) throw new RpcFailure(internalError());
    throw error;
  }
}

/**
 * Confirmations an FSM waits for (§10.1), safe for any `minimum_depth` a client may send.
 *
 * `txfee` with factor `f` is the smallest `n` with `n^f * min_miner_gas_price >= fee`. For a
 * factor at least the bit length of the fee, `n = 2` already suffices (`2^f > fee`), so the
 * exact search (which computes `n^f`) only runs with small factors: a client sending
 * `minimum_depth=1000000000000` cannot make the devnode build a bigint of 10^12 bits.
 * @param fee - the fee of the watched tx
 * @param strategy - the channel's `minimum_depth_strategy` (default `txfee`)
 * @param value - the channel's `minimum_depth` (factor or depth)
 * @returns the depth
 * @example confirmationsFor(17_640_000_000_000n, undefined, undefined) // 3n
 */
export function confirmationsFor(fee: bigint, strategy: 'txfee' | 'plain' | undefined, value: bigint | undefined): bigint {
  if ((strategy ?? 'txfee') === 'txfee' && value !== undefined && value > 0n && value >= BigInt(fee.toString(2).length)) {
    if (fee === 0n) return minimumDepth({ fee, strategy, value: 1n });
    return fee <= MIN_MINER_GAS_PRICE ? 1n : 2n;
  }
  return minimumDepth({ fee, strategy, value });
}
