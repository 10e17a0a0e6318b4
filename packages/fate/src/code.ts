/**
 * Contract code: the contract-code object (tag 70, aeserialization `aeser_contract_code`)
 * and the FATE bytecode inside it (aebytecode `aeb_fate_code`), CONTRACTS.md §4.7.
 *
 * Decoding is strict and every failure is a {@link FateError} `FATE_INVALID_CODE`. A
 * decoded function keeps its basic blocks as arrays of pre-decoded instructions, so the
 * engine never re-reads bytes while it runs.
 */
import * as RLP from 'rlp';
import { bytesToHex } from '@noble/hashes/utils.js';
import { FateError } from './errors.js';
import { OPCODE_BY_BYTE, type OpInfo } from './opcodes.js';
import { ByteReader, ByteWriter, deserializeValue, readType, readValue, rlpBytes, serializeValue } from './serialize.js';
import type { FateType } from './types.js';
import { EMPTY_MAP, type FateMap, type FateValue } from './values.js';

/** An operand: stack, `arg N`, `var N` (negative N = store register) or an immediate. */
export type Operand =
  | { readonly m: 0 }
  | { readonly m: 1; readonly n: number }
  | { readonly m: 2; readonly n: number }
  | { readonly m: 3; readonly v: FateValue };

/** A decoded instruction. */
export interface Instruction {
  readonly op: OpInfo;
  readonly args: readonly Operand[];
}

/** A decoded function. */
export interface FateFunction {
  /** Function id as 8 hex digits. */
  readonly id: string;
  readonly idBytes: Uint8Array;
  readonly private: boolean;
  readonly payable: boolean;
  readonly attributes: bigint;
  readonly argTypes: readonly FateType[];
  readonly returnType: FateType;
  readonly blocks: readonly (readonly Instruction[])[];
  /** Byte range of the function in the code bytes (for stripping `init`). */
  readonly range: readonly [number, number];
}

/** Decoded FATE bytecode. */
export interface FateCode {
  readonly functions: ReadonlyMap<string, FateFunction>;
  /** Symbols map {id string → name string}. */
  readonly symbols: FateMap;
  readonly annotations: FateMap;
  readonly codeBytes: Uint8Array;
  /** The serialized FATE code (`RLP(code) ‖ RLP(symbols) ‖ RLP(annotations)`). */
  readonly serialized: Uint8Array;
}

/** A decoded contract-code object (tag 70). */
export interface ContractCode {
  readonly version: number;
  readonly sourceHash: Uint8Array;
  /** Raw type_info items (empty for FATE). */
  readonly typeInfo: RLP.NestedUint8Array | Uint8Array;
  readonly byteCode: Uint8Array;
  readonly compilerVersion: Uint8Array;
  readonly payable: boolean;
}

/** Id of `init`: first 4 bytes of BLAKE2b-256("init"). */
export const INIT_ID = '44d6441f';

/** The function id (4 bytes, hex) a call data calls, or undefined when it does not decode as `{id, args}`. */
export function calledFunction(callData: Uint8Array): string | undefined {
  try {
    const cd = deserializeValue(callData);
    if (typeof cd !== 'object' || cd.kind !== 'tuple' || cd.elements.length !== 2) return undefined;
    const [id, args] = cd.elements;
    if (typeof id !== 'object' || id.kind !== 'string' || typeof args !== 'object' || args.kind !== 'tuple') return undefined;
    return bytesToHex(id.bytes);
  } catch {
    return undefined;
  }
}

function codeError(reason: string): FateError {
  return new FateError('FATE_INVALID_CODE', `Invalid contract code: ${reason}.`, { context: { reason } });
}

function rlpDecode(bytes: Uint8Array): RLP.NestedUint8Array | Uint8Array {
  try {
    return RLP.decode(bytes) as RLP.NestedUint8Array | Uint8Array;
  } catch (cause) {
    throw new FateError('FATE_INVALID_CODE', 'Invalid contract code: bad RLP.', { cause, context: { reason: 'rlp' } });
  }
}

function asInt(x: unknown, what: string): number {
  if (!(x instanceof Uint8Array) || x.length > 4 || (x.length > 0 && x[0] === 0)) throw codeError(`bad ${what}`);
  let n = 0;
  for (const b of x) n = n * 256 + b;
  return n;
}

/**
 * Decodes a contract-code object (the bytes behind a compiler's `cb_`).
 * @param bytes - the serialized tag-70 object
 * @returns its fields
 * @throws {FateError} `FATE_INVALID_CODE`
 */
export function decodeContractCode(bytes: Uint8Array): ContractCode {
  const item = rlpDecode(bytes);
  if (!Array.isArray(item) || item.length < 2) throw codeError('not a code object');
  const tag = asInt(item[0], 'tag');
  const version = asInt(item[1], 'version');
  if (tag !== 70) throw codeError(`tag ${tag} is not 70`);
  const f = item.slice(2);
  const bin = (x: unknown, what: string): Uint8Array => {
    if (!(x instanceof Uint8Array)) throw codeError(`bad ${what}`);
    return x;
  };
  if (version === 3 && f.length === 5) {
    const payable = bin(f[4], 'payable');
    if (payable.length !== 1 || (payable[0] !== 0 && payable[0] !== 1)) throw codeError('bad payable flag');
    return {
      version,
      sourceHash: bin(f[0], 'source hash'),
      typeInfo: f[1] as RLP.NestedUint8Array,
      byteCode: bin(f[2], 'byte code'),
      compilerVersion: bin(f[3], 'compiler version'),
      payable: payable[0] === 1,
    };
  }
  if ((version === 1 && f.length === 3) || (version === 2 && f.length === 4)) {
    return {
      version,
      sourceHash: bin(f[0], 'source hash'),
      typeInfo: f[1] as RLP.NestedUint8Array,
      byteCode: bin(f[2], 'byte code'),
      compilerVersion: version === 2 ? bin(f[3], 'compiler version') : new TextEncoder().encode('unknown'),
      payable: true,
    };
  }
  throw codeError(`unsupported code object version ${version}`);
}

/** Serializes a contract-code object as version 3 (what the node stores). */
export function encodeContractCode(code: ContractCode): Uint8Array {
  // Booleans are the single bytes 00/01 (aeser_rlp), not RLP integers.
  return RLP.encode([70, 3, code.sourceHash, code.typeInfo, code.byteCode, code.compilerVersion, Uint8Array.of(code.payable ? 1 : 0)]);
}

function readOperandInt(r: ByteReader): number {
  const v = readValue(r, 0);
  if (typeof v !== 'bigint' || v > 0x7fffffffn || v < -0x7fffffffn) throw codeError('bad variable index');
  return Number(v);
}

function decodeInstructionsOf(r: ByteReader, end: number): Instruction[][] {
  const blocks: Instruction[][] = [];
  let current: Instruction[] = [];
  while (r.pos < end) {
    const b = r.byte();
    const op = OPCODE_BY_BYTE[b];
    if (op === undefined) throw codeError(`unknown opcode 0x${b.toString(16)}`);
    const n = op.args.length;
    const modes: number[] = [];
    if (n > 0) {
      if (n <= 4) {
        const m = r.byte();
        for (let i = 0; i < 4; i += 1) modes.push((m >> (2 * i)) & 3);
      } else {
        const hi = r.byte();
        const lo = r.byte();
        for (let i = 0; i < 4; i += 1) modes.push((lo >> (2 * i)) & 3);
        for (let i = 0; i < 4; i += 1) modes.push((hi >> (2 * i)) & 3);
      }
      for (let i = n; i < modes.length; i += 1) if (modes[i] !== 0) throw codeError('unused operand bits set');
    }
    const args: Operand[] = [];
    for (let i = 0; i < n; i += 1) {
      const m = modes[i]!;
      if (m === 0) args.push({ m: 0 });
      else if (m === 1) args.push({ m: 1, n: readOperandInt(r) });
      else if (m === 2) args.push({ m: 2, n: readOperandInt(r) });
      else args.push({ m: 3, v: readValue(r, 0) });
    }
    if (r.pos > end) throw codeError('instruction runs past the function');
    current.push({ op, args });
    if (op.endBB) {
      blocks.push(current);
      current = [];
    }
  }
  if (current.length > 0) throw codeError('the last basic block does not end with a jump or return');
  return blocks;
}

/**
 * Decodes FATE bytecode (`RLP(code) ‖ RLP(symbols) ‖ RLP(annotations)`).
 * @param bytes - the `byte_code` field of a code object
 * @returns functions with decoded basic blocks, symbols, annotations
 * @throws {FateError} `FATE_INVALID_CODE`
 */
export function decodeFateCode(bytes: Uint8Array): FateCode {
  try {
    const outer = new ByteReader(bytes);
    const codeBytes = outer.rlpBytes();
    const symBytes = outer.rlpBytes();
    const annBytes = outer.rlpBytes();
    if (!outer.done) throw codeError('trailing bytes after the annotations');
    const symbols = readMapStrict(symBytes, 'symbols');
    const annotations = readMapStrict(annBytes, 'annotations');
    const functions = new Map<string, FateFunction>();
    const r = new ByteReader(codeBytes);
    // Function boundaries: scan instruction by instruction, so 0xfe inside an immediate is not a boundary.
    let prevId: string | undefined;
    while (!r.done) {
      const start = r.pos;
      if (r.byte() !== 0xfe) throw codeError('code before the first function');
      const idBytes = r.take(4).slice();
      const id = bytesToHex(idBytes);
      if (prevId !== undefined && id <= prevId) throw codeError('functions not in ascending id order');
      prevId = id;
      const attrs = readValue(r, 0);
      if (typeof attrs !== 'bigint' || attrs < 0n || attrs > 3n) throw codeError('bad function attributes');
      const sig = readType(r);
      if (sig.t !== 'tuple') throw codeError('function arguments must be a tuple type');
      const ret = readType(r);
      // Find the end: decode until the next function marker at an instruction boundary.
      const bodyStart = r.pos;
      const end = scanFunctionEnd(r);
      r.pos = bodyStart;
      const blocks = decodeInstructionsOf(r, end);
      functions.set(id, {
        id,
        idBytes,
        private: (attrs & 1n) === 1n,
        payable: (attrs & 2n) === 2n,
        attributes: attrs,
        argTypes: sig.elems,
        returnType: ret,
        blocks,
        range: [start, end],
      });
    }
    return { functions, symbols, annotations, codeBytes, serialized: bytes };
  } catch (e) {
    if (e instanceof FateError && e.code === 'FATE_INVALID_VALUE') {
      throw new FateError('FATE_INVALID_CODE', `Invalid contract code: ${e.context['reason'] as string}.`, { cause: e, context: { reason: String(e.context['reason']) } });
    }
    throw e;
  }
}

function scanFunctionEnd(r: ByteReader): number {
  while (!r.done) {
    const at = r.pos;
    const b = r.buf[at]!;
    if (b === 0xfe) return at;
    r.pos += 1;
    const op = OPCODE_BY_BYTE[b];
    if (op === undefined) throw codeError(`unknown opcode 0x${b.toString(16)}`);
    const n = op.args.length;
    if (n === 0) continue;
    const modes: number[] = [];
    if (n <= 4) {
      const m = r.byte();
      for (let i = 0; i < n; i += 1) modes.push((m >> (2 * i)) & 3);
    } else {
      const hi = r.byte();
      const lo = r.byte();
      for (let i = 0; i < 4; i += 1) modes.push((lo >> (2 * i)) & 3);
      for (let i = 4; i < n; i += 1) modes.push((hi >> (2 * (i - 4))) & 3);
    }
    for (const m of modes) if (m !== 0) readValue(r, 0);
  }
  return r.pos;
}

function readMapStrict(bytes: Uint8Array, what: string): FateMap {
  const r = new ByteReader(bytes);
  const v = readValue(r, 0);
  if (!r.done || typeof v !== 'object' || v.kind !== 'map') throw codeError(`bad ${what}`);
  return v;
}

/** Serializes FATE code parts. */
export function encodeFateCode(codeBytes: Uint8Array, symbols: FateMap, annotations: FateMap): Uint8Array {
  const w = new ByteWriter();
  rlpBytes(w, codeBytes);
  rlpBytes(w, serializeValue(symbols));
  rlpBytes(w, serializeValue(annotations));
  return w.result();
}

/**
 * The FATE code with `init` (function and symbol) removed, as the node stores FATE_01
 * contracts (and the early-Iris node FATE_02 ones).
 */
export function stripInit(code: FateCode): Uint8Array {
  const init = code.functions.get(INIT_ID);
  if (init === undefined) return code.serialized;
  const [s, e] = init.range;
  const codeBytes = new Uint8Array(code.codeBytes.length - (e - s));
  codeBytes.set(code.codeBytes.subarray(0, s));
  codeBytes.set(code.codeBytes.subarray(e), s);
  const entries = new Map(code.symbols.entries);
  for (const [k, [key]] of code.symbols.entries) {
    if (typeof key === 'object' && key.kind === 'string' && bytesToHex(key.bytes) === INIT_ID) entries.delete(k);
  }
  const symbols: FateMap = entries.size === 0 ? EMPTY_MAP : { kind: 'map', entries };
  return encodeFateCode(codeBytes, symbols, code.annotations);
}

const codeCache = new WeakMap<Uint8Array, FateCode>();

/** {@link decodeFateCode} memoized on the identity of the byte array (pure: same bytes, same result). */
export function decodeFateCodeCached(bytes: Uint8Array): FateCode {
  let c = codeCache.get(bytes);
  if (c === undefined) {
    c = decodeFateCode(bytes);
    codeCache.set(bytes, c);
  }
  return c;
}
