/**
 * Errors of `@aechannel/fate` given to the *host* (the program applying updates). A call
 * that fails inside the VM (revert, runtime error, out of gas) is not an exception: it is a
 * call object with `return_type` error/revert, as in the node (CONTRACTS.md §2.6). These
 * errors are for what the node itself rejects: bad input, an update the channel refuses.
 */
import { AechannelError } from '@aechannel/codec';

/** Stable codes of {@link FateError}. Never renamed. */
export type FateErrorCode =
  /** A FATE value or calldata could not be decoded (context: `reason`, `offset`). */
  | 'FATE_INVALID_VALUE'
  /** Contract code (tag 70 object or FATE bytecode) could not be decoded (context: `reason`). */
  | 'FATE_INVALID_CODE'
  /** Deposit or amount would take an account below the channel reserve; the node's `insufficient_balance`, WS 1001. */
  | 'FATE_INSUFFICIENT_BALANCE'
  /** The node's `contract_init_failed`, WS 1007 (context: `returnType`, `returnValue`). */
  | 'FATE_CONTRACT_INIT_FAILED'
  /** The node's `wrong_abi_version`, WS 1019. */
  | 'FATE_WRONG_ABI_VERSION'
  /** The node's `wrong_vm_version` / `illegal_vm_version`, WS 1020. */
  | 'FATE_WRONG_VM_VERSION'
  /** The called contract is not in the channel state (the node's `{not_present, pk}`, WS -32603). */
  | 'FATE_UNKNOWN_CONTRACT'
  /** An account named by an update does not exist (the node's `not_a_participant`/`account_not_found`). */
  | 'FATE_UNKNOWN_ACCOUNT'
  /** An update kind or field the VM does not support (context: `reason`). */
  | 'FATE_UNSUPPORTED'
  /** An argument of a public function is invalid (context: `argument`). */
  | 'FATE_INVALID_ARGUMENT'
  /** The VM hit an internal inconsistency the node would answer with an exception (context: `reason`). */
  | 'FATE_INTERNAL';

/** An error of the fate host API. `code` tells what went wrong; `wsCode` is the node's WebSocket error code when there is one. */
export class FateError extends AechannelError<FateErrorCode> {
  override name = 'FateError';
  /** The node's WebSocket error code for this rejection (PROTOCOL.md §7, CONTRACTS.md §2.7), if any. */
  get wsCode(): number | undefined {
    return WS_CODES[this.code];
  }
}

const WS_CODES: Partial<Record<FateErrorCode, number>> = {
  FATE_INSUFFICIENT_BALANCE: 1001,
  FATE_CONTRACT_INIT_FAILED: 1007,
  FATE_WRONG_ABI_VERSION: 1019,
  FATE_WRONG_VM_VERSION: 1020,
  FATE_UNKNOWN_CONTRACT: -32603,
  FATE_INVALID_CODE: -32603,
  FATE_INTERNAL: -32603,
};
