/**
 * The fee and confirmation rules of the node's FSM, on top of the codec's formulas:
 * fix-point fees with the request's `fee`/`gas_price` (§5.3), the close-mutual split
 * (§5.5) and minimum depth (§10.1). Failures become the node's JSON-RPC answer
 * (`too_low_fee`, `could_not_compute_fee`: -32603).
 */
import { fixFee, isAechannelError, type TxWithFee } from '@aechannel/codec';
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

