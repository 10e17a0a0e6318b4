/**
 * Tells whether an own contract round cut by a dropped connection took effect, from the
 * state the channel holds after it recovered (the node's latest co-signed state, verified:
 * both signatures, trees hashing to its state hash).
 *
 * The calls tree of a state holds exactly the calls of its round (CONTRACTS.md §2.5), keyed
 * by `contract ‖ BLAKE2b(caller ‖ round ‖ contract)`. A co-signed state one round past the
 * one the command started from whose calls tree holds a call by this participant of the
 * command's contract is the command's round: the caller of an update is always its
 * requester (§2.1), so the peer cannot make one, and this client signed that state only
 * after recomputing it as the round it asked for.
 */
import { compareBytes, decode, deserializeObject, Tag, unpackStateTrees, type Encoded } from '@aechannel/codec';
import { callKey, callObjectToJson, createdContractId, type CallObjectJson, type ReturnType } from '@aechannel/fate';
import type { Command } from '@aechannel/fsm';

const RETURN_TYPES: readonly ReturnType[] = ['ok', 'error', 'revert'];

/** What an interrupted contract round settles with when it took effect. */
export type InterruptedContractResult =
  | { state: Encoded<'tx'>; round: bigint; contractId: Encoded<'ct'>; call: CallObjectJson }
  | { state: Encoded<'tx'>; round: bigint; call: CallObjectJson };

/**
 * The result of an own `newContract` / `callContract` command if the state after recovery is its round.
 * @param command - the interrupted command
 * @param startRound - the round when it was sent
 * @param latest - the channel's latest co-signed state, its round and trees (`ss_`, null without contracts)
 * @param self - this participant
 * @returns the result the command settles with, or null when that state is not its round
 */
export function interruptedContractResult(
  command: Command,
  startRound: bigint,
  latest: { state: Encoded<'tx'> | null; round: bigint; trees: Encoded<'ss'> | null },
  self: Encoded<'ak'>,
): InterruptedContractResult | null {
  if (command.kind !== 'newContract' && command.kind !== 'callContract') return null;
  const { state, round, trees } = latest;
  if (state === null || trees === null || round !== startRound + 1n) return null;
  const contractId = command.kind === 'newContract' ? createdContractId(self, round) : command.contractId;
  let call: CallObjectJson;
  try {
    const key = callKey(decode(self, 'ak'), round, decode(contractId, 'ct'));
    const entry = unpackStateTrees(decode(trees, 'ss')).calls.find((e) => compareBytes(e.key, key) === 0);
    if (entry === undefined) return null;
    const object = deserializeObject(entry.value);
    if (object.tag !== Tag.ContractCall) return null;
    const returnType = RETURN_TYPES[Number(object.returnType)];
    if (returnType === undefined || object.callerId !== self || object.contractId !== contractId) return null;
    call = callObjectToJson({
      callerId: self,
      callerNonce: object.callerNonce,
      height: object.height,
      contractId,
      gasPrice: object.gasPrice,
      gasUsed: object.gasUsed,
      returnValue: object.returnValue,
      returnType,
      log: object.log.map((l) => ({ address: l.address, topics: [...l.topics], data: l.data })),
    });
  } catch {
    return null; // trees that do not read: not the command's round as far as we can tell
  }
  return command.kind === 'newContract' ? { state, round, contractId, call } : { state, round, call };
}
