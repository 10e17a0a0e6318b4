/**
 * ACI helpers for users, thin wrappers on `@aeternity/aepp-calldata`: calldata from an ACI
 * and arguments, call results and events decoded with the ACI. Errors from the library
 * become {@link FateError} `FATE_INVALID_ARGUMENT` (bad arguments) or `FATE_INVALID_VALUE`
 * (bytes that do not decode with the ACI's types).
 */
import { AciContractCallEncoder } from '@aeternity/aepp-calldata';
import { decode, encode } from '@aechannel/codec';
import type { CallObject } from './callObject.js';
import type { LogEntry } from './engine.js';
import { FateError } from './errors.js';
import { bytesToUnsigned } from './serialize.js';

/** A compiled contract's JSON ACI (`aesophia_cli --create_json_aci`): a list of contract and namespace entries. */
export type Aci = readonly unknown[];

const encoders = new WeakMap<Aci, AciContractCallEncoder>();

function encoderOf(aci: Aci): AciContractCallEncoder {
  let e = encoders.get(aci);
  if (e === undefined) {
    if (!Array.isArray(aci)) throw new FateError('FATE_INVALID_ARGUMENT', 'The ACI must be the JSON list the compiler prints.', { context: { argument: 'aci' } });
    try {
      e = new AciContractCallEncoder([...aci]);
    } catch (cause) {
      throw new FateError('FATE_INVALID_ARGUMENT', 'The ACI is not valid.', { cause, context: { argument: 'aci' } });
    }
    encoders.set(aci, e);
  }
  return e;
}

/**
 * Calldata of a call (or of `init`), from the ACI and JavaScript arguments (as aepp-calldata
 * takes them: bigint/number for ints, strings for addresses `ak_…`/`ct_…`, arrays, Maps, …).
 * @param aci - the contract's ACI
 * @param contract - contract name in the ACI
 * @param fn - entrypoint name
 * @param args - arguments
 * @returns the calldata bytes (use codec `encode(x, 'cb')` for the `cb_` string)
 * @throws {FateError} `FATE_INVALID_ARGUMENT` when the function or an argument does not fit the ACI
 * @example const callData = encodeCallData(aci, 'Counter', 'init', [42n]);
 */
export function encodeCallData(aci: Aci, contract: string, fn: string, args: readonly unknown[]): Uint8Array {
  try {
    return decode(encoderOf(aci).encodeCall(contract, fn, [...args]), 'cb');
  } catch (cause) {
    if (cause instanceof FateError) throw cause;
    throw new FateError('FATE_INVALID_ARGUMENT', `Cannot encode a call of ${contract}.${fn}: ${(cause as Error).message}`, { cause, context: { argument: 'args' } });
  }
}

/** A decoded call result: the value (ok), the revert message (revert) or the error text (error). */
export type DecodedCallResult =
  | { readonly type: 'ok'; readonly value: unknown }
  | { readonly type: 'revert'; readonly message: string }
  | { readonly type: 'error'; readonly message: string };

/**
 * Decodes a call object's return value with the ACI.
 * @param aci - the contract's ACI
 * @param contract - contract name
 * @param fn - the entrypoint that was called
 * @param call - the call object (or its return type and value)
 * @returns the decoded value or message
 * @throws {FateError} `FATE_INVALID_VALUE` when the value does not decode with the function's type
 * @example decodeCallResult(aci, 'Counter', 'get', call) // { type: 'ok', value: 43n }
 */
export function decodeCallResult(aci: Aci, contract: string, fn: string, call: Pick<CallObject, 'returnType' | 'returnValue'>): DecodedCallResult {
  if (call.returnType === 'error') return { type: 'error', message: new TextDecoder().decode(call.returnValue) };
  try {
    const v: unknown = encoderOf(aci).decodeResult(contract, fn, encode(call.returnValue, 'cb'), call.returnType);
    if (call.returnType === 'revert') return { type: 'revert', message: String(v) };
    return { type: 'ok', value: v };
  } catch (cause) {
    if (cause instanceof FateError) throw cause;
    throw new FateError('FATE_INVALID_VALUE', `Cannot decode the result of ${contract}.${fn}.`, { cause, context: { reason: 'aci', offset: 0 } });
  }
}

/**
 * Decodes an event (log entry) with the ACI's event datatype.
 * @param aci - the contract's ACI
 * @param contract - contract name
 * @param entry - a log entry of a call object
 * @returns `{ EventName: [fields…] }`
 * @throws {FateError} `FATE_INVALID_VALUE` when the entry is not an event of the contract
 */
export function decodeEvent(aci: Aci, contract: string, entry: LogEntry): Record<string, unknown[]> {
  try {
    return encoderOf(aci).decodeEvent(contract, encode(entry.data, 'cb'), entry.topics.map((t) => bytesToUnsigned(t)));
  } catch (cause) {
    throw new FateError('FATE_INVALID_VALUE', `Cannot decode an event of ${contract}.`, { cause, context: { reason: 'aci', offset: 0 } });
  }
}
