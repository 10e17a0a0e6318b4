import { decode, encode, Tag, type Encoded } from '@aechannel/codec';
import { applyUpdates, callObjectToJson, contractToJson, createdContractId, treesFromBalances, type ChannelTrees } from '@aechannel/fate';
import { describe, expect, it } from 'vitest';
import { COUNTER, SCORES } from '../test/fixtures/contracts.js';
import { contractFunctionOf, decodeContractState, encodeCallData, sameAci, toContractCallResult, type ContractAci } from './contractAci.js';

const A = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS' as const;
const B = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W' as const;
const ctx = (round: bigint) => ({ round, reserve: 1n, rules: 'ceres' as const });

function create(trees: ChannelTrees, code: Encoded<'cb'>, callData: Encoded<'cb'>) {
  return applyUpdates(trees, [{ tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: A, ctVersion: (8n << 16n) | 3n, code: decode(code, 'cb'), deposit: 0n, callData: decode(callData, 'cb') }], ctx(2n));
}
function call(trees: ChannelTrees, contract: Encoded<'ct'>, callData: Encoded<'cb'>, round: bigint) {
  return applyUpdates(trees, [{ tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: A, contract, abiVersion: 3n, amount: 0n, gas: 1000000n, gasPrice: 1n, callData: decode(callData, 'cb'), callStack: [] }], ctx(round));
}
const storeOf = (trees: ChannelTrees, contract: Encoded<'ct'>) => {
  const pk = decode(contract, 'ct');
  return contractToJson(pk, trees.contracts.get(Buffer.from(pk).toString('hex'))!).contract_state;
};

describe('ACI call data and results', () => {
  it('encodes call data as the compiler does, and names the function a call data calls', () => {
    expect(encodeCallData(COUNTER.aci, 'init', [5n])).toBe('cb_KxFE1kQfGwphxkNE');
    expect(encodeCallData(COUNTER.aci, 'add', [3n])).toBe('cb_KxFLBQ6pGwYhkxi7');
    expect(contractFunctionOf(COUNTER.aci, 'cb_KxFLBQ6pGwYhkxi7')).toBe('add');
    expect(contractFunctionOf(COUNTER.aci, 'cb_KxFE1kQfGwphxkNE')).toBe('init');
    expect(contractFunctionOf(SCORES.aci, 'cb_KxFLBQ6pGwYhkxi7')).toBeNull();
    expect(() => encodeCallData(COUNTER.aci, 'add', ['x'])).toThrow(expect.objectContaining({ code: 'CHANNEL_INVALID_ARGUMENT' }));
    expect(() => encodeCallData(COUNTER.aci, 'nope', [])).toThrow(expect.objectContaining({ code: 'CHANNEL_INVALID_ARGUMENT' }));
  });

  it('decodes return values, events and revert messages with the ACI; messages without one', () => {
    const created = create(treesFromBalances({ [A]: 100n, [B]: 100n }), COUNTER.code, encodeCallData(COUNTER.aci, 'init', [5n]));
    const ct = createdContractId(A, 2n);
    const added = call(created.trees, ct, encodeCallData(COUNTER.aci, 'add', [3n]), 3n);
    const result = toContractCallResult(callObjectToJson(added.calls[0]!), COUNTER.aci, encodeCallData(COUNTER.aci, 'add', [3n]));
    expect(result).toMatchObject({ caller: A, round: 3n, contractId: ct, returnType: 'ok', function: 'add', value: 8n });
    expect(result.events).toEqual([expect.objectContaining({ address: ct, decoded: { Added: [3n] } })]);
    const reverted = call(created.trees, ct, encodeCallData(COUNTER.aci, 'add', [0n]), 3n);
    expect(toContractCallResult(callObjectToJson(reverted.calls[0]!))).toMatchObject({ returnType: 'revert', message: 'n must be positive' });
    const raw = toContractCallResult(callObjectToJson(added.calls[0]!));
    expect(raw.value).toBeUndefined();
    expect(raw.function).toBeUndefined();
  });
});

describe('decodeContractState', () => {
  it("reads a record state from its registers (Counter: value, owner)", () => {
    let trees = create(treesFromBalances({ [A]: 100n, [B]: 100n }), COUNTER.code, encodeCallData(COUNTER.aci, 'init', [5n])).trees;
    const ct = createdContractId(A, 2n);
    trees = call(trees, ct, encodeCallData(COUNTER.aci, 'add', [4n]), 3n).trees;
    expect(decodeContractState(COUNTER.aci, storeOf(trees, ct))).toEqual({ value: 9n, owner: A });
  });

  it('rebuilds a store map from its own store keys (Scores with many entries)', () => {
    let trees = create(treesFromBalances({ [A]: 100n, [B]: 100n }), SCORES.code, encodeCallData(SCORES.aci, 'init', [])).trees;
    const ct = createdContractId(A, 2n);
    const expected = new Map<string, bigint>();
    for (let i = 0; i < 12; i += 1) {
      const name = `player-number-${i}`;
      expected.set(name, BigInt(i * 7));
      trees = call(trees, ct, encodeCallData(SCORES.aci, 'set', [name, BigInt(i * 7)]), BigInt(3 + i)).trees;
    }
    const store = storeOf(trees, ct);
    // the map is big enough to be a store map: its register is a reference (bf ‖ id)
    const register2 = store[encode(Uint8Array.of(0, 2), 'ck')]!;
    expect(decode(register2 as Encoded<'cv'>, 'cv')[0]).toBe(0xbf);
    const state = decodeContractState(SCORES.aci, store) as { owner: string; scores: Map<string, bigint> };
    expect(state.owner).toBe(A);
    expect(state.scores).toEqual(expected);
  });

  it('a store map reference that is not exactly bf ‖ rlp(id) is a typed error', () => {
    let trees = create(treesFromBalances({ [A]: 100n, [B]: 100n }), SCORES.code, encodeCallData(SCORES.aci, 'init', [])).trees;
    const ct = createdContractId(A, 2n);
    for (let i = 0; i < 12; i += 1) trees = call(trees, ct, encodeCallData(SCORES.aci, 'set', [`player-number-${i}`, BigInt(i)]), BigInt(3 + i)).trees;
    const store = storeOf(trees, ct);
    const key = encode(Uint8Array.of(0, 2), 'ck');
    const reference = decode(store[key] as Encoded<'cv'>, 'cv');
    expect(reference[0]).toBe(0xbf);
    // the same id with a byte after it
    const trailing = { ...store, [key]: encode(Uint8Array.of(...reference, 0), 'cv') };
    expect(() => decodeContractState(SCORES.aci, trailing)).toThrow(expect.objectContaining({ code: 'CHANNEL_INVALID_ARGUMENT' }));
  });

  it('a store that does not fit the ACI is a typed error', () => {
    const trees = create(treesFromBalances({ [A]: 100n, [B]: 100n }), COUNTER.code, encodeCallData(COUNTER.aci, 'init', [5n])).trees;
    expect(() => decodeContractState(SCORES.aci, storeOf(trees, createdContractId(A, 2n)))).toThrow(expect.objectContaining({ code: 'CHANNEL_INVALID_ARGUMENT' }));
  });
});

describe('sameAci', () => {
  it('is true for equal JSON in any key order and false for any other value, shape or length', () => {
    const copy = JSON.parse(JSON.stringify(COUNTER.aci)) as ContractAci;
    expect(sameAci(COUNTER.aci, COUNTER.aci)).toBe(true);
    expect(sameAci(copy, COUNTER.aci)).toBe(true);
    const reordered = [{ contract: Object.fromEntries(Object.entries(copy[0]!['contract'] as object).reverse()) }];
    expect(sameAci(reordered, COUNTER.aci)).toBe(true);
    expect(sameAci(SCORES.aci, COUNTER.aci)).toBe(false);
    const renamed = [{ contract: { ...(copy[0]!['contract'] as object), name: 'Counter2' } }];
    expect(sameAci(renamed, COUNTER.aci)).toBe(false);
    const extraKey = [{ contract: { ...(copy[0]!['contract'] as object), extra: null } }];
    expect(sameAci(extraKey, COUNTER.aci)).toBe(false);
    expect(sameAci(COUNTER.aci, extraKey)).toBe(false);
    expect(sameAci([...COUNTER.aci, ...COUNTER.aci], COUNTER.aci)).toBe(false);
    expect(sameAci([{ contract: [] }], [{ contract: {} }])).toBe(false);
    expect(sameAci([{ n: 32 }], [{ n: 32n }])).toBe(false);
  });

  it('takes ACIs nested beyond 64 levels as different instead of recursing into them', () => {
    const deep = (levels: number): Record<string, unknown> => {
      let value: Record<string, unknown> = { leaf: true };
      for (let i = 0; i < levels; i += 1) value = { inner: value };
      return value;
    };
    expect(sameAci([deep(10)], [deep(10)])).toBe(true);
    expect(sameAci([deep(100_000)], [deep(100_000)])).toBe(false);
  });
});
