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
 */
import type { Account } from '@aechannel/codec';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ChainView } from './chainView.js';
import { decodeContractCode, decodeFateCodeCached, INIT_ID, type FateCode, type FateFunction, type Instruction, type Operand } from './code.js';
import { cellsCost, CODE_LOAD_GAS, containsStoreMap, MODELS, traversalCost, type TraversalModel } from './gas.js';
import { fail, P, VmError, VmInternal, VmOutOfGas, VmRevert, VmUnsupported, W, w } from './outcome.js';
import { E, fateToTerm, typeToTerm } from './term.js';
import { OPS } from './ops.js';
import type { GaAuthContext } from './opsAuth.js';
import { serializeValue, unsignedBytes } from './serialize.js';
import { finalizeStores, readRegister, storeMapView, unfoldValue, type StoreCaches } from './stores.js';
import type { ContractRecord } from './trees.js';
import { matchType, type FateType } from './types.js';
import { fObject, fSome, fString, fTypeRep, NONE, type FateObject, type FateValue } from './values.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { PMap as PMapClass, type PMap } from './pmap.js';
import { makeContractRecord } from './trees.js';

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

type Frame =
  | {
      readonly k: 'local';
      readonly fn: FateFunction;
      readonly bb: number;
      readonly stack: FateValue[];
      readonly args: FateValue[];
      readonly vars: Map<number, FateValue>;
    }
  | {
      readonly k: 'remote';
      readonly fn: FateFunction;
      readonly bb: number;
      readonly stack: FateValue[];
      readonly args: FateValue[];
      readonly vars: Map<number, FateValue>;
      readonly contract: Uint8Array;
      readonly code: FateCode;
      readonly vm: number;
      readonly caller: FateObject;
      readonly value: bigint;
    }
  | { readonly k: 'gas'; readonly stored: number }
  | {
      /** After a CREATE/CLONE's init returns: turn `{}` into the new contract (or unput it on None). */
      readonly k: 'deploy';
      readonly contract: Uint8Array;
      readonly protected: boolean;
      readonly value: bigint;
    }
  | {
      readonly k: 'check';
      readonly type: FateType;
      readonly protected: boolean;
      readonly stores: StoreCaches;
      readonly world: World;
      readonly logs: readonly LogEntry[];
      /** Depth of the call stack below this marker (for unwinding). */
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
  /** Contracts on the current call chain (re-entrancy check). */
  chainSeen: string[] = [];
  codeCache = new Set<string>();
  done = false;
  /** Gas before the current instruction (for protected unwinding). */
  gasBefore = 0;
  /** Call-stack depth when the current instruction started. */
  stepDepth = 0;
  /** Whether the current step is entering a remote callee (after its return-check marker). */
  entering = false;
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
      throw new VmInternal('pop from an empty stack before Iris');
    }
    this.cells -= 1;
    return v;
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

  jump(bb: number): void {
    if (bb < 0 || bb >= this.fn.blocks.length) fail(`Trying to jump to non existing bb: ${P(E.int(bb))}`);
    this.bb = bb;
    this.pc = 0;
  }

  function(id: string): FateFunction {
    const f = this.code.functions.get(id);
    if (f === undefined) fail(`Trying to call undefined function: ${W(E.bin(hexBytes(id)))}`);
    return f;
  }

  /** Local call: pop args, push a frame, enter `f` at BB 0. */
  callLocal(id: string, tail: boolean): void {
    const f = this.function(id);
    if (id === INIT_ID && this.fate >= 2) fail('Calling init is not allowed in this context');
    const args = this.popArgs(f.argTypes.length);
    if (!tail) {
      this.callStack.push({ k: 'local', fn: this.fn, bb: this.bb + 1, stack: this.stack, args: this.args, vars: this.vars });
      this.stack = [];
    }
    this.args = args;
    this.vars = new Map();
    this.fn = f;
    this.bb = 0;
    this.pc = 0;
  }

  popArgs(n: number): FateValue[] {
    if (n > this.stack.length) {
      if (this.iris) fail(`Stack overflow when pop:ing ${P(E.int(n))} elements`);
      throw new VmInternal('pop from an empty stack before Iris');
    }
    const args: FateValue[] = [];
    for (let i = 0; i < n; i += 1) args.push(this.stack.pop()!);
    this.cells -= n;
    return args;
  }

  /** Remote call (CALL_R, CALL_GR, CALL_PGR). */
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
    if (typeof target !== 'object' || target.kind !== 'contract') fail(`Trying to call invalid contract: ${w(target)}`);
    if (typeof argType !== 'object' || argType.kind !== 'typerep' || argType.type.t !== 'tuple') throw new VmInternal('bad remote argument type');
    if (typeof retType !== 'object' || retType.kind !== 'typerep') throw new VmInternal('bad remote return type');
    if (typeof fnId !== 'object' || fnId.kind !== 'string') throw new VmInternal('bad remote function id');
    const argTypes = argType.type.elems;
    let args = this.popArgs(argTypes.length);
    // Unfold store maps in the arguments (charged on the list of args).
    const list = args.reduceRight<FateValue>((l, a) => ({ kind: 'list', length: (l as { length: number }).length + 1, head: a, tail: l as never }), { kind: 'list', length: 0, head: undefined, tail: undefined });
    this.traverse(list, MODELS.simple);
    if (args.some(containsStoreMap)) {
      this.traverse(list, MODELS.unfold, true);
      args = args.map((a) => unfoldValue(this, this.contractHex, a));
    }
    if (deploy !== undefined) this.callStack.push(deploy);
    this.callStack.push({
      k: 'remote', fn: this.fn, bb: this.bb + 1, stack: this.stack, args: this.args, vars: this.vars,
      contract: this.contract, code: this.code, vm: this.vm, caller: this.caller, value: this.value,
    });
    this.chainSeen.push(this.contractHex);
    this.stack = [];
    if (gasCap !== undefined) {
      if (typeof gasCap !== 'bigint' || gasCap <= 0n) fail(`Error in call: ${W(E.tuple(E.atom('bad_gas_cap'), fateToTerm(gasCap)))}`);
      if (gasCap < BigInt(this.gas)) {
        const cap = Number(gasCap);
        this.callStack.push({ k: 'gas', stored: this.gas - cap });
        this.gas = cap;
      }
    }
    // The return-check marker comes before the callee is loaded and checked, so a protected
    // call turns those failures (and running out of its gas cap there) into None.
    this.callStack.push({ k: 'check', type: retType.type, protected: prot, stores: this.stores, world: this.world, logs: this.logs });
    // The node enters the callee in a step of its own: a failure from here on unwinds from
    // this state (the gas left now), so loading and checking the callee is refunded on failure.
    this.gasBefore = this.gas;
    this.stepDepth = this.callStack.length;
    this.entering = true;
    const calleeHex = bytesToHex(target.bytes);
    if (calleeHex === this.contractHex || this.chainSeen.includes(calleeHex)) fail('Reentrant call');
    const rec = this.world.contracts.get(calleeHex);
    const code = rec === undefined ? undefined : this.loadCode(rec);
    if (rec === undefined || code === undefined || rec.abi !== 3 || rec.vm < 5) fail(`Trying to call invalid contract: ${w(E.bin(target.bytes))}`);
    if (!this.codeCache.has(calleeHex)) {
      this.codeCache.add(calleeHex);
      if (this.iris) this.spend(CODE_LOAD_GAS);
    }
    const id = bytesToHex(fnId.bytes);
    const f = code.functions.get(id);
    if (f === undefined) fail(`Trying to call undefined function: ${W(E.bin(fnId.bytes))}`);
    // Erlang compares any non-number as greater than 0.
    if ((typeof value !== 'bigint' || value > 0n) && !f.payable) fail(`Function with hash ${W(E.bin(fnId.bytes))} is not payable`);
    if (f.private) fail(`Function with hash ${W(E.bin(fnId.bytes))} is private`);
    if (id === INIT_ID && deploy === undefined) fail('Calling init is not allowed in this context');
    if (args.length !== f.argTypes.length) fail(`Expected ${P(E.int(f.argTypes.length))} arguments, got ${P(E.int(args.length))}`);
    if (!sameType({ t: 'tuple', elems: f.argTypes }, argType.type) || !sameType(f.returnType, retType.type)) {
      fail('Type of remote function does not match expected type');
    }
    this.checkArgs(f, args);
    // Switch to the callee.
    const from = this.contract;
    this.caller = fObject('address', from);
    this.contract = target.bytes;
    this.contractHex = calleeHex;
    this.code = code;
    this.vm = rec.vm;
    this.fate = fateVersionOf(rec.vm);
    this.args = args;
    this.vars = new Map();
    this.fn = f;
    this.bb = 0;
    this.pc = 0;
    if (typeof value !== 'bigint') fail(`Type error on call: ${P(value)} is not of type ${P(E.atom('integer'))}`);
    this.value = value;
    if (value < 0n) fail(`Error in call: ${W(E.atom('negative_value'))}`);
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

  /** RETURN: pops the call stack; returns true when the top-level call has ended. */
  doReturn(value: FateValue): void {
    let v = value;
    for (;;) {
      const top = this.callStack.pop();
      if (top === undefined) {
        this.done = true;
        this.result = v;
        return;
      }
      switch (top.k) {
        case 'check': {
          this.traverse(v, MODELS.simple);
          const ok = matchType(top.type, v, this.fate >= 3);
          if (top.protected) {
            if (ok) v = fSome(v);
            else {
              this.stores = top.stores;
              this.world = top.world;
              this.logs = [...top.logs];
              v = NONE;
            }
          } else if (!ok) {
            fail(`Type error on return: ${P(v)} is not of type ${P(typeToTerm(top.type))}`);
          }
          break;
        }
        case 'gas':
          this.gas += top.stored;
          break;
        case 'local':
          this.fn = top.fn;
          this.stack = top.stack;
          this.args = top.args;
          this.vars = top.vars;
          this.bb = top.bb;
          this.pc = 0;
          if (this.bb >= this.fn.blocks.length) fail(`Trying to jump to non existing bb: ${P(E.int(this.bb))}`);
          // The return value stays in the accumulator: no new cell.
          this.stack.push(v);
          return;
        case 'remote': {
          // Unfold store maps in the return value as the callee.
          v = this.unfold(v, MODELS.unfold);
          this.chainSeen.pop();
          this.fn = top.fn;
          this.stack = top.stack;
          this.args = top.args;
          this.vars = top.vars;
          this.contract = top.contract;
          this.contractHex = bytesToHex(top.contract);
          this.code = top.code;
          this.vm = top.vm;
          this.fate = fateVersionOf(top.vm);
          this.caller = top.caller;
          this.value = top.value;
          this.bb = top.bb;
          this.pc = 0;
          if (this.bb >= this.fn.blocks.length) fail(`Trying to jump to non existing bb: ${P(E.int(this.bb))}`);
          this.stack.push(v);
          this.applyDeploy();
          return;
        }
        case 'deploy':
          throw new VmInternal('deploy continuation without a remote frame');
      }
    }
  }

  result: FateValue | undefined;

  /**
   * Unwinds after a runtime error, as `aefa_fate:catch_protected` does from the state before
   * the failing instruction: frames are popped down to the nearest protected marker, which
   * turns the failure into `None` (stores, world and logs rolled back). Before FATE_03 the
   * continuations met on the way are applied: held-back gas is released and a pending
   * CREATE/CLONE continuation pops the creator's stack, which can itself fail. Returns false
   * when the error reaches the top unchanged.
   */
  catchProtected(outOfGas = false): boolean {
    let idx = -1;
    for (let i = this.callStack.length - 1; i >= 0; i -= 1) {
      const f = this.callStack[i]!;
      if (f.k === 'check' && f.protected) {
        idx = i;
        break;
      }
    }
    if (idx < 0) {
      // Running out of gas applies no CREATE continuation (checked against the node).
      if (!outOfGas) this.unwindWithoutMarker();
      return false;
    }
    // From the state before the failing instruction (for a failure while the callee is being
    // entered, the state when its return-check marker was pushed).
    const entering = idx >= this.stepDepth - 1 && this.entering;
    if (idx < this.stepDepth) this.gas = this.gasBefore;
    let released = 0;
    let fate = this.fate;
    for (let i = this.callStack.length - 1; i > idx; i -= 1) {
      const f = this.callStack.pop()!;
      if (f.k === 'gas' && fate < 3) released += f.stored;
      if (f.k === 'remote' || f.k === 'local') {
        this.restoreFrame(f);
        fate = this.fate;
      }
      if (f.k === 'deploy' && fate < 3 && !outOfGas) this.deployOnUnwind(f, released);
    }
    const marker = this.callStack.pop() as Extract<Frame, { k: 'check' }>;
    this.stores = marker.stores;
    this.world = marker.world;
    this.logs = [...marker.logs];
    this.gas += released;
    // The frames below the marker: gas cap, then the caller's remote frame.
    this.doReturnValue(NONE, entering);
    return true;
  }

  /** With no protected marker, only a FATE_02 CREATE continuation can change the outcome. */
  private unwindWithoutMarker(): void {
    let fate = this.fate;
    let stack = this.stack;
    for (let i = this.callStack.length - 1; i >= 0; i -= 1) {
      const f = this.callStack[i]!;
      if (f.k === 'remote' || f.k === 'local') {
        stack = f.stack;
        if (f.k === 'remote') fate = fateVersionOf(f.vm);
      }
      if (f.k === 'deploy' && fate < 3) {
        const v = stack[stack.length - 1];
        if (v === undefined) {
          this.callStack.length = i;
          fail(`Stack overflow when pop:ing ${P(E.int(1))} elements`);
        }
        if (!(typeof v === 'object' && v.kind === 'tuple' && v.elements.length === 0)) throw new VmInternal('CREATE continuation met a non-unit value');
        stack = [...stack.slice(0, -1), fObject('contract', f.contract)];
      }
    }
  }

  private deployOnUnwind(f: Extract<Frame, { k: 'deploy' }>, released: number): void {
    const v = this.stack.pop();
    if (v === undefined) {
      this.gas += released;
      fail(`Stack overflow when pop:ing ${P(E.int(1))} elements`);
    }
    this.cells -= 1;
    if (!(typeof v === 'object' && v.kind === 'tuple' && v.elements.length === 0)) throw new VmInternal('CREATE continuation met a non-unit value');
    this.push(fObject('contract', f.contract));
  }

  private restoreFrame(f: Extract<Frame, { k: 'remote' | 'local' }>): void {
    this.fn = f.fn;
    this.stack = f.stack;
    this.args = f.args;
    this.vars = f.vars;
    this.bb = f.bb;
    this.pc = 0;
    if (f.k === 'remote') {
      this.chainSeen.pop();
      this.contract = f.contract;
      this.contractHex = bytesToHex(f.contract);
      this.code = f.code;
      this.vm = f.vm;
      this.fate = fateVersionOf(f.vm);
      this.caller = f.caller;
      this.value = f.value;
    }
  }

  private doReturnValue(v: FateValue, entering = false): void {
    for (;;) {
      const top = this.callStack.pop();
      if (top === undefined) throw new VmInternal('protected marker without a frame');
      if (top.k === 'gas') {
        this.gas += top.stored;
        continue;
      }
      if (top.k === 'deploy') throw new VmInternal('deploy continuation above a remote frame');
      if (top.k !== 'remote') throw new VmInternal('protected marker without a remote frame');
      // Popping the remote frame unfolds the return value (a simple traversal of None); a call
      // that failed while being entered costs one cell instead (checked against the node).
      if (entering) this.cellsGas(1);
      else this.traverse(v, MODELS.simple);
      this.chainSeen.pop();
      this.fn = top.fn;
      this.stack = top.stack;
      this.args = top.args;
      this.vars = top.vars;
      this.contract = top.contract;
      this.contractHex = bytesToHex(top.contract);
      this.code = top.code;
      this.vm = top.vm;
      this.fate = fateVersionOf(top.vm);
      this.caller = top.caller;
      this.value = top.value;
      this.bb = top.bb;
      this.pc = 0;
      this.stack.push(v);
      this.applyDeploy();
      return;
    }
  }

  /** If a CREATE/CLONE continuation is next on the call stack, apply it to the value on the stack. */
  private applyDeploy(): void {
    const top = this.callStack[this.callStack.length - 1];
    if (top === undefined || top.k !== 'deploy') return;
    this.callStack.pop();
    const v = this.pop();
    const contract = fObject('contract', top.contract);
    if (!top.protected) {
      this.push(contract);
      return;
    }
    if (typeof v === 'object' && v.kind === 'variant' && v.tag === 1) {
      this.push(fSome(contract));
      return;
    }
    // Protected init failed: remove the contract (its account stays) and return the value.
    const hex = bytesToHex(top.contract);
    this.world = { ...this.world, contracts: this.world.contracts.set(hex, undefined) };
    if (top.value > 0n) this.transfer(top.contract, this.contract, top.value, 'call');
    this.push(NONE);
  }

  /** CREATE / CLONE / CLONE_G (CONTRACTS.md §4.9). */
  deployContract(source: { code: Uint8Array } | { ref: Uint8Array }, initType: FateValue, value: FateValue, gasCap: FateValue | undefined, prot: FateValue): void {
    if (typeof prot !== 'boolean') fail(`Type error on call: ${P(prot)} is not of type ${P(E.atom('bool'))}`);
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
    const n = unsignedBytes(nonce);
    const input = new Uint8Array(32 + n.length);
    input.set(this.contract);
    input.set(n, 32);
    const pk = blake2b(input, { dkLen: 32 });
    const hex = bytesToHex(pk);
    const rec = makeContractRecord({
      owner: this.contract, ownerIsContract: false, vm, abi: 3, code, codeRef,
      objectVersion: vm >= 7 && !(vm === 7 && this.objectV1ForVm7) ? 2 : 1, active: true,
      referrers: [], deposit: 0n, store: PMapOf([['0000', Uint8Array.of(0x2f, 0x00)]]),
    });
    const existing = accounts.get(hex);
    const flags = ((existing !== undefined && 'flags' in existing ? existing.flags : 0n) & ~1n) | (payable ? 0n : 1n);
    const nonceOf = existing?.nonce ?? 0n;
    const balance = existing?.balance ?? 0n;
    accounts = accounts.set(hex, flags === 0n ? { version: 1, nonce: nonceOf, balance } : { version: 3, flags, nonce: nonceOf, balance });
    this.world = { accounts, contracts: this.world.contracts.set(hex, rec) };
    if (value < 0n) throw new VmInternal('negative value in deploy');
    const src = this.world.accounts.get(this.contractHex)!;
    if (src.balance < value) throw new VmInternal('insufficient funds in deploy');
    if (value > 0n) this.transfer(this.contract, pk, value, 'call');
    this.callRemote(
      fObject('contract', pk), fString(hexBytes(INIT_ID)), initType, fTypeRep({ t: 'tuple', elems: [] }), 0n, gasCap, prot,
      { k: 'deploy', contract: pk, protected: prot, value },
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
      this.stepDepth = this.callStack.length;
      this.entering = false;
      try {
        this.step(ins);
      } catch (e) {
        if ((e instanceof VmError || e instanceof VmRevert || e instanceof VmOutOfGas) && this.catchProtected(e instanceof VmOutOfGas)) continue;
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
    const gate = VERSION_GATED[op.name];
    if (gate !== undefined && (op.onlyV1 === true ? this.fate >= 2 : op.vm > this.fate)) {
      fail(`Error in ${W(E.atom(gate))}: ${W(E.atom('not_supported'))}`);
    }
    const h = OPS[op.op];
    if (h === undefined) throw new VmInternal(`no handler for ${op.name}`);
    h(this, ins.args);
  }
}

function PMapOf(entries: [string, Uint8Array][]): PMap<Uint8Array> {
  return PMapClass.from(entries);
}

/**
 * The ops whose handler checks the contract's FATE version, with the primop name the node's
 * `not_supported` error carries. Other ops newer than a contract's version run unchecked,
 * as in the node.
 */
const VERSION_GATED: Readonly<Record<string, string>> = {
  ADDRESS_TO_BYTES: 'addr_to_bytes', AENS_LOOKUP: 'aens_lookup', AENS_UPDATE: 'aens_update', AUTH_TX: 'auth_tx',
  BAND: 'bin_and', BNOT: 'bin_not', BOR: 'bin_or', BSL: 'bin_sl', BSR: 'bin_sr', BXOR: 'bin_xor',
  BYTECODE_HASH: 'bytecode_hash', BYTES_SIZE: 'bytes_size', BYTES_SPLIT_ANY: 'bytes_split_any',
  BYTES_TO_FIXED_SIZE: 'bytes_to_fixed_size', CALL_PGR: 'call_pgr', CLONE: 'clone', CLONE_G: 'clone_g', CREATE: 'create',
  FEE: 'fee', INT_TO_BYTES: 'int_to_bytes', LENGTH: 'length', MULMOD: 'mulmod', NETWORK_ID: 'network_id',
  ORACLE_EXPIRY: 'oracle_expiry', POSEIDON: 'poseidon', STR_TO_BYTES: 'str_to_bytes',
};

function hexBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function sameType(a: FateType, b: FateType): boolean {
  return bytesToHex(serializeTypeBytes(a)) === bytesToHex(serializeTypeBytes(b));
}

function serializeTypeBytes(t: FateType): Uint8Array {
  return serializeValue({ kind: 'typerep', type: t });
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
      call = deserializeCallData(p.callData);
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
    return { type: 'ok', returnValue: serializeValue(v), gasUsed: p.gas - m.gas, logs: m.logs, world: m.world };
  } catch (e) {
    if (e instanceof VmRevert) return { type: 'revert', returnValue: e.message, gasUsed: p.gas - (m.gas + m.heldBackGas()), logs: [], world: p.world };
    if (e instanceof VmError || e instanceof VmOutOfGas) return errorResult(e.message, m.heldBackGas());
    if (e instanceof VmInternal) return errorResult(textEncoder.encode(e.reason), m.heldBackGas(), e.reason);
    if (e instanceof VmUnsupported) return { ...errorResult(textEncoder.encode(e.op), m.heldBackGas()), unsupported: e.op };
    // A bug in the VM must never escape: it becomes an internal outcome.
    return errorResult(textEncoder.encode('internal error'), m.heldBackGas(), `bug: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function deserializeCallData(bytes: Uint8Array): FateValue {
  // Local import to keep the top of the file readable.
  return deserialize(bytes);
}

import { deserializeValue as deserialize } from './serialize.js';

/** Revert with a FATE string message (ABORT). */
export function revert(message: FateValue): never {
  throw new VmRevert(serializeValue(message));
}

export { fString };
