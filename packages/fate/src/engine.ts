/**
 * The FATE engine (CONTRACTS.md §4.1, §4.2, §4.5): the machine state (accumulator stack,
 * memory, call stack with frames and markers), the dispatch loop (off-chain check, base
 * gas, handler), local and remote calls, protected calls, the top-level call and its
 * finalize. Instruction handlers live in `ops.ts`, dynamic gas in `gas.ts`, the contract
 * store in `stores.ts`.
 *
 * The machine is mutable while it runs (one object per top-level call); everything it
 * reads from outside (world state, chain view) is immutable, so a failed call simply
 * drops the machine and keeps the input.
 *
 * Calls, returns and failures follow the node's `aefa_fate`/`aefa_fate_op` step by step,
 * because the order decides gas and outcomes (checked case by case against fate-oracle,
 * `test/oracle-own/calls-*.json`):
 * - Each instruction is one step. A runtime error in a step unwinds from the state before
 *   that step (its base gas refunded) to the nearest protected return-type marker
 *   ({@link Machine.catchProtected}); the marker's `None` then returns normally.
 * - Whether a jump target exists is checked after the step, outside it: a jump to a
 *   missing block is never caught by a protected call.
 * - Entering a remote callee ({@link Machine.enterRemote}) happens inside the calling
 *   step; a protected call that fails there goes back to the state after its arguments
 *   were popped and pushes `None`, without unwinding.
 * - A return checks the value's type, runs a CREATE/CLONE continuation, releases held-back
 *   gas and unfolds store maps, in that order ({@link Machine.doReturn}).
 *
 * One file because calls, returns, unwinding and the top-level call share the frame layout
 * above and the machine's registers, and must change together.
 */
import { compareBytes, type Account } from '@aechannel/codec';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { createdContractPk } from './callObject.js';
import type { ChainView } from './chainView.js';
import { decodeContractCode, decodeFateCodeCached, INIT_ID, type FateCode, type FateFunction, type Instruction, type Operand } from './code.js';
import { OPCODE_BY_NAME } from './opcodes.js';
import { cellsCost, CODE_LOAD_GAS, containsStoreMap, MODELS, traversalCost, type TraversalModel } from './gas.js';
import { fail, P, typeError, VmError, VmInternal, VmOutOfGas, VmRevert, VmUnsupported, W, w } from './outcome.js';
import { E, fateToTerm, typeToTerm } from './term.js';
import { OPS } from './ops.js';
import type { GaAuthContext } from './opsAuth.js';
import { deserializeValue, serializeType, serializeValue } from './serialize.js';
import { finalizeStores, readRegister, storeMapView, unfoldValue, type StoreCaches } from './stores.js';
import { makeContractRecord, newContractStore, type ContractRecord } from './trees.js';
import { matchType, type FateType } from './types.js';
import { fObject, fSome, fString, fTypeRep, NONE, type FateObject, type FateValue } from './values.js';
import type { PMap } from './pmap.js';

/** Accounts and contracts as the VM sees and changes them. */
export interface World {
  readonly accounts: PMap<Account>;
  readonly contracts: PMap<ContractRecord>;
}

/** One event: contract, topics (32-byte words), data. */
export interface LogEntry {
  readonly address: Uint8Array;
  readonly topics: readonly Uint8Array[];
  readonly data: Uint8Array;
}

/** Version knobs of one execution. */
export interface EngineRules {
  /** Consensus protocol of the environment: 4 Lima, 5 Iris, 6 Ceres. */
  readonly consensus: number;
  /** Store FATE_02 contracts as contract object v1 (early-Iris node), also those made by CREATE/CLONE. */
  readonly contractObjectV1ForVm7?: boolean;
}

/** What a local and a remote frame both keep of the caller to resume it. */
interface CallFrame {
  readonly fn: FateFunction;
  readonly bb: number;
  readonly stack: FateValue[];
  /** Length of `stack` when the frame was pushed (the array grows again after a return). */
  readonly depth: number;
  readonly args: FateValue[];
  readonly vars: Map<number, FateValue>;
}

/**
 * The call stack holds frames and markers in the node's order. A remote call pushes the
 * caller's `remote` frame, a `gas` marker (the gas held back by a cap lower than the gas
 * left), for a CREATE/CLONE the `deploy` continuation, then the `check` marker (the return
 * type; a protected call's marker also keeps the stores and world to roll back to). A
 * return pops them from the top, so a deploy continuation runs in the callee's context,
 * under its gas cap.
 */
type Frame =
  | (CallFrame & { readonly k: 'local' })
  | (CallFrame & {
      readonly k: 'remote';
      readonly contract: Uint8Array;
      readonly code: FateCode;
      readonly vm: number;
      readonly caller: FateObject;
      readonly value: bigint;
      /** The caller's re-entrancy list. */
      readonly seen: readonly string[];
    })
  | { readonly k: 'gas'; readonly stored: number }
  | {
      /** After a CREATE/CLONE's init returns: turn `{}` into the new contract (or unput it on None). */
      readonly k: 'deploy';
      readonly contract: Uint8Array;
      readonly protected: boolean;
      readonly value: bigint;
      /** VM version of the new contract, the context the continuation runs in. */
      readonly vm: number;
    }
  | {
      readonly k: 'check';
      readonly type: FateType;
      readonly protected: boolean;
      readonly stores: StoreCaches;
      readonly world: World;
    };

/** Parameters of a top-level execution. */
export interface ExecuteParameters {
  readonly world: World;
  /** Contract public key. */
  readonly contract: Uint8Array;
  /** Calling account (also the origin). */
  readonly caller: Uint8Array;
  readonly value: bigint;
  readonly gas: number;
  readonly gasPrice: bigint;
  readonly callData: Uint8Array;
  /** Whether `init` may be called (contract creation). */
  readonly allowInit: boolean;
  readonly rules: EngineRules;
  readonly chain: ChainView;
  /** Code to run instead of the stored one (contract creation runs the code with `init`). */
  readonly code?: FateCode;
  /**
   * Runs as a GA authorization (`opsAuth.ts`): ops not allowed in GA authentication abort
   * instead of those not allowed off chain, and `Auth.tx_hash`/`Auth.tx` answer.
   */
  readonly auth?: GaAuthContext;
  /** Runs on chain (a GA attach's `init`): no off-chain check; ops this VM cannot run on chain are unsupported. */
  readonly onChain?: boolean;
  /** `Call.fee` (default 0, as in a channel). */
  readonly fee?: bigint;
}

/** What a top-level execution returns. */
export interface ExecutionResult {
  readonly type: 'ok' | 'revert' | 'error';
  /** FATE-serialized value (ok, revert) or the raw message (error). */
  readonly returnValue: Uint8Array;
  readonly gasUsed: number;
  /** Events in the node's order (last emitted first). */
  readonly logs: readonly LogEntry[];
  /** The world after the call (the input world unless ok). */
  readonly world: World;
  /**
   * Ok only: the contracts (hex) CREATE/CLONE put during the call, in order. The only
   * contracts of `world` the input world lacks are among them; some may have been rolled
   * back or unput since (look them up in `world`).
   */
  readonly created?: readonly string[];
  /** Set when the node would have raised an exception instead of returning a result. */
  readonly internal?: string;
  /** Set when the call reached an operation this VM does not implement. */
  readonly unsupported?: string;
}

const textEncoder = new TextEncoder();

/** The FATE version (1, 2, 3) of a VM version (5, 7, 8). */
export function fateVersionOf(vm: number): number {
  return vm >= 8 ? 3 : vm >= 7 ? 2 : 1;
}

/** The machine of one top-level call. */
export class Machine {
  gas: number;
  cells = 0;
  stack: FateValue[] = [];
  args: FateValue[] = [];
  vars = new Map<number, FateValue>();
  callStack: Frame[] = [];
  contract: Uint8Array;
  contractHex: string;
  code!: FateCode;
  fn!: FateFunction;
  bb = 0;
  pc = 0;
  vm = 8;
  fate = 3;
  caller: FateObject;
  value: bigint;
  logs: LogEntry[] = [];
  stores: StoreCaches;
  world: World;
  /** Contracts on the current call chain (re-entrancy check); replaced, never changed in place. */
  chainSeen: readonly string[] = [];
  codeCache = new Set<string>();
  /** Contracts (hex) put by CREATE/CLONE in this call, rolled back or not. */
  created: string[] = [];
  done = false;
  // The state before the current instruction, as far as unwinding needs it: after a runtime
  // error the node unwinds from the engine state before the failing instruction.
  /** Gas before the current instruction. */
  gasBefore = 0;
  /** Memory cells before the current instruction. */
  cellsBefore = 0;
  /** Top of the stack before the current instruction (undefined: the stack was empty). */
  accBefore: FateValue | undefined = undefined;
  /** Whether the stack held more than its top before the current instruction. */
  belowBefore = false;
  /** Call-stack depth before the current instruction. */
  depthBefore = 0;
  /** Frames the current instruction popped (a return), in the order popped. */
  popped: Frame[] = [];
  readonly consensus: number;
  readonly iris: boolean;
  readonly origin: Uint8Array;
  readonly gasPrice: bigint;
  readonly chain: ChainView;
  readonly objectV1ForVm7: boolean;
  /** The GA authentication this call runs in, if any. */
  readonly auth: GaAuthContext | undefined;
  readonly onChain: boolean;
  readonly fee: bigint;

  constructor(p: ExecuteParameters) {
    this.gas = p.gas;
    this.contract = p.contract;
    this.contractHex = bytesToHex(p.contract);
    this.caller = fObject('address', p.caller);
    this.origin = p.caller;
    this.value = p.value;
    this.world = p.world;
    this.stores = new Map();
    this.consensus = p.rules.consensus;
    this.iris = p.rules.consensus >= 5;
    this.gasPrice = p.gasPrice;
    this.chain = p.chain;
    this.objectV1ForVm7 = p.rules.contractObjectV1ForVm7 === true;
    this.auth = p.auth;
    this.onChain = p.onChain === true;
    this.fee = p.fee ?? 0n;
  }

  // ---- gas ---------------------------------------------------------------------------

  /** Spends gas; out of gas below zero. */
  spend(n: number): void {
    this.gas -= n;
    if (this.gas < 0) {
      this.gas = 0;
      throw new VmOutOfGas();
    }
  }

  /** Memory gas for `n` new cells. */
  cellsGas(n: number): void {
    const [cost, total] = cellsCost(this.cells, n, this.iris);
    this.cells = total;
    this.spend(cost);
  }

  /** Traversal gas of a value under a model (Iris+). */
  traverse(v: FateValue, m: TraversalModel, expand = false): void {
    if (!this.iris) return;
    const c = traversalCost(v, m, expand ? storeMapView(this, this.contractHex) : undefined);
    const total = this.gas * 1000 - c;
    if (total < 0) {
      this.gas = 0;
      throw new VmOutOfGas();
    }
    this.gas = Math.floor(total / 1000);
  }

  /**
   * "Unfold store maps": a simple pass on the value, then (if it holds store maps) a pass
   * with `model` and the maps expanded; returns the value with plain maps.
   */
  unfold(v: FateValue, model: TraversalModel): FateValue {
    this.traverse(v, MODELS.simple);
    if (!containsStoreMap(v)) return v;
    this.traverse(v, model, true);
    return unfoldValue(this, this.contractHex, v);
  }

  // ---- stack and memory --------------------------------------------------------------

  push(v: FateValue): void {
    this.stack.push(v);
    this.cellsGas(1);
  }

  /** The top of the stack as a return value (it stays in the accumulator: no cell released). */
  popReturn(): FateValue {
    const v = this.stack.pop();
    if (v === undefined) {
      if (this.iris) fail(`Stack overflow when pop:ing ${P(E.int(1))} elements`);
      throw new VmInternal('pop from an empty stack before Iris');
    }
    return v;
  }

  pop(): FateValue {
    const v = this.stack.pop();
    if (v === undefined) {
      if (this.iris) fail(`Stack overflow when pop:ing ${P(E.int(1))} elements`);
      // Lima's node reads the empty accumulator (`void`) and goes on with it.
      throw new VmUnsupported('a value taken from an empty stack before Iris');
    }
    this.cells -= 1;
    return v;
  }

  /**
   * Pops `n` values one by one (TUPLE, VARIANT: the node's `pop_n`), the first pushed
   * first in the result.
   */
  popN(n: number): FateValue[] {
    // Grown one pop at a time: a count larger than the stack ends at the empty stack's error
    // (the node's answer too, however large the count), never in a huge allocation.
    const out: FateValue[] = [];
    for (let i = 0; i < n; i += 1) out.push(this.pop());
    return out.reverse();
  }

  /** Reads an operand. */
  get(o: Operand): FateValue {
    switch (o.m) {
      case 0:
        return this.pop();
      case 1: {
        const v = this.args[o.n];
        if (v === undefined) fail(`Undefined var: ${P(E.tuple(E.atom('arg'), E.int(o.n)))}`);
        return v;
      }
      case 2: {
        if (o.n < 0) return readRegister(this, this.contractHex, -o.n);
        const v = this.vars.get(o.n);
        if (v === undefined) fail(`Undefined var: ${P(E.tuple(E.atom('var'), E.int(o.n)))}`);
        return v;
      }
      case 3:
        return o.v;
    }
  }

  /** Writes an operand. */
  put(o: Operand, v: FateValue): void {
    switch (o.m) {
      case 0:
        this.push(v);
        return;
      case 1:
        this.args[o.n] = v;
        return;
      case 2:
        if (o.n < 0) this.writeRegister(-o.n, v);
        else this.vars.set(o.n, v);
        return;
      case 3:
        throw new VmInternal('write to an immediate operand');
    }
  }

  writeRegister(n: number, v: FateValue): void {
    const cur = this.stores.get(this.contractHex);
    const regs = new Map(cur?.regs);
    regs.set(n, { v, dirty: true });
    const next = new Map(this.stores);
    next.set(this.contractHex, { regs, dirty: true });
    this.stores = next;
  }

  // ---- control -----------------------------------------------------------------------

  /**
   * Continues at basic block `bb`. Whether it exists is checked by the run loop before the
   * next instruction, outside the instruction's step, as the node does: a jump to a missing
   * block is an error no protected call catches.
   */
  jump(bb: number): void {
    this.bb = bb;
    this.pc = 0;
  }

  /**
   * Local call (CALL, CALL_T), in the node's order: the function (any operand that names no
   * function is an undefined function), its arguments, then the `init` check; push a
   * frame (not for a tail call) and enter the function at BB 0.
   */
  callLocal(fid: FateValue, tail: boolean): void {
    const id = typeof fid === 'object' && fid.kind === 'string' ? bytesToHex(fid.bytes) : undefined;
    const f = id === undefined ? undefined : this.code.functions.get(id);
    if (f === undefined) fail(`Trying to call undefined function: ${W(fateToTerm(fid))}`);
    const args = this.popArgs(f.argTypes.length, false);
    if (id === INIT_ID && this.fate >= 2) fail('Calling init is not allowed in this context');
    if (args === undefined) throw new VmUnsupported('an argument taken from an empty stack');
    if (!tail) {
      this.callStack.push({ k: 'local', fn: this.fn, bb: this.bb + 1, stack: this.stack, depth: this.stack.length, args: this.args, vars: this.vars });
      this.stack = [];
    }
    this.args = args;
    this.vars = new Map();
    this.fn = f;
    this.bb = 0;
    this.pc = 0;
  }

  /**
   * Pops the `n` arguments of a call (the top of the stack is argument 0), as the node's
   * `pop_args`: it takes up to `n` values from the accumulator and the stack (an empty
   * accumulator counts as one value, `void`), aborts from Iris on when fewer were there
   * and frees `n` cells. Before Iris a short stack gives fewer arguments. An argument list
   * holding `void` (not modelled here) is `undefined`.
   */
  popArgs(n: number, remote: boolean): FateValue[] | undefined {
    const len = this.stack.length;
    if (n > len) {
      if (len === 0 && (n === 1 || !this.iris)) {
        this.cells -= n;
        // A remote call's argument traversal crashes on `void` (a function_clause exception).
        if (remote) throw new VmInternal('remote call arguments taken from an empty stack');
        return undefined;
      }
      if (this.iris) fail(`Stack overflow when pop:ing ${P(E.int(n))} elements`);
    }
    const args: FateValue[] = [];
    for (let i = 0; i < Math.min(n, len); i += 1) args.push(this.stack.pop()!);
    this.cells -= n;
    return args;
  }

  /**
   * Remote call (CALL_R, CALL_GR, CALL_PGR; CREATE/CLONE's init with `deploy`), in the
   * node's order (`remote_call_common`): pop the arguments and unfold store maps in them;
   * then enter the callee (see {@link Machine.enterRemote}). A protected call that fails
   * while being entered (bad gas cap, re-entrancy, missing contract or function, payable,
   * signature or type mismatch, value) leaves no trace but the gas spent up to the
   * arguments: the state goes back to that point and `None` is pushed (one cell). For a
   * deploy the new contract is removed and the value goes back to the creator.
   */
  callRemote(
    target: FateValue,
    fnId: FateValue,
    argType: FateValue,
    retType: FateValue,
    value: FateValue,
    gasCap: FateValue | undefined,
    prot: boolean,
    deploy?: Extract<Frame, { k: 'deploy' }>,
  ): void {
    // The node's function head: anything else is a function_clause exception.
    if (typeof argType !== 'object' || argType.kind !== 'typerep' || argType.type.t !== 'tuple') throw new VmInternal('bad remote argument type');
    if (typeof retType !== 'object' || retType.kind !== 'typerep') throw new VmInternal('bad remote return type');
    let args = this.popArgs(argType.type.elems.length, true)!;
    // Unfold store maps in the arguments (charged on the list of args).
    const list = args.reduceRight<FateValue>((l, a) => ({ kind: 'list', length: (l as { length: number }).length + 1, head: a, tail: l as never }), { kind: 'list', length: 0, head: undefined, tail: undefined });
    this.traverse(list, MODELS.simple);
    if (args.some(containsStoreMap)) {
      this.traverse(list, MODELS.unfold, true);
      args = args.map((a) => unfoldValue(this, this.contractHex, a));
    }
    if (!prot) {
      this.enterRemote(target, fnId, argType.type, retType.type, value, gasCap, false, args, deploy);
      return;
    }
    const saved = {
      gas: this.gas, cells: this.cells, stack: this.stack, args: this.args, vars: this.vars, fn: this.fn, bb: this.bb, pc: this.pc,
      contract: this.contract, contractHex: this.contractHex, code: this.code, vm: this.vm, fate: this.fate, caller: this.caller,
      value: this.value, depth: this.callStack.length, world: this.world, stores: this.stores, logs: this.logs.length, seen: this.chainSeen,
      cached: [...this.codeCache],
    };
    try {
      this.enterRemote(target, fnId, argType.type, retType.type, value, gasCap, true, args, deploy);
    } catch (e) {
      // The node catches anything here, Erlang exceptions included; an operation this VM
      // refuses stays refused.
      if (e instanceof VmUnsupported) throw e;
      this.gas = saved.gas;
      this.cells = saved.cells;
      this.stack = saved.stack;
      this.args = saved.args;
      this.vars = saved.vars;
      this.fn = saved.fn;
      this.bb = saved.bb;
      this.pc = saved.pc;
      this.contract = saved.contract;
      this.contractHex = saved.contractHex;
      this.code = saved.code;
      this.vm = saved.vm;
      this.fate = saved.fate;
      this.caller = saved.caller;
      this.value = saved.value;
      this.callStack.length = saved.depth;
      this.world = saved.world;
      this.stores = saved.stores;
      this.logs.length = saved.logs;
      this.chainSeen = saved.seen;
      this.codeCache = new Set(saved.cached);
      if (deploy !== undefined) this.unputContract(deploy.contract, deploy.value, this.contract);
      this.push(NONE);
    }
  }

  /**
   * Enters a remote callee, in the node's order: the caller's frame, the gas cap, the
   * target's type and re-entrancy, the callee's code (loading it costs gas before its
   * existence is known), payable/private/init, arity and argument types, the deploy
   * continuation, the return-type marker (after the signature check against the declared
   * types), the arguments, the value.
   */
  private enterRemote(
    target: FateValue,
    fnId: FateValue,
    argType: Extract<FateType, { t: 'tuple' }>,
    retType: FateType,
    value: FateValue,
    gasCap: FateValue | undefined,
    prot: boolean,
    args: FateValue[],
    deploy: Extract<Frame, { k: 'deploy' }> | undefined,
  ): void {
    const from = this.contract;
    this.callStack.push({
      k: 'remote', fn: this.fn, bb: this.bb + 1, stack: this.stack, depth: this.stack.length, args: this.args, vars: this.vars,
      contract: this.contract, code: this.code, vm: this.vm, caller: this.caller, value: this.value, seen: this.chainSeen,
    });
    this.stack = [];
    if (gasCap !== undefined) {
      if (typeof gasCap !== 'bigint') typeError(gasCap, 'integer');
      if (gasCap <= 0n) fail(`Error in call: ${W(E.tuple(E.atom('bad_gas_cap'), fateToTerm(gasCap)))}`);
      if (gasCap < BigInt(this.gas)) {
        const cap = Number(gasCap);
        this.callStack.push({ k: 'gas', stored: this.gas - cap });
        this.gas = cap;
      }
    }
    if (typeof target !== 'object' || target.kind !== 'contract') typeError(target, 'contract');
    const calleeHex = bytesToHex(target.bytes);
    if (calleeHex === this.contractHex || this.chainSeen.includes(calleeHex)) fail('Reentrant call');
    this.chainSeen = [...this.chainSeen, this.contractHex];
    if (!this.codeCache.has(calleeHex) && this.iris) this.spend(CODE_LOAD_GAS);
    const rec = this.world.contracts.get(calleeHex);
    const code = rec === undefined ? undefined : this.loadCode(rec);
    if (rec === undefined || code === undefined || rec.abi !== 3 || rec.vm < 5) fail(`Trying to call invalid contract: ${w(E.bin(target.bytes))}`);
    this.codeCache.add(calleeHex);
    this.caller = fObject('address', from);
    this.contract = target.bytes;
    this.contractHex = calleeHex;
    this.code = code;
    this.vm = rec.vm;
    this.fate = fateVersionOf(rec.vm);
    const f = typeof fnId === 'object' && fnId.kind === 'string' ? code.functions.get(bytesToHex(fnId.bytes)) : undefined;
    if (f === undefined) fail(`Trying to call undefined function: ${W(fateToTerm(fnId))}`);
    // Erlang compares any non-number as greater than 0.
    if ((typeof value !== 'bigint' || value > 0n) && !f.payable) fail(`Function with hash ${W(fateToTerm(fnId))} is not payable`);
    if (f.private) fail(`Function with hash ${W(fateToTerm(fnId))} is private`);
    if (deploy === undefined && typeof fnId === 'object' && fnId.kind === 'string' && bytesToHex(fnId.bytes) === INIT_ID) fail('Calling init is not allowed in this context');
    this.fn = f;
    this.bb = 0;
    this.pc = 0;
    this.checkArgs(f, args);
    if (deploy !== undefined) this.callStack.push(deploy);
    if (!sameType({ t: 'tuple', elems: f.argTypes }, argType) || !sameType(f.returnType, retType)) {
      fail('Type of remote function does not match expected type');
    }
    this.callStack.push({ k: 'check', type: retType, protected: prot, stores: this.stores, world: this.world });
    this.args = args;
    this.vars = new Map();
    if (typeof value !== 'bigint') typeError(value, 'integer');
    if (value < 0n) fail(`Error in call: ${W(E.atom('negative_value'))}`);
    this.value = value;
    if (value > 0n) this.transfer(from, target.bytes, value, 'call');
  }

  /** The decoded FATE code of a contract (clones through their code_ref), or undefined if it does not decode. */
  loadCode(rec: ContractRecord): FateCode | undefined {
    try {
      let bytes = rec.code;
      if (rec.codeRef !== undefined) {
        const orig = this.world.contracts.get(bytesToHex(rec.codeRef));
        if (orig === undefined) return undefined;
        bytes = orig.code;
      }
      return decodeFateCodeCached(decodeContractCode(bytes).byteCode);
    } catch {
      return undefined;
    }
  }

  /** Moves coins between accounts (creating the recipient). */
  transfer(from: Uint8Array, to: Uint8Array, amount: bigint, what: string): void {
    const fh = bytesToHex(from);
    const th = bytesToHex(to);
    const src = this.world.accounts.get(fh);
    if (src === undefined || src.balance < amount) fail(`Error in ${W(E.atom(what))}: ${W(E.atom('insufficient_funds'))}`);
    let accounts = this.world.accounts.set(fh, { ...src, balance: src.balance - amount });
    const dst = accounts.get(th) ?? { version: 1 as const, nonce: 0n, balance: 0n };
    accounts = accounts.set(th, { ...dst, balance: dst.balance + amount });
    this.world = { ...this.world, accounts };
  }

  checkArgs(f: FateFunction, args: readonly FateValue[]): void {
    if (args.length !== f.argTypes.length) fail(`Expected ${P(E.int(f.argTypes.length))} arguments, got ${P(E.int(args.length))}`);
    const bindings = new Map<number, FateType>();
    const tuple: FateType = { t: 'tuple', elems: f.argTypes };
    const value: FateValue = { kind: 'tuple', elements: args };
    if (!matchType(tuple, value, this.fate >= 3, bindings)) {
      fail(`Type error on call: ${P(E.list(args.map(fateToTerm)))} is not of type ${P(E.list(f.argTypes.map(typeToTerm)))}`);
    }
  }

  /**
   * RETURN (the node's `pop_call_stack`): pops the call stack from the top. A return-type
   * marker checks the value, a deploy continuation turns it into the new contract, a gas
   * marker gives the held-back gas back, a frame resumes the caller (whether the return
   * block exists is checked by the run loop); an empty call stack ends the top-level call.
   * The frames popped are kept in {@link Machine.popped} for unwinding.
   */
  doReturn(value: FateValue): void {
    let v = value;
    for (;;) {
      const top = this.callStack.pop();
      if (top === undefined) {
        this.done = true;
        this.result = v;
        return;
      }
      this.popped.push(top);
      switch (top.k) {
        case 'check':
          v = this.checkReturn(top, v);
          break;
        case 'deploy':
          v = this.deployReturn(top, v);
          break;
        case 'gas':
          this.gas += top.stored;
          break;
        case 'local':
          this.resumeFrame(top, v);
          return;
        case 'remote':
          // Unfold store maps in the return value as the callee.
          v = this.unfold(v, MODELS.unfold);
          this.chainSeen = top.seen;
          this.contract = top.contract;
          this.contractHex = bytesToHex(top.contract);
          this.code = top.code;
          this.vm = top.vm;
          this.fate = fateVersionOf(top.vm);
          this.caller = top.caller;
          this.value = top.value;
          this.resumeFrame(top, v);
          return;
      }
    }
  }

  /** Continues the caller's function where it called, with the return value in its accumulator. */
  private resumeFrame(top: CallFrame, v: FateValue): void {
    this.fn = top.fn;
    this.stack = top.stack;
    this.stack.length = top.depth;
    this.args = top.args;
    this.vars = top.vars;
    this.bb = top.bb;
    this.pc = 0;
    // The return value stays in the accumulator: no new cell.
    this.stack.push(v);
  }

  result: FateValue | undefined;

  /**
   * A return-type marker: a simple traversal of the value, then the type check. Under a
   * protected call a mismatch (or running out of gas in the traversal) gives `None` from
   * the state before the check (the traversal refunded), stores and world rolled back;
   * otherwise `Some(value)`.
   */
  private checkReturn(top: Extract<Frame, { k: 'check' }>, v: FateValue): FateValue {
    if (!top.protected) {
      this.traverse(v, MODELS.simple);
      if (!matchType(top.type, v, this.fate >= 3)) fail(`Type error on return: ${P(v)} is not of type ${P(typeToTerm(top.type))}`);
      return v;
    }
    const gas = this.gas;
    try {
      this.traverse(v, MODELS.simple);
      if (matchType(top.type, v, this.fate >= 3)) return fSome(v);
    } catch (e) {
      if (!(e instanceof VmOutOfGas)) throw e;
    }
    this.gas = gas;
    this.stores = top.stores;
    this.world = top.world;
    return NONE;
  }

  /**
   * The CREATE/CLONE continuation after `init` returned (in the new contract's context):
   * it pops the value (`{}`, or `Some({})`/`None` when protected) and pushes the new
   * contract (`Some(contract)`), or, for `None`, removes the contract again. The value sent
   * with it stays in the new contract's account: the transfer back goes from the current
   * contract, which is the new one here, to itself.
   */
  private deployReturn(top: Extract<Frame, { k: 'deploy' }>, v: FateValue): FateValue {
    let out: FateValue;
    const contract = fObject('contract', top.contract);
    if (!top.protected) {
      if (!isUnit(v)) throw new VmInternal('CREATE continuation met a non-unit value');
      out = contract;
    } else if (typeof v === 'object' && v.kind === 'variant' && v.tag === 1 && v.values.length === 1 && isUnit(v.values[0]!)) {
      out = fSome(contract);
    } else if (typeof v === 'object' && v.kind === 'variant' && v.tag === 0) {
      this.unputContract(top.contract, top.value, top.contract);
      out = NONE;
    } else {
      throw new VmInternal('CREATE continuation met an unexpected value');
    }
    this.cells -= 1;
    this.cellsGas(1);
    return out;
  }

  /** Removes a contract made in this call and sends `value` from its account to `to`. */
  private unputContract(pk: Uint8Array, value: bigint, to: Uint8Array): void {
    const hex = bytesToHex(pk);
    this.world = { ...this.world, contracts: this.world.contracts.set(hex, undefined) };
    this.codeCache.delete(hex);
    if (value > 0n && bytesToHex(to) !== hex) {
      const src = this.world.accounts.get(hex);
      if (src === undefined || src.balance < value) throw new VmInternal('unput of a contract without its value');
      this.transfer(pk, to, value, 'call');
    }
  }

  /**
   * Unwinds after a runtime error as `aefa_fate:catch_protected` does, from the state
   * before the failing instruction: frames are popped from the top (a gas marker gives its
   * gas back; a frame restores the caller's stack under the current top of the stack) down
   * to the nearest protected return-type marker, which turns the failure into `None`
   * (stores and world rolled back to the marker; events stay) and returns normally from
   * there. Before FATE_03 a deploy continuation met on the way runs on the top of the
   * stack, which can itself fail (a new error from that point). Returns false when the
   * error reaches the top unchanged; the machine then stays as it was when the error was
   * raised (for the outcome's held-back gas).
   */
  catchProtected(): boolean {
    const popped = this.popped;
    const base = Math.min(this.callStack.length, this.depthBefore);
    const total = popped.length + base;
    const frameAt = (j: number): Frame => (j < popped.length ? popped[j]! : this.callStack[base - 1 - (j - popped.length)]!);
    /** The frames below position `j` as a call stack. */
    const below = (j: number): Frame[] =>
      j < popped.length ? [...this.callStack.slice(0, base), ...popped.slice(j + 1).reverse()] : this.callStack.slice(0, base - 1 - (j - popped.length));
    let gas = this.gasBefore;
    let cells = this.cellsBefore;
    let acc = this.accBefore;
    let beneath = this.belowBefore;
    for (let j = 0; j < total; j += 1) {
      const f = frameAt(j);
      switch (f.k) {
        case 'local':
        case 'remote':
          beneath = f.depth > 0;
          break;
        case 'gas':
          gas += f.stored;
          break;
        case 'check':
          if (!f.protected) break;
          this.callStack = below(j);
          this.popped = [];
          this.gas = gas;
          this.cells = cells;
          this.stores = f.stores;
          this.world = f.world;
          this.doReturn(NONE);
          return true;
        case 'deploy': {
          if (fateVersionOf(f.vm) >= 3) break;
          // Pop the top of the stack (it must be `{}`), push the contract.
          if (acc === undefined) {
            if (beneath || !this.iris) throw new VmInternal('CREATE continuation met an empty stack');
            this.callStack = below(j);
            fail(`Stack overflow when pop:ing ${P(E.int(1))} elements`);
          }
          if (!isUnit(acc)) throw new VmInternal('CREATE continuation met a non-unit value');
          const [cost, totalCells] = cellsCost(cells - 1, 1, this.iris);
          cells = totalCells;
          gas -= cost;
          if (gas < 0) {
            this.callStack = below(j);
            throw new VmOutOfGas();
          }
          acc = fObject('contract', f.contract);
          break;
        }
      }
    }
    return false;
  }

  /** CREATE / CLONE / CLONE_G (CONTRACTS.md §4.9). */
  deployContract(source: { code: Uint8Array } | { ref: Uint8Array }, initType: FateValue, value: FateValue, gasCap: FateValue | undefined, prot: FateValue): void {
    if (typeof prot !== 'boolean') typeError(prot, 'bool');
    if (typeof value !== 'bigint') throw new VmInternal('deploy value is not an integer');
    if ('code' in source) this.spend(source.code.length * 5);
    // put_contract: bump the creator's nonce, derive the key, store contract and account.
    const creator = this.world.accounts.get(this.contractHex);
    if (creator === undefined) throw new VmInternal('creating contract has no account');
    const nonce = creator.nonce + 1n;
    let accounts = this.world.accounts.set(this.contractHex, { ...creator, nonce });
    let vm = this.vm;
    let code: Uint8Array = new Uint8Array(0);
    let codeRef: Uint8Array | undefined;
    let payable: boolean;
    if ('ref' in source) {
      let ref = source.ref;
      let orig = this.world.contracts.get(bytesToHex(ref));
      for (let i = 0; orig?.codeRef !== undefined && i < 16; i += 1) {
        ref = orig.codeRef;
        orig = this.world.contracts.get(bytesToHex(ref));
      }
      if (orig === undefined) throw new VmInternal('clone of a missing contract');
      vm = orig.vm;
      codeRef = ref;
      const acc = accounts.get(bytesToHex(source.ref));
      payable = acc === undefined || !('flags' in acc) || (acc.flags & 1n) === 0n;
    } else {
      code = source.code;
      try {
        payable = decodeContractCode(code).payable;
      } catch {
        throw new VmInternal('CREATE with code that does not decode');
      }
    }
    const pk = createdContractPk(this.contract, nonce);
    const hex = bytesToHex(pk);
    const rec = makeContractRecord({
      owner: this.contract, ownerIsContract: false, vm, abi: 3, code, codeRef,
      objectVersion: vm >= 7 && !(vm === 7 && this.objectV1ForVm7) ? 2 : 1, active: true,
      referrers: [], deposit: 0n, store: newContractStore(),
    });
    const existing = accounts.get(hex);
    const flags = ((existing !== undefined && 'flags' in existing ? existing.flags : 0n) & ~1n) | (payable ? 0n : 1n);
    const nonceOf = existing?.nonce ?? 0n;
    const balance = existing?.balance ?? 0n;
    accounts = accounts.set(hex, flags === 0n ? { version: 1, nonce: nonceOf, balance } : { version: 3, flags, nonce: nonceOf, balance });
    this.world = { accounts, contracts: this.world.contracts.set(hex, rec) };
    this.created.push(hex);
    if (value < 0n) throw new VmInternal('negative value in deploy');
    const src = this.world.accounts.get(this.contractHex)!;
    if (src.balance < value) throw new VmInternal('insufficient funds in deploy');
    if (value > 0n) this.transfer(this.contract, pk, value, 'call');
    this.callRemote(
      fObject('contract', pk), fString(hexToBytes(INIT_ID)), initType, fTypeRep({ t: 'tuple', elems: [] }), 0n, gasCap, prot,
      { k: 'deploy', contract: pk, protected: prot, value, vm },
    );
  }

  /** Gas held back by caps on the call stack. */
  heldBackGas(): number {
    let g = 0;
    for (const f of this.callStack) if (f.k === 'gas') g += f.stored;
    return g;
  }

  // ---- the loop ----------------------------------------------------------------------

  /** Runs until the top-level call returns or an unprotected error. */
  run(): void {
    while (!this.done) {
      const block = this.fn.blocks[this.bb];
      if (block === undefined) fail(`Trying to jump to non existing bb: ${P(E.int(this.bb))}`);
      const ins: Instruction | undefined = block[this.pc];
      if (ins === undefined) throw new VmInternal('fell off a basic block');
      this.pc += 1;
      this.gasBefore = this.gas;
      this.cellsBefore = this.cells;
      const depth = this.stack.length;
      this.accBefore = depth > 0 ? this.stack[depth - 1] : undefined;
      this.belowBefore = depth > 1;
      this.depthBefore = this.callStack.length;
      if (this.popped.length > 0) this.popped = [];
      try {
        this.step(ins);
      } catch (e) {
        if ((e instanceof VmError || e instanceof VmRevert || e instanceof VmOutOfGas) && this.catchProtected()) continue;
        throw e;
      }
      if (ins.op.endBB && !this.done && this.pc !== 0) {
        // An end-BB op that did not transfer control (JUMPIF false): next block.
        this.bb += 1;
        this.pc = 0;
      }
    }
  }

  step(ins: Instruction): void {
    const op = ins.op;
    // Dispatch checks (CONTRACTS.md §4.1): off chain, then GA authentication (which runs on chain).
    if (this.auth !== undefined) {
      if (!op.inAuth) fail(`Operation ${P(E.atom(op.name))} not allowed in GA Authentication context`);
    } else if (!op.offChain) {
      if (this.onChain) throw new VmUnsupported(op.name);
      fail(`Operation ${P(E.atom(op.name))} not allowed off chain`);
    }
    this.spend(this.iris ? op.gas : op.limaGas);
    const gate = GATE_BY_BYTE[op.op];
    if (gate !== undefined && (op.onlyV1 === true ? this.fate >= 2 : op.vm > this.fate)) {
      fail(`Error in ${W(E.atom(gate))}: ${W(E.atom('not_supported'))}`);
    }
    const h = OPS[op.op];
    if (h === undefined) throw new VmInternal(`no handler for ${op.name}`);
    h(this, ins.args);
  }
}

/**
 * The ops whose handler checks the contract's FATE version, with the primop name the node's
 * `not_supported` error carries. Other ops newer than a contract's version run unchecked,
 * as in the node.
 */
const VERSION_GATED: Readonly<Record<string, string>> = {
  ADDRESS_TO_BYTES: 'addr_to_bytes', AENS_LOOKUP: 'aens_lookup', AENS_UPDATE: 'aens_update', AUTH_TX: 'auth_tx',
  ...Object.fromEntries(['G1_NEG', 'G1_NORM', 'G1_VALID', 'G1_IS_ZERO', 'G1_ADD', 'G1_MUL', 'G2_NEG', 'G2_NORM', 'G2_VALID', 'G2_IS_ZERO', 'G2_ADD',
    'G2_MUL', 'GT_INV', 'GT_ADD', 'GT_MUL', 'GT_POW', 'GT_IS_ONE', 'PAIRING', 'MILLER_LOOP', 'FINAL_EXP', 'INT_TO_FR', 'INT_TO_FP', 'FR_TO_INT',
    'FP_TO_INT'].map((n) => [`BLS12_381_${n}`, `bls12_381_${n.toLowerCase()}`])),
  BAND: 'bin_and', BNOT: 'bin_not', BOR: 'bin_or', BSL: 'bin_sl', BSR: 'bin_sr', BXOR: 'bin_xor',
  BYTECODE_HASH: 'bytecode_hash', BYTES_SIZE: 'bytes_size', BYTES_SPLIT_ANY: 'bytes_split_any',
  BYTES_TO_FIXED_SIZE: 'bytes_to_fixed_size', CALL_PGR: 'call_pgr', CLONE: 'clone', CLONE_G: 'clone_g', CREATE: 'create',
  FEE: 'fee', INT_TO_BYTES: 'int_to_bytes', LENGTH: 'length', MULMOD: 'mulmod', NETWORK_ID: 'network_id',
  ORACLE_EXPIRY: 'oracle_expiry', POSEIDON: 'poseidon', STR_TO_BYTES: 'str_to_bytes',
};

/**
 * {@link VERSION_GATED} by opcode byte, built once: the dispatch loop reads an array slot per
 * instruction instead of looking the mnemonic up in a record.
 */
const GATE_BY_BYTE: readonly (string | undefined)[] = (() => {
  const table = new Array<string | undefined>(256).fill(undefined);
  for (const [name, primop] of Object.entries(VERSION_GATED)) {
    const info = OPCODE_BY_NAME.get(name);
    if (info === undefined) throw new Error(`VERSION_GATED names an unknown opcode ${name}`);
    table[info.op] = primop;
  }
  return Object.freeze(table);
})();

function isUnit(v: FateValue): boolean {
  return typeof v === 'object' && v.kind === 'tuple' && v.elements.length === 0;
}

function sameType(a: FateType, b: FateType): boolean {
  return compareBytes(serializeType(a), serializeType(b)) === 0;
}

/**
 * Runs a top-level call (CONTRACTS.md §4.2) and returns its outcome. Never throws for
 * anything the contract does: every failure is an outcome.
 * @param p - the call
 * @returns the outcome with gas used, return value, logs and the new world
 */
export function execute(p: ExecuteParameters): ExecutionResult {
  const m = new Machine(p);
  const errorResult = (message: Uint8Array, gasLeft: number, internal?: string): ExecutionResult => ({
    type: 'error', returnValue: message, gasUsed: p.gas - gasLeft, logs: [], world: p.world, ...(internal === undefined ? {} : { internal }),
  });
  try {
    const rec = p.world.contracts.get(m.contractHex);
    if (rec === undefined) return errorResult(textEncoder.encode('unknown_contract'), 0, 'unknown_contract');
    const code = p.code ?? m.loadCode(rec);
    if (code === undefined) return errorResult(textEncoder.encode('Bad byte code'), 0, 'bad_code');
    m.code = code;
    m.vm = rec.vm;
    m.fate = fateVersionOf(rec.vm);
    m.codeCache.add(m.contractHex);
    let call: FateValue;
    try {
      call = deserializeValue(p.callData);
    } catch {
      return errorResult(textEncoder.encode('bad_call_data'), 0);
    }
    if (typeof call !== 'object' || call.kind !== 'tuple' || call.elements.length !== 2) return errorResult(textEncoder.encode('bad_call_data'), 0);
    const [fid, argTuple] = call.elements as [FateValue, FateValue];
    if (typeof fid !== 'object' || fid.kind !== 'string' || typeof argTuple !== 'object' || argTuple.kind !== 'tuple') {
      return errorResult(textEncoder.encode('bad_call_data'), 0);
    }
    const id = bytesToHex(fid.bytes);
    const f = code.functions.get(id);
    if (f === undefined) fail(`Trying to call undefined function: ${W(E.bin(fid.bytes))}`);
    if (p.value > 0n && !f.payable) fail(`Function with hash ${W(E.bin(fid.bytes))} is not payable`);
    if (f.private) fail(`Function with hash ${W(E.bin(fid.bytes))} is private`);
    if (id === INIT_ID && !p.allowInit) fail('Calling init is not allowed in this context');
    m.checkArgs(f, argTuple.elements);
    m.fn = f;
    m.args = [...argTuple.elements];
    m.run();
    // Top-level return: unfold, finalize, final traversal.
    let v = m.unfold(m.result!, MODELS.unfold);
    finalizeStores(m);
    m.traverse(v, MODELS.final);
    v = v as FateValue;
    return { type: 'ok', returnValue: serializeValue(v), gasUsed: p.gas - m.gas, logs: m.logs, world: m.world, created: m.created };
  } catch (e) {
    if (e instanceof VmRevert) return { type: 'revert', returnValue: e.message, gasUsed: p.gas - (m.gas + m.heldBackGas()), logs: [], world: p.world };
    if (e instanceof VmError || e instanceof VmOutOfGas) return errorResult(e.message, m.heldBackGas());
    if (e instanceof VmInternal) return errorResult(textEncoder.encode(e.reason), m.heldBackGas(), e.reason);
    if (e instanceof VmUnsupported) return { ...errorResult(textEncoder.encode(e.op), m.heldBackGas()), unsupported: e.op };
    // A bug in the VM must never escape: it becomes an internal outcome.
    return errorResult(textEncoder.encode('internal error'), m.heldBackGas(), `bug: ${e instanceof Error ? e.message : String(e)}`);
  }
}
