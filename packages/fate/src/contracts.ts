/**
 * Reading contracts of the channel state the way `channels.get.contract` answers.
 */
import { decode, type Encoded } from '@aechannel/codec';
import { bytesToHex } from '@noble/hashes/utils.js';
import { contractToJson, type ContractJson } from './callObject.js';
import type { ChannelTrees } from './trees.js';

/**
 * A contract and its store as `channels.get.contract` returns them (CONTRACTS.md §2.7).
 * @param trees - the channel state
 * @param id - the contract's `ct_` id
 * @returns `{ contract, contract_state }`, or undefined when the contract is not in the state
 * @throws {AechannelError} codec decoding errors for a malformed id
 * @example getContractJson(trees, 'ct_…')?.contract_state // { ck_AAEYQB5m: 'cv_Vl4/10M=', … }
 */
export function getContractJson(trees: ChannelTrees, id: Encoded<'ct'>): ContractJson | undefined {
  const pk = decode(id, 'ct');
  const rec = trees.contracts.get(bytesToHex(pk));
  return rec === undefined ? undefined : contractToJson(pk, rec);
}
