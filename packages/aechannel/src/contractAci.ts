/**
 * Contract ACIs (the JSON interface `aesophia_cli --create_json_aci` prints): call data
 * from a function name and arguments, and the node's call results, events and contract
 * stores decoded back to JavaScript values, with `@aeternity/aepp-calldata` (CONTRACTS.md §6).
 *
 * The contract state is read from the store as the compiler lays it out (CONTRACTS.md
 * §4.8): the `state` type is flattened (records and tuples expanded, each other field in the
 * next register from 1), and a register that holds a store map (`bf ‖ id`) is read back
 * from the map's own store keys. Types are resolved by asking the ACI decoder to decode a
 * value of the field's type (a helper function is added to a copy of the ACI), so named
 * types and records decode as they do in call results.
 */
import { AciContractCallEncoder, ContractByteArrayEncoder } from '@aeternity/aepp-calldata';
import { decode, encode, hash, isAechannelError, type Encoded } from '@aechannel/codec';
import { deserializeValue, type CallObjectJson } from '@aechannel/fate';
import { ChannelError, invalidArgument } from './errors.js';

/** A contract's JSON ACI as the compiler prints it (an array of namespaces, the main contract last). */
export type ContractAci = readonly Record<string, unknown>[];

/** One event of a call, as the node records it (`log`) and, with an ACI, decoded. */
export interface ContractEvent {
  /** The contract that emitted it. */
  address: Encoded<'ct'>;
  /** Topics: the event's name hash, then its indexed arguments (uint256). */
  topics: readonly bigint[];
  /** The non-indexed data (`cb_`). */
  data: Encoded<'cb'>;
  /** Decoded with the ACI: `{ EventName: [args...] }`. */
  decoded?: Record<string, unknown[]>;
}

/** A contract call's result (a call object, CONTRACTS.md §2.5), decoded with the ACI when one is known. */
export interface ContractCallResult {
  /** The calling participant. */
  caller: Encoded<'ak'>;
  /** The round of the state the call is part of (its `caller_nonce` and `height`). */
  round: bigint;
  contractId: Encoded<'ct'>;
  gasPrice: bigint;
  gasUsed: bigint;
  /** `ok`, `revert` (the contract aborted) or `error` (a runtime error, out of gas, ...). */
  returnType: 'ok' | 'error' | 'revert';
  /** The return value as stored: a FATE value (ok, revert) or the error text (error). */
  returnValue: Encoded<'cb'>;
  /** Events, in the node's order (last emitted first). */
  events: ContractEvent[];
  /** The function called, when the ACI names it. */
  function?: string;
  /** `ok`: the function's result decoded with the ACI. */
  value?: unknown;
  /** `revert` / `error`: the message (decoded without an ACI too). */
  message?: string;
}

/** The node's client JSON of a call object (what the fsm settles with): fate's `CallObjectJson`, its log read-only. */
export interface CallObjectJsonLike extends Omit<CallObjectJson, 'log'> {
  log: readonly { address: Encoded<'ct'>; topics: readonly bigint[]; data: Encoded<'cb'> }[];
}

const textDecoder = new TextDecoder();
const byteArrays = new ContractByteArrayEncoder();

/** Lower-case hex of bytes (function ids, store keys). */
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Checks an ACI at the boundary.
 * @param value - the ACI as given
 * @param argument - the argument's name, for the error
 * @returns the ACI
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` when it is not a compiler ACI with a contract
 */
export function assertAci(value: unknown, argument: string): ContractAci {
  if (!Array.isArray(value) || value.length === 0 || !value.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))) {
    throw invalidArgument(argument, 'a JSON ACI (the array aesophia_cli --create_json_aci prints)', value);
  }
  const aci = value as ContractAci;
  if (mainContract(aci) === null) throw invalidArgument(argument, 'an ACI with a contract', value);
  return aci;
}

/** Nesting beyond which two ACIs are not compared further (taken as different): a compiler ACI nests a few levels. */
const MAX_ACI_DEPTH = 64;

/**
 * Whether two ACIs are the same JSON, whatever the order of their keys (an ACI read back
 * from a store, or parsed again by the application, is a copy of the one registered).
 * @param a - an ACI
 * @param b - another
 * @returns true when they are equal
 */
export function sameAci(a: ContractAci, b: ContractAci): boolean {
  return sameJson(a, b, 0);
}

function sameJson(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth >= MAX_ACI_DEPTH) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i], depth + 1));
  }
  const keys = Object.keys(a);
  const other = b as Record<string, unknown>;
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(other, k) && sameJson((a as Record<string, unknown>)[k], other[k], depth + 1));
}

/** The main contract of an ACI (`kind: contract_main`, else the last contract). */
function mainContract(aci: ContractAci): { name: string; functions: { name: string; returns: unknown; arguments: { type: unknown }[] }[]; state?: unknown; typedefs?: { name: string; typedef: unknown; vars?: unknown[] }[]; event?: unknown } | null {
  const contracts = aci.map((entry) => (entry as { contract?: unknown }).contract).filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null);
  const main = contracts.find((c) => c['kind'] === 'contract_main') ?? contracts.at(-1);
  if (main === undefined || typeof main['name'] !== 'string' || !Array.isArray(main['functions'])) return null;
  return main as never;
}

/** The name of the ACI's main contract. */
export function contractName(aci: ContractAci): string {
  return mainContract(aci)!.name;
}

function functionId(name: string): string {
  return hex(hash(new TextEncoder().encode(name)).subarray(0, 4));
}

/**
 * The function a call data calls, when the ACI has it (the call data starts with the
 * function id, the first 4 bytes of BLAKE2b of its name, CONTRACTS.md §1.3).
 * @param aci - the contract's ACI
 * @param callData - `cb_` call data
 * @returns the function name, or null
 */
export function contractFunctionOf(aci: ContractAci, callData: Encoded<'cb'>): string | null {
  let bytes: Uint8Array;
  try {
    bytes = decode(callData, 'cb');
  } catch {
    return null;
  }
  // {string(4 bytes), tuple}: tuple tag 2b, a 4-byte short string 11, the id
  if (bytes.length < 6 || bytes[0] !== 0x2b || bytes[1] !== 0x11) return null;
  const id = hex(bytes.subarray(2, 6));
  if (id === functionId('init')) return 'init';
  return mainContract(aci)?.functions.find((f) => functionId(f.name) === id)?.name ?? null;
}

/**
 * Call data for a function of the ACI's main contract (`init` for a create).
 * @param aci - the contract's ACI
 * @param fn - the function name
 * @param args - the arguments as JavaScript values (bigint for int, `ak_`/`ct_` strings, Map for map, ...)
 * @returns `cb_` call data
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` (unknown function, wrong arguments)
 */
export function encodeCallData(aci: ContractAci, fn: string, args: readonly unknown[]): Encoded<'cb'> {
  try {
    return new AciContractCallEncoder([...aci]).encodeCall(contractName(aci), fn, [...args]);
  } catch (error) {
    throw new ChannelError('CHANNEL_INVALID_ARGUMENT', `The arguments do not fit ${contractName(aci)}.${fn}: ${error instanceof Error ? error.message : String(error)}.`, {
      cause: error,
      context: { argument: 'args', function: fn },
    });
  }
}

/**
 * A call object as a {@link ContractCallResult}, decoded with the ACI when one is given (a
 * value that does not decode is left out; the raw `returnValue` stays).
 * @param call - the node's call object JSON
 * @param aci - the contract's ACI, if known
 * @param callData - the call data (names the function), if known
 */
export function toContractCallResult(call: CallObjectJsonLike, aci?: ContractAci, callData?: Encoded<'cb'>): ContractCallResult {
  const result: ContractCallResult = {
    caller: call.caller_id,
    round: call.caller_nonce,
    contractId: call.contract_id,
    gasPrice: call.gas_price,
    gasUsed: call.gas_used,
    returnType: call.return_type,
    returnValue: call.return_value,
    events: call.log.map((l) => ({ address: l.address, topics: [...l.topics], data: l.data })),
  };
  try {
    // error: raw text; revert: a FATE string (CONTRACTS.md §2.6)
    if (call.return_type === 'error') result.message = textDecoder.decode(decode(call.return_value, 'cb'));
    else if (call.return_type === 'revert') result.message = String(byteArrays.decode(call.return_value));
  } catch {
    // (a malformed message stays raw)
  }
  if (aci === undefined) return result;
  const encoder = new AciContractCallEncoder([...aci]);
  const name = contractName(aci);
  const fn = callData === undefined ? null : contractFunctionOf(aci, callData);
  if (fn !== null) {
    result.function = fn;
    if (call.return_type === 'ok' && fn !== 'init') {
      try {
        result.value = encoder.decodeResult(name, fn, call.return_value, 'ok');
      } catch {
        // (not decodable with this ACI: left out)
      }
    }
  }
  for (const event of result.events) {
    try {
      event.decoded = encoder.decodeEvent(name, event.data, [...event.topics]) as Record<string, unknown[]>;
    } catch {
      // (an event of another contract, e.g. a remote call's)
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Contract state
// ---------------------------------------------------------------------------------------

type AciType = unknown;

/** Resolves a name of the main contract's typedefs (no type parameters) to its definition. */
function resolveAlias(aci: ContractAci, type: AciType, depth = 0): AciType {
  const main = mainContract(aci)!;
  if (typeof type !== 'string' || depth > 16) return type;
  const local = type.startsWith(`${main.name}.`) ? type.slice(main.name.length + 1) : null;
  if (local === null) return type;
  if (local === 'state' && main.state !== undefined) return resolveAlias(aci, main.state, depth + 1);
  const def = main.typedefs?.find((t) => t.name === local && (t.vars === undefined || t.vars.length === 0));
  return def === undefined ? type : resolveAlias(aci, def.typedef, depth + 1);
}

/** The leaf types of the state in register order (CONTRACTS.md §4.8: records and tuples flattened). */
function stateLayout(aci: ContractAci, type: AciType): AciType[] {
  const t = resolveAlias(aci, type);
  if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
    const [[key, inner]] = Object.entries(t) as [[string, unknown]];
    if (key === 'record' && Array.isArray(inner)) {
      const fields = (inner as { type: AciType }[]).map((f) => f.type);
      return fields.length === 1 ? stateLayout(aci, fields[0]) : fields.flatMap((f) => stateLayout(aci, f));
    }
    if (key === 'tuple' && Array.isArray(inner) && inner.length !== 0) {
      return inner.length === 1 ? stateLayout(aci, inner[0]) : inner.flatMap((f) => stateLayout(aci, f));
    }
  }
  return [type];
}

/** Decodes `cb_` bytes as a value of an ACI type (through a helper function on a copy of the ACI). */
function decodeAs(aci: ContractAci, type: AciType, value: Encoded<'cb'>): unknown {
  const name = contractName(aci);
  const helper = '__aechannel_value';
  const copy = aci.map((entry) => {
    const c = (entry as { contract?: { name?: string; functions?: unknown[] } }).contract;
    if (c?.name !== name) return entry;
    return { contract: { ...c, functions: [...(c.functions ?? []), { name: helper, arguments: [], returns: type, payable: false, stateful: false }] } };
  });
  return new AciContractCallEncoder(copy).decodeResult(name, helper, value, 'ok');
}

/**
 * The contract's `state` read from its store (`contract_state` of `channels.get.contract`,
 * CONTRACTS.md §2.7, §4.8), decoded with the ACI: a record's fields by name, a tuple as an
 * array, maps as `Map`. A register holding a store map is rebuilt from the map's entries.
 * @param aci - the contract's ACI
 * @param store - `ck_` key (relative to the store) -> `cv_` value
 * @returns the state, or undefined when the ACI has none
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` when the store does not fit the ACI
 */
export function decodeContractState(aci: ContractAci, store: Readonly<Record<string, string>>): unknown {
  const main = mainContract(aci)!;
  if (main.state === undefined) return undefined;
  const entries: StoreEntries = new Map();
  for (const [k, v] of Object.entries(store)) {
    const key = decode(k as Encoded<'ck'>, 'ck');
    entries.set(hex(key), { key, value: decode(v as Encoded<'cv'>, 'cv') });
  }
  const leaves = stateLayout(aci, main.state);
  const values: unknown[] = [];
  try {
    leaves.forEach((type, i) => {
      const register = i + 1;
      const keyBytes = register < 256 ? Uint8Array.of(0, register) : Uint8Array.of(0, register >> 8, register & 0xff);
      const raw = entries.get(hex(keyBytes))?.value;
      if (raw === undefined) throw new Error(`register ${register} is not in the store`);
      values.push(raw[0] === 0xbf ? readStoreMap(aci, type, raw, entries) : decodeAs(aci, type, encode(raw, 'cb')));
    });
  } catch (error) {
    throw new ChannelError('CHANNEL_INVALID_ARGUMENT', `The contract store does not fit the ACI of ${main.name}: ${error instanceof Error ? error.message : String(error)}.`, {
      cause: isAechannelError(error) ? error : undefined,
      context: { argument: 'aci' },
    });
  }
  return assemble(aci, main.state, values);
}

/** Puts the register values back into the shape of the state type. */
function assemble(aci: ContractAci, type: AciType, values: unknown[]): unknown {
  const t = resolveAlias(aci, type);
  if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
    const [[key, inner]] = Object.entries(t) as [[string, unknown]];
    if (key === 'record' && Array.isArray(inner)) {
      const fields = inner as { name: string; type: AciType }[];
      if (fields.length === 1) return { [fields[0]!.name]: assemble(aci, fields[0]!.type, values) };
      return Object.fromEntries(fields.map((f) => [f.name, assemble(aci, f.type, values)]));
    }
    if (key === 'tuple' && Array.isArray(inner) && inner.length !== 0) {
      return inner.length === 1 ? [assemble(aci, inner[0], values)] : inner.map((e) => assemble(aci, e, values));
    }
  }
  return values.shift();
}

/** A contract store by the hex of each key: the key's bytes and the value. */
type StoreEntries = Map<string, { key: Uint8Array; value: Uint8Array }>;

/** A store map (`bf ‖ rlp(map id)`) rebuilt from its entries `01 ‖ raw id ‖ key` (CONTRACTS.md §4.8). */
function readStoreMap(aci: ContractAci, type: AciType, raw: Uint8Array, entries: StoreEntries): Map<unknown, unknown> {
  const t = resolveAlias(aci, type);
  const pair = typeof t === 'object' && t !== null && 'map' in t ? ((t as { map: [AciType, AciType] }).map) : null;
  if (pair === null) throw new Error('a store map in a register whose type is not a map');
  const ref = deserializeValue(raw);
  if (typeof ref !== 'object' || ref.kind !== 'store_map') throw new Error('a register starting with bf is not a store map reference');
  const mapId = BigInt(ref.id);
  const meta = entries.get('0000')?.value;
  if (meta === undefined) throw new Error('no store-map metadata');
  // register 0: {map id => {raw id, refcount, size}}
  const table = byteArrays.decode(encode(meta, 'cb')) as Map<bigint, unknown[]>;
  const info = [...table.entries()].find(([id]) => BigInt(id as bigint) === mapId)?.[1];
  if (info === undefined) throw new Error(`store map ${mapId} is not in the metadata`);
  const rawId = Number(info[0] as bigint);
  const prefix = `01${rawId.toString(16).padStart(8, '0')}`;
  const out = new Map<unknown, unknown>();
  for (const [k, { key, value }] of entries) {
    if (!k.startsWith(prefix) || k.length === prefix.length) continue;
    out.set(decodeAs(aci, pair[0], encode(key.subarray(prefix.length / 2), 'cb')), decodeAs(aci, pair[1], encode(value, 'cb')));
  }
  return out;
}
