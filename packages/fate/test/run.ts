/**
 * Runs assembled code directly on the engine (test helper): one contract in a world with
 * two accounts, a given store, rules and chain view.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { emptyChain, type ChainView } from '../src/chainView.js';
import { execute, type ExecutionResult } from '../src/engine.js';
import { PMap } from '../src/pmap.js';
import { serializeValue } from '../src/serialize.js';
import { makeContractRecord } from '../src/trees.js';
import type { FateValue } from '../src/values.js';
import { assemble, callData, type AsmFunction } from './asm.js';

/** Contract key used by {@link runCode}. */
export const CT = new Uint8Array(32).fill(0xc7);
/** Caller key used by {@link runCode}. */
export const CALLER = new Uint8Array(32).fill(0xa1);

/** Options of {@link runCode}. */
export interface RunOptions {
  consensus?: number;
  vm?: number;
  value?: bigint;
  gas?: number;
  registers?: Record<number, FateValue>;
  balance?: bigint;
  chain?: ChainView;
  code?: Uint8Array;
}

/** Assembles `fns`, stores them as contract {@link CT} and calls `name(args)`. */
export function runCode(fns: AsmFunction[], name: string, args: FateValue[] = [], o: RunOptions = {}): ExecutionResult {
  const code = o.code ?? assemble(fns);
  const store = new Map<string, Uint8Array>([['0000', Uint8Array.of(0x2f, 0x00)]]);
  for (const [n, v] of Object.entries(o.registers ?? {})) store.set(`00${Number(n).toString(16).padStart(2, '0')}`, serializeValue(v));
  const rec = makeContractRecord({
    owner: CALLER, ownerIsContract: false, vm: o.vm ?? 8, abi: 3, code, codeRef: undefined, objectVersion: 2, active: true,
    referrers: [], deposit: 0n, store: PMap.from(store),
  });
  const world = {
    accounts: PMap.from([
      [bytesToHex(CT), { version: 1 as const, nonce: 0n, balance: o.balance ?? 1000n }],
      [bytesToHex(CALLER), { version: 1 as const, nonce: 0n, balance: 10n ** 18n }],
    ]),
    contracts: PMap.from([[bytesToHex(CT), rec]]),
  };
  return execute({
    world, contract: CT, caller: CALLER, value: o.value ?? 0n, gas: o.gas ?? 1_000_000, gasPrice: 1n, callData: callData(name, args),
    allowInit: false, rules: { consensus: o.consensus ?? 6 }, chain: o.chain ?? emptyChain,
  });
}
