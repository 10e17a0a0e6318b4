/**
 * Call objects (tag 41 v2, CONTRACTS.md §2.5) and their client JSON
 * (`channels.get.contract_call`, §2.7), plus the contract JSON and `contract_state` of
 * `channels.get.contract`.
 */
import { encode, hash, serializeObject, Tag, type Encoded } from '@aechannel/codec';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { LogEntry } from './engine.js';
import type { ContractRecord } from './trees.js';
import { bytesToUnsigned, unsignedBytes } from './serialize.js';

/** `return_type` of a call. */
export type ReturnType = 'ok' | 'error' | 'revert';

/** A call object as the node records it. */
export interface CallObject {
  readonly callerId: Encoded<'ak'>;
  /** The channel round (`caller_nonce`). */
  readonly callerNonce: bigint;
  /** The channel round (`height`). */
  readonly height: bigint;
  readonly contractId: Encoded<'ct'>;
  readonly gasPrice: bigint;
  readonly gasUsed: bigint;
  /** FATE-serialized value (ok, revert) or the raw error text (error). */
  readonly returnValue: Uint8Array;
  readonly returnType: ReturnType;
  /** Events, last emitted first (the node's order). */
  readonly log: readonly LogEntry[];
}

const RETURN_TYPES: Record<ReturnType, bigint> = { ok: 0n, error: 1n, revert: 2n };

/**
 * The call object's bytes (tag 41 v2).
 * @param call - the call object
 * @returns `S(call)`
 */
export function serializeCallObject(call: CallObject): Uint8Array {
  return serializeObject({
    tag: Tag.ContractCall,
    version: 2,
    callerId: call.callerId,
    callerNonce: call.callerNonce,
    height: call.height,
    contractId: call.contractId,
    gasPrice: call.gasPrice,
    gasUsed: call.gasUsed,
    returnValue: call.returnValue,
    returnType: RETURN_TYPES[call.returnType],
    log: call.log.map((l) => ({ address: l.address, topics: [...l.topics], data: l.data })),
  });
}

/** `call_id = BLAKE2b(caller ‖ uint256(nonce) ‖ contract)`. */
export function callId(caller: Uint8Array, nonce: bigint, contract: Uint8Array): Uint8Array {
  const input = new Uint8Array(96);
  input.set(caller, 0);
  const n = hexToBytes(nonce.toString(16).padStart(64, '0'));
  input.set(n, 32);
  input.set(contract, 64);
  return hash(input);
}

/**
 * Public key of a contract created by `owner` (an account or, for CREATE/CLONE, a contract)
 * at `nonce` (the channel round, or the creating contract's nonce):
 * `BLAKE2b(owner ‖ minimal_be(nonce))`.
 */
export function createdContractPk(owner: Uint8Array, nonce: bigint): Uint8Array {
  const n = unsignedBytes(nonce);
  const input = new Uint8Array(owner.length + n.length);
  input.set(owner);
  input.set(n, owner.length);
  return hash(input);
}

/** Key of a call in the calls tree: `contract ‖ call id`. */
export function callKey(callerPk: Uint8Array, nonce: bigint, contractPk: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(contractPk, 0);
  out.set(callId(callerPk, nonce, contractPk), 32);
  return out;
}

/** The node's client JSON of a call object (`aect_call:serialize_for_client`). */
export interface CallObjectJson {
  caller_id: Encoded<'ak'>;
  caller_nonce: bigint;
  height: bigint;
  contract_id: Encoded<'ct'>;
  gas_price: bigint;
  gas_used: bigint;
  log: { address: Encoded<'ct'>; topics: bigint[]; data: Encoded<'cb'> }[];
  return_type: ReturnType;
  return_value: Encoded<'cb'>;
}

/**
 * The call object as the node's client JSON (§2.7). Numbers are bigints; serialize them
 * with the codec's bigint-safe JSON.
 * @param call - the call object
 * @returns the JSON object
 */
export function callObjectToJson(call: CallObject): CallObjectJson {
  return {
    caller_id: call.callerId,
    caller_nonce: call.callerNonce,
    height: call.height,
    contract_id: call.contractId,
    gas_price: call.gasPrice,
    gas_used: call.gasUsed,
    log: call.log.map((l) => ({ address: encode(l.address, 'ct'), topics: l.topics.map((t) => bytesToUnsigned(t)), data: encode(l.data, 'cb') })),
    return_type: call.returnType,
    return_value: encode(call.returnValue, 'cb'),
  };
}

/** The node's client JSON of a contract (`channels.get.contract`). */
export interface ContractJson {
  contract: {
    id: Encoded<'ct'>;
    owner_id: Encoded<'ak' | 'ct'>;
    vm_version: number;
    abi_version: number;
    active: boolean;
    referrer_ids: string[];
    deposit: bigint;
  };
  contract_state: Record<Encoded<'ck'>, Encoded<'cv'>>;
}

/**
 * A contract and its store as `channels.get.contract` returns them (§2.7).
 * @param pk - contract public key
 * @param rec - the contract
 * @returns `{ contract, contract_state }`
 */
export function contractToJson(pk: Uint8Array, rec: ContractRecord): ContractJson {
  const state: Record<string, Encoded<'cv'>> = {};
  for (const [k, v] of [...rec.store.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) state[encode(hexToBytes(k), 'ck')] = encode(v, 'cv');
  return {
    contract: {
      id: encode(pk, 'ct'),
      owner_id: encode(rec.owner, rec.ownerIsContract ? 'ct' : 'ak') as Encoded<'ak' | 'ct'>,
      vm_version: rec.vm,
      abi_version: rec.abi,
      active: rec.active,
      referrer_ids: [...rec.referrers],
      deposit: rec.deposit,
    },
    contract_state: state as Record<Encoded<'ck'>, Encoded<'cv'>>,
  };
}
