/**
 * Channel updates: the non-contract updates, the typed errors the node's rejections map to
 * (with their WebSocket codes), dry runs, purity (inputs unchanged), and the chain values a
 * run reports having read.
 */
import { readFileSync } from 'node:fs';
import { encode, Tag, type ChannelOffChainUpdateCallContract, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { assemble, callData, imm, st } from '../test/asm.js';
import { runScenario, type Scenario } from '../test/scenario.js';
import { applyUpdate, applyUpdates, createdContractId, dryRun } from './channel.js';
import { FateError } from './errors.js';
import { stateHash, treesBalances, treesFromBalances } from './trees.js';
import { T } from './types.js';
import { fObject, fTuple } from './values.js';

const I = 'ak_11111111111111111111111111111118qjnEr' as Encoded<'ak'>;
const R = 'ak_1111111111111111111111111111111Hrt6FG' as Encoded<'ak'>;
const ctx = (round: bigint) => ({ round, reserve: 10n });
const trees0 = treesFromBalances({ [I]: 1000n, [R]: 500n });

function err(f: () => unknown): FateError {
  try {
    f();
  } catch (e) {
    if (e instanceof FateError) return e;
    throw e;
  }
  throw new Error('no error');
}

const code = assemble([
  { name: 'init', args: [], ret: T.unit, code: [['RETURNR', imm(fTuple([]))]] },
  { name: 'env', args: [], ret: T.any, code: [['GENERATION', st], ['TIMESTAMP', st], ['ADD', st, st, st], ['RETURN']] },
  { name: 'bal', args: [], ret: T.any, code: [['BALANCE_OTHER', st, imm(fObject('address', new Uint8Array(32).fill(9)))], ['RETURN']] },
  { name: 'boom', payable: true, args: [], ret: T.any, code: [['EXIT', imm({ kind: 'string', bytes: new TextEncoder().encode('no') })]] },
]);
const create = (initData = callData('init')) =>
  applyUpdate(trees0, { tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: I, ctVersion: 0x80003n, code, deposit: 100n, callData: initData }, ctx(2n));
const ct = createdContractId(I, 2n);
const call = (fn: string, over: Partial<{ abiVersion: bigint; amount: bigint }> = {}): ChannelOffChainUpdateCallContract => ({
  tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: R, contract: ct, abiVersion: 3n, amount: 0n, gas: 1_000_000n,
  gasPrice: 1n, callData: callData(fn), callStack: [], ...over,
});

describe('applyUpdate', () => {
  it('transfer, deposit, withdraw and meta move balances and keep the rest', () => {
    const r = applyUpdates(trees0, [
      { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: I, to: R, amount: 100n },
      { tag: Tag.ChannelOffChainUpdateDeposit, version: 1, from: R, amount: 7n },
      { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: I, amount: 5n },
      { tag: Tag.ChannelOffChainUpdateMeta, version: 2, data: new Uint8Array(0) },
    ], ctx(2n));
    expect(treesBalances(r.trees)).toEqual({ [I]: 895n, [R]: 607n });
    expect(r.calls).toEqual([]);
  });

  it('refuses a debit below the reserve with FATE_INSUFFICIENT_BALANCE (WS 1001)', () => {
    const e = err(() => applyUpdate(trees0, { tag: Tag.ChannelOffChainUpdateWithdraw, version: 1, to: R, amount: 491n }, ctx(2n)));
    expect([e.code, e.wsCode]).toEqual(['FATE_INSUFFICIENT_BALANCE', 1001]);
  });

  it('creates a contract, debits the deposit, records the init call', () => {
    const r = create();
    expect(treesBalances(r.trees)[ct.replace('ct_', 'ak_') as Encoded<'ak'>]).toBe(100n);
    expect(r.calls[0]!.returnType).toBe('ok');
  });

  it('refuses a create whose calldata is not init with FATE_CONTRACT_INIT_FAILED (1007)', () => {
    const e = err(() => create(callData('env')));
    expect([e.code, e.wsCode]).toEqual(['FATE_CONTRACT_INIT_FAILED', 1007]);
  });

  it('refuses a call with another ABI (1019) and an unknown contract', () => {
    const { trees } = create();
    expect(err(() => applyUpdate(trees, call('env', { abiVersion: 1n }), ctx(3n))).wsCode).toBe(1019);
    expect(err(() => applyUpdate(trees0, call('env'), ctx(3n))).code).toBe('FATE_UNKNOWN_CONTRACT');
  });

  it('a failed call is a call object, and its amount goes back (Iris+)', () => {
    const { trees } = create();
    const r = applyUpdate(trees, call('boom', { amount: 5n }), ctx(3n));
    expect(r.calls[0]!.returnType).toBe('error');
    expect(new TextDecoder().decode(r.calls[0]!.returnValue)).toBe('no');
    expect(treesBalances(r.trees)[R]).toBe(500n);
  });

  it('reports the chain values a run read', () => {
    const { trees } = create();
    expect(applyUpdate(trees, call('env'), ctx(3n)).chainReads).toEqual(['height', 'timestamp']);
    expect(applyUpdate(trees, call('bal'), ctx(3n)).chainReads).toEqual([`balance:${encode(new Uint8Array(32).fill(9), 'ak')}`]);
  });

  it('dry runs and applies never change their input', () => {
    const { trees } = create();
    const before = stateHash(trees);
    dryRun(trees, call('env'), ctx(3n));
    applyUpdate(trees, call('env'), ctx(3n));
    expect(stateHash(trees)).toBe(before);
  });

  it('refuses exactly the calls whose new clone the early-Iris node cannot store (contract object v1): FATE_INTERNAL "v1 clone"', () => {
    const cloneFailures = (name: string): { node: number[]; ours: number[] } => {
      const vector = JSON.parse(readFileSync(new URL(`../test/vectors/contracts/${name}`, import.meta.url), 'utf8')) as {
        scenario: Scenario;
        result: { results: { error?: string }[] };
      };
      const ours = runScenario(vector.scenario).results;
      return {
        node: vector.result.results.flatMap((r, i) => (r.error === 'error:function_clause' ? [i] : [])),
        ours: ours.flatMap((r, i) => (r['error'] === 'FATE_INTERNAL' && (r['ctx'] as { reason?: string } | undefined)?.reason === 'v1 clone' ? [i] : [])),
      };
    };
    const early = cloneFailures('factory.early_iris.json');
    expect(early.ours.length).toBeGreaterThan(0);
    expect(early.ours).toEqual(early.node);
    expect(cloneFailures('factory.iris.json').ours).toEqual([]);
  });
});
