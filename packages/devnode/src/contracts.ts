/**
 * What the devnode's FSMs need around the FATE VM: proofs of inclusion of channel state
 * trees (PROTOCOL.md §2.11, CONTRACTS.md §2.7), the per-FSM calls archive (`cs_`), and the
 * readers of the contract request parameters (`cb_`, `ct_`, integers) with the node's error
 * codes (1006, 1008, 1009, -32601).
 */
import {
  buildPoiFromTrees,
  decode,
  mptRoot,
  packCallsTree,
  packPoi,
  unpackPoi,
  type Encoded,
  type JsonValue,
  type Poi,
  type TreeName,
} from '@aechannel/codec';
import { callKey, serializeCallObject, treesToStateTrees, type CallObject, type ChannelTrees } from '@aechannel/fate';
import { RpcFailure, methodNotFound, rejected, type JsonObject } from './rpc.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * A proof of inclusion of keys of the channel state, as the node builds it: each account
 * and each contract is proven (a contract in the accounts tree and in the contracts tree
 * with its store marker and every store key); every other non-empty tree carries only its
 * root, so the PoI's hash is the state hash.
 * @param trees - the state trees
 * @param accounts - accounts to prove (`ak_`)
 * @param contracts - contracts to prove (`ct_`)
 * @returns `pi_...`
 * @throws {RpcFailure} data 100 when a key is not in the state
 */
export function poiOf(trees: ChannelTrees, accounts: readonly Encoded<'ak'>[], contracts: readonly Encoded<'ct'>[]): Encoded<'pi'> {
  const entries = treesToStateTrees(trees);
  const accountKeys: Uint8Array[] = [];
  const contractKeys: Uint8Array[] = [];
  for (const id of accounts) {
    const pk = decode(id, 'ak');
    if (trees.accounts.get(hex(pk)) === undefined) throw new RpcFailure(rejected(100));
    accountKeys.push(pk);
  }
  for (const id of contracts) {
    const pk = decode(id, 'ct');
    const record = trees.contracts.get(hex(pk));
    if (record === undefined || trees.accounts.get(hex(pk)) === undefined) throw new RpcFailure(rejected(100));
    if (!accountKeys.some((k) => hex(k) === hex(pk))) accountKeys.push(pk);
    contractKeys.push(pk);
    const marker = Uint8Array.from([...pk, 0x10]);
    contractKeys.push(marker);
    for (const key of record.store.keys()) contractKeys.push(Uint8Array.from([...marker, ...Buffer.from(key, 'hex')]));
  }
  const proven = unpackPoi(buildPoiFromTrees(entries, { accounts: accountKeys, contracts: contractKeys }));
  const parts: Partial<Record<TreeName, Poi[TreeName]>> = {};
  for (const name of ['accounts', 'calls', 'channels', 'contracts', 'ns', 'oracles'] as const) {
    const part = proven[name];
    if (part !== null) {
      parts[name] = part;
      continue;
    }
    const tree = entries[name];
    if (tree.length > 0) parts[name] = { rootHash: mptRoot(tree), nodes: [] };
  }
  return packPoi(parts);
}

/**
 * The per-FSM archive of call results (CONTRACTS.md §2.5): every co-signed create/call adds
 * its call object; only `channels.clean_contract_calls` empties it. Never hashed.
 */
export class CallsArchive {
  readonly #calls = new Map<string, CallObject>();

  constructor(calls: Iterable<CallObject> = []) {
    for (const call of calls) this.add(call);
  }

  /** Adds a call object (keyed like the calls tree: contract ‖ call id). */
  add(call: CallObject): void {
    this.#calls.set(hex(keyOf(call.callerId, call.callerNonce, call.contractId)), call);
  }

  /** The call of `caller` to `contract` at `round`, if archived. */
  get(contract: Encoded<'ct'>, caller: Encoded<'ak'>, round: bigint): CallObject | undefined {
    return this.#calls.get(hex(keyOf(caller, round, contract)));
  }

  /** Empties the archive. */
  clear(): void {
    this.#calls.clear();
  }

  /** Every archived call. */
  values(): CallObject[] {
    return [...this.#calls.values()];
  }

  /** The archive as the node's `cs_` calls tree. */
  pack(): Encoded<'cs'> {
    return packCallsTree(
      [...this.#calls].map(([key, call]) => ({ key: Buffer.from(key, 'hex'), value: serializeCallObject(call) })),
    );
  }
}

function keyOf(caller: Encoded<'ak'>, round: bigint, contract: Encoded<'ct'>): Uint8Array {
  return callKey(decode(caller, 'ak'), round, decode(contract, 'ct'));
}

/** A mandatory parameter, or -32601 when missing (§7.1). */
export function required(params: JsonObject, ...names: string[]): void {
  for (const name of names) if (params[name] === undefined) throw new RpcFailure(methodNotFound());
}

/** An integer parameter (1008 when not a JSON integer). */
export function readInt(value: JsonValue | undefined): bigint {
  if (typeof value !== 'bigint') throw new RpcFailure(rejected(1008));
  return value;
}

/** A `cb_` parameter (1009 when broken). */
export function readBytes(value: JsonValue | undefined): Encoded<'cb'> {
  return readEncoded(value, 'cb', 1009);
}

/** A `ct_` parameter (1006 when broken). */
export function readContractId(value: JsonValue | undefined): Encoded<'ct'> {
  return readEncoded(value, 'ct', 1006);
}

/** An `ak_` parameter (1005 when broken). */
export function readAccountId(value: JsonValue | undefined): Encoded<'ak'> {
  return readEncoded(value, 'ak', 1005);
}

/** A parameter with the prefixed encoding `prefix` (the error `code` when not a string or broken). */
function readEncoded<P extends 'cb' | 'ct' | 'ak'>(value: JsonValue | undefined, prefix: P, code: number): Encoded<P> {
  if (typeof value !== 'string') throw new RpcFailure(rejected(code));
  try {
    decode(value, prefix);
  } catch {
    throw new RpcFailure(rejected(code));
  }
  return value as Encoded<P>;
}
