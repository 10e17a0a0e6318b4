/**
 * Generalized accounts on the VM: attaching the test auth contract (examples/contracts/
 * ga_auth.aes: the owner's Ed25519 signature over tx hash ++ nonce), running its auth
 * function with the node's outcomes, and the ops of the GA authentication context
 * (CONTRACTS.md §4.1 dispatch step 2, §4.3 `AUTH_TX_HASH`, `AUTH_TX`, `FEE`, §4.4 cells).
 */
import { readFileSync } from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { computeContractId, decode, encode, isAechannelError, Tag, unpackTx, type Encoded, type Tx } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { assemble, callData, type AsmFunction } from '../test/asm.js';
import { imm, st } from '../test/asm.js';
import { applyUpdate, createdContractId } from './channel.js';
import { emptyChain } from './chainView.js';
import { encodeCallData } from './aci.js';
import { execute } from './engine.js';
import { attachGaContract, runGaAuth, withContractStore } from './ga.js';
import { MODELS, traversalCost } from './gas.js';
import { OPCODE_BY_NAME } from './opcodes.js';
import { VmUnsupported } from './outcome.js';
import { authTxValue } from './opsAuth.js';
import { PMap } from './pmap.js';
import { deserializeValue, serializeValue } from './serialize.js';
import { emptyTrees, makeContractRecord, treesFromBalances, type ChannelTrees } from './trees.js';
import { T } from './types.js';
import { fObject, fSome, NONE, type FateValue } from './values.js';
import { errorOf } from '../test/errorOf.js';

const fixture = JSON.parse(readFileSync(new URL('../../../examples/contracts/ga_auth.json', import.meta.url), 'utf8')) as { bytecode: Encoded<'cb'>; aci: never };
const code = decode(fixture.bytecode, 'cb');
const nameHash = (name: string) => blake2b(new TextEncoder().encode(name), { dkLen: 32 });
const AUTHORIZE = nameHash('authorize');

const secretKey = new Uint8Array(32).fill(5);
const owner = encode(ed25519.getPublicKey(secretKey), 'ak');
const ctVersion = 0x80003n;

function attached(): { trees: ChannelTrees; contract: Encoded<'ct'> } {
  const r = attachGaContract(emptyTrees(), {
    owner, nonce: 1n, code, authFun: AUTHORIZE, ctVersion, callData: encodeCallData(fixture.aci, 'GaAuth', 'init', [owner]), gas: 50_000n, gasPrice: 1_000_000_000n,
  });
  expect(r.returnType).toBe('ok');
  return { trees: r.trees, contract: r.contract };
}

/** Auth data: authorize(n, sign(txHash ++ uint256(n))). */
function authData(txHash: Uint8Array, n: bigint, key = secretKey): Uint8Array {
  const message = new Uint8Array(64);
  message.set(txHash);
  for (let i = 0, x = n; i < 32; i += 1, x >>= 8n) message[63 - i] = Number(x & 0xffn);
  return encodeCallData(fixture.aci, 'GaAuth', 'authorize', [n, ed25519.sign(message, key)]);
}

const txHash = blake2b(new TextEncoder().encode('some tx'), { dkLen: 32 });
const auth = (trees: ChannelTrees, contract: Encoded<'ct'>, data: Uint8Array, over: Partial<Parameters<typeof runGaAuth>[0]> = {}) =>
  runGaAuth({ trees, gaId: owner, contract, authFun: AUTHORIZE, authData: data, abiVersion: 3n, gas: 50_000n, gasPrice: 1_000_000_000n, fee: 10n ** 14n, auth: { txHash }, ...over });

/** Runs an entrypoint of the GA contract outside any GA context (reads its state). */
function read(trees: ChannelTrees, contract: Encoded<'ct'>, fn: 'nonce' | 'owner'): FateValue {
  const r = execute({
    world: { accounts: trees.accounts, contracts: trees.contracts }, contract: decode(contract, 'ct'), caller: decode(owner, 'ak'), value: 0n, gas: 100_000,
    gasPrice: 1n, callData: encodeCallData(fixture.aci, 'GaAuth', fn, []), allowInit: false, rules: { consensus: 6 }, chain: emptyChain,
  });
  expect(r.type).toBe('ok');
  return deserializeValue(r.returnValue);
}

describe('attachGaContract (ga_attach, tag 80)', () => {
  it('creates the contract at blake2b(owner ++ nonce) and runs init on chain', () => {
    const { trees, contract } = attached();
    expect(contract).toBe(computeContractId(owner, 1n));
    expect(read(trees, contract, 'nonce')).toBe(1n);
    expect(read(trees, contract, 'owner')).toEqual(fObject('address', decode(owner, 'ak')));
  });

  it('refuses code without the auth function, an auth function not returning bool, and init data that is not init', () => {
    const base = { owner, nonce: 1n, code, ctVersion, callData: encodeCallData(fixture.aci, 'GaAuth', 'init', [owner]), gas: 50_000n, gasPrice: 1n };
    expect(() => attachGaContract(emptyTrees(), { ...base, authFun: nameHash('missing') })).toThrow(expect.objectContaining({ code: 'FATE_INVALID_ARGUMENT', context: expect.objectContaining({ reason: 'bad_function_hash' }) }));
    expect(() => attachGaContract(emptyTrees(), { ...base, authFun: nameHash('nonce') })).toThrow(expect.objectContaining({ context: expect.objectContaining({ reason: 'bad_auth_function_return_type' }) }));
    expect(() => attachGaContract(emptyTrees(), { ...base, authFun: AUTHORIZE, callData: encodeCallData(fixture.aci, 'GaAuth', 'nonce', []) })).toThrow(expect.objectContaining({ context: expect.objectContaining({ reason: 'bad_init_function' }) }));
    expect(() => attachGaContract(emptyTrees(), { ...base, authFun: AUTHORIZE, ctVersion: 0x30001n })).toThrow(expect.objectContaining({ code: 'FATE_WRONG_VM_VERSION' }));
  });

  it('reports a failing init without creating the contract', () => {
    const r = attachGaContract(emptyTrees(), {
      owner, nonce: 1n, code, authFun: AUTHORIZE, ctVersion, callData: encodeCallData(fixture.aci, 'GaAuth', 'init', [owner]), gas: 10n, gasPrice: 1n,
    });
    expect(r.returnType).toBe('error');
    expect(r.gasUsed).toBe(10n);
    expect(r.trees.contracts.size).toBe(0);
  });
});

describe('runGaAuth (the node\'s auth call)', () => {
  it('accepts the owner\'s signature over the tx hash and nonce; the store write (nonce + 1) comes back', () => {
    const { trees, contract } = attached();
    const r = auth(trees, contract, authData(txHash, 1n));
    expect(r).toMatchObject({ ok: true, returnType: 'ok' });
    expect(r.gasUsed).toBeGreaterThan(1300n); // at least VERIFY_SIG
    expect(read(r.trees, contract, 'nonce')).toBe(2n);
    // any larger nonce is fine too: the auth data must only never repeat on chain
    expect(auth(r.trees, contract, authData(txHash, 7n)).ok).toBe(true);
  });

  it('gives the node\'s reasons for a refused authorization', () => {
    const { trees, contract } = attached();
    const other = blake2b(new TextEncoder().encode('another tx'), { dkLen: 32 });
    expect(auth(trees, contract, authData(other, 1n))).toMatchObject({ ok: false, reason: 'authenticate_false', returnType: 'ok' });
    expect(auth(trees, contract, authData(txHash, 1n, new Uint8Array(32).fill(6)))).toMatchObject({ ok: false, reason: 'authenticate_false' });
    const used = auth(trees, contract, authData(txHash, 3n)).trees;
    const low = auth(used, contract, authData(txHash, 2n));
    expect(low).toMatchObject({ ok: false, reason: 'contract_error', returnType: 'revert' });
    expect(deserializeValue(low.returnValue)).toEqual(deserializeValue(serializeValue({ kind: 'string', bytes: new TextEncoder().encode('nonce too low') })));
    expect(low.trees).toBe(used);
    expect(auth(trees, contract, encodeCallData(fixture.aci, 'GaAuth', 'nonce', []))).toMatchObject({ ok: false, reason: 'wrong_auth_function', returnType: undefined });
    expect(auth(trees, contract, Uint8Array.of(1, 2, 3))).toMatchObject({ ok: false, reason: 'bad_auth_data' });
    expect(auth(trees, computeContractId(owner, 9n), authData(txHash, 1n))).toMatchObject({ ok: false, reason: 'no_contract' });
    expect(auth(trees, contract, authData(txHash, 1n), { abiVersion: 1n })).toMatchObject({ ok: false, reason: 'wrong_abi_version' });
    expect(auth(trees, contract, authData(txHash, 1n), { gas: 100n })).toMatchObject({ ok: false, reason: 'contract_error', returnType: 'error', gasUsed: 100n });
  });

  it('runs on another store when given one (the channel\'s copy of it)', () => {
    const { trees, contract } = attached();
    const snapshot = trees.contracts.get(bytesToHex(decode(contract, 'ct')))!.store;
    const moved = auth(trees, contract, authData(txHash, 5n)).trees; // on chain: nonce now 6
    expect(auth(moved, contract, authData(txHash, 5n)).ok).toBe(false);
    expect(auth(withContractStore(moved, contract, snapshot), contract, authData(txHash, 5n)).ok).toBe(true);
  });

  it('sees no auth context inside a channel: the same call reverts "not in auth context"', () => {
    const { trees, contract } = attached();
    const channel = { ...treesFromBalances({ [owner]: 1000n }), contracts: trees.contracts, accounts: trees.accounts.set(bytesToHex(decode(owner, 'ak')), { version: 1, nonce: 0n, balance: 1000n }) };
    const { calls } = applyUpdate(channel, {
      tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: owner, contract, abiVersion: 3n, amount: 0n, gas: 1_000_000n, gasPrice: 1n,
      callData: authData(txHash, 1n), callStack: [],
    }, { round: 2n, reserve: 1n });
    expect(calls[0]?.returnType).toBe('revert');
    expect(new TextDecoder().decode(calls[0]!.returnValue)).toContain('not in auth context');
  });
});

describe('the GA authentication context (ops)', () => {
  const CT = new Uint8Array(32).fill(0xc7);
  const CALLER = new Uint8Array(32).fill(0xa1);
  const world = (fns: AsmFunction[]) => {
    const rec = makeContractRecord({
      owner: CALLER, ownerIsContract: false, vm: 8, abi: 3, code: assemble(fns), codeRef: undefined, objectVersion: 2, active: true,
      referrers: [], deposit: 0n, store: PMap.from([['0000', Uint8Array.of(0x2f, 0x00)]]),
    });
    return { accounts: PMap.from([[bytesToHex(CT), { version: 1 as const, nonce: 0n, balance: 1000n }]]), contracts: PMap.from([[bytesToHex(CT), rec]]) };
  };
  const run = (fns: AsmFunction[], authCtx: { txHash: Uint8Array; tx?: Tx } | undefined, fee?: bigint) =>
    execute({
      world: world(fns), contract: CT, caller: CALLER, value: 0n, gas: 100_000, gasPrice: 1n, callData: callData('f'), allowInit: false,
      rules: { consensus: 6 }, chain: emptyChain, ...(authCtx === undefined ? {} : { auth: authCtx }), ...(fee === undefined ? {} : { fee }),
    });
  const one = (op: string): AsmFunction[] => [{ name: 'f', args: [], ret: T.any, code: [[op, st], ['RETURN']] }];
  const ceil = (m: number) => Math.ceil(m / 1000);
  const topReturn = (v: FateValue) => ceil(traversalCost(v, MODELS.simple)) + ceil(traversalCost(v, MODELS.final));
  const base = (op: string) => OPCODE_BY_NAME.get(op)!.gas;

  it('AUTH_TX_HASH is Some(hash) (4 cells) in GA authentication and None (3 cells) elsewhere', () => {
    const inAuth = run(one('AUTH_TX_HASH'), { txHash });
    const some = fSome({ kind: 'bytes', bytes: txHash });
    expect(deserializeValue(inAuth.returnValue)).toEqual(deserializeValue(serializeValue(some)));
    expect(inAuth.gasUsed).toBe(base('AUTH_TX_HASH') + 4 + 1 + base('RETURN') + topReturn(some));
    const outside = run(one('AUTH_TX_HASH'), undefined);
    expect(deserializeValue(outside.returnValue)).toEqual(NONE);
    expect(outside.gasUsed).toBe(base('AUTH_TX_HASH') + 3 + 1 + base('RETURN') + topReturn(NONE));
  });

  it('FEE is the meta tx fee in an authorization, 0 in a channel', () => {
    expect(deserializeValue(run(one('FEE'), { txHash }, 123n).returnValue)).toBe(123n);
    expect(deserializeValue(run(one('FEE'), undefined).returnValue)).toBe(0n);
  });

  it('refuses ops not allowed in GA authentication with the node\'s message', () => {
    const spend: AsmFunction[] = [{ name: 'f', args: [], ret: T.any, code: [['SPEND', imm(fObject('address', CALLER)), imm(1)], ['RETURNR', imm(true)]] }];
    const r = run(spend, { txHash });
    expect(r.type).toBe('error');
    expect(new TextDecoder().decode(r.returnValue)).toBe("Operation 'SPEND' not allowed in GA Authentication context");
    // the same op is fine in a channel
    expect(run(spend, undefined).type).toBe('ok');
  });

  it('AUTH_TX describes a channel create as Chain.tx, with the node\'s cells (85 for one tx, 14 more per GA meta)', () => {
    const initiator = encode(CALLER, 'ak');
    const responder = encode(new Uint8Array(32).fill(0xb2), 'ak');
    const create: Tx = {
      tag: Tag.ChannelCreateTx, version: 2, initiatorId: initiator, initiatorAmount: 100n, responderId: responder, responderAmount: 200n,
      channelReserve: 2n, lockPeriod: 10n, ttl: 5n, fee: 17n, initiatorDelegateIds: [], responderDelegateIds: [], stateHash: encode(new Uint8Array(32), 'st'), nonce: 0n,
    };
    const { value, cells } = authTxValue(create);
    expect(cells).toBe(85);
    expect(serializeValue(value)).toEqual(serializeValue({
      kind: 'tuple',
      elements: [NONE, { kind: 'list', length: 0, head: undefined, tail: undefined }, fObject('address', CALLER), 17n, 5n,
        { kind: 'variant', arities: [3, 0, 0, 0, 0, 0, 1, 1, 1, 2, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 2, 0], tag: 10, values: [fObject('address', decode(responder, 'ak'))] }],
    }));
    const r = run(one('AUTH_TX'), { txHash, tx: create });
    expect(r.type).toBe('ok');
    expect(r.gasUsed).toBe(base('AUTH_TX') + cells + 1 + base('RETURN') + topReturn(fSome(value)));
    // wrapped in the other participant's meta tx (the outer layer of two, on chain)
    const meta: Tx = {
      tag: Tag.GaMetaTx, version: 2, gaId: responder, authData: Uint8Array.of(1), abiVersion: 3n, fee: 9n, gas: 1n, gasPrice: 1n,
      tx: { tag: Tag.SignedTx, version: 1, signatures: [], encodedTx: create },
    };
    expect(authTxValue(meta).cells).toBe(85 + 14);
    const none = run(one('AUTH_TX'), { txHash });
    expect(none.gasUsed).toBe(base('AUTH_TX') + 8 + 1 + base('RETURN') + topReturn(NONE));
  });
});

describe('runGaAuth against the node (test/fixtures/ga-auth-vectors.json, scripts/ga-auth-vectors.mjs)', () => {
  const vectors = JSON.parse(readFileSync(new URL('../test/fixtures/ga-auth-vectors.json', import.meta.url), 'utf8')) as {
    owner: Encoded<'ak'>;
    contract: Encoded<'ct'>;
    cases: { name: string; auth_data: Encoded<'cb'>; tx_hash: string | null; gas: number; fee: number; expected: { gas_used: number; return_type: string; return_value: Encoded<'cb'> } }[];
  };
  // The node's harness created the contract in channel trees at round 2 (its store: owner, nonce 1).
  const created = applyUpdate(treesFromBalances({ [vectors.owner]: 1_000_000n }), {
    tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: vectors.owner, ctVersion: 0x80003n, code, deposit: 0n,
    callData: encodeCallData(fixture.aci, 'GaAuth', 'init', [vectors.owner]),
  }, { round: 2n, reserve: 0n }).trees;
  const hexBytes = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => Number.parseInt(b, 16)));

  it.each(vectors.cases.filter((c) => c.tx_hash !== null))('$name: the node\'s gas used, return type and value', (c) => {
    const r = runGaAuth({
      trees: created, gaId: vectors.owner, contract: vectors.contract, authFun: AUTHORIZE, authData: decode(c.auth_data, 'cb'), abiVersion: 3n,
      gas: BigInt(c.gas), gasPrice: 1_000_000_000n, fee: BigInt(c.fee), auth: { txHash: hexBytes(c.tx_hash!) },
    });
    expect({ gasUsed: Number(r.gasUsed), returnType: r.returnType, returnValue: encode(r.returnValue, 'cb') }).toEqual({
      gasUsed: c.expected.gas_used, returnType: c.expected.return_type, returnValue: c.expected.return_value,
    });
  });

  it('outside the GA context (no tx hash) the same call reverts with the node\'s gas', () => {
    const c = vectors.cases.find((x) => x.tx_hash === null)!;
    const r = execute({
      world: { accounts: created.accounts, contracts: created.contracts }, contract: decode(vectors.contract, 'ct'), caller: decode(vectors.owner, 'ak'), value: 0n,
      gas: c.gas, gasPrice: 1_000_000_000n, callData: decode(c.auth_data, 'cb'), allowInit: false, rules: { consensus: 6 }, chain: emptyChain, onChain: true,
    });
    expect({ gasUsed: r.gasUsed, returnType: r.type, returnValue: encode(r.returnValue, 'cb') }).toEqual({
      gasUsed: c.expected.gas_used, returnType: c.expected.return_type, returnValue: c.expected.return_value,
    });
  });

  it.each((JSON.parse(readFileSync(new URL('../test/fixtures/ga-auth-vectors.json', import.meta.url), 'utf8')) as { authTxCases: { name: string; ga_tx: string; gas_used: number; return_type: string; return_value: Encoded<'cb'> }[] }).authTxCases)(
    'Auth.tx of a $name: the node\'s value and gas',
    (c) => {
      const authTx = JSON.parse(readFileSync(new URL('../test/fixtures/ga-auth-vectors.json', import.meta.url), 'utf8')) as { authTxBytecode: Encoded<'cb'>; authTxAci: never };
      const trees = applyUpdate(created, {
        tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: vectors.owner, ctVersion: 0x80003n, code: decode(authTx.authTxBytecode, 'cb'), deposit: 0n,
        callData: encodeCallData(authTx.authTxAci, 'AuthTx', 'init', []),
      }, { round: 3n, reserve: 0n }).trees;
      const r = runGaAuth({
        trees, gaId: vectors.owner, contract: createdContractId(vectors.owner, 3n), authFun: nameHash('tx'), authData: encodeCallData(authTx.authTxAci, 'AuthTx', 'tx', []),
        abiVersion: 3n, gas: 50_000n, gasPrice: 1_000_000_000n, fee: 1n, auth: { txHash: Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 3 : 0)), tx: unpackTx(encode(hexBytes(c.ga_tx), 'tx')) },
      });
      expect({ gasUsed: Number(r.gasUsed), returnType: r.returnType, returnValue: encode(r.returnValue, 'cb') }).toEqual({ gasUsed: c.gas_used, returnType: c.return_type, returnValue: c.return_value });
    },
  );

  it('Auth.tx of a tx with ttl 0 is refused (the node crashes on the value)', () => {
    const create: Tx = {
      tag: Tag.ChannelCreateTx, version: 2, initiatorId: owner, initiatorAmount: 1n, responderId: owner, responderAmount: 1n, channelReserve: 1n, lockPeriod: 1n,
      ttl: 0n, fee: 1n, initiatorDelegateIds: [], responderDelegateIds: [], stateHash: encode(new Uint8Array(32), 'st'), nonce: 0n,
    };
    const authTx = JSON.parse(readFileSync(new URL('../test/fixtures/ga-auth-vectors.json', import.meta.url), 'utf8')) as { authTxBytecode: Encoded<'cb'>; authTxAci: never };
    const trees = applyUpdate(created, {
      tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: vectors.owner, ctVersion: 0x80003n, code: decode(authTx.authTxBytecode, 'cb'), deposit: 0n,
      callData: encodeCallData(authTx.authTxAci, 'AuthTx', 'init', []),
    }, { round: 3n, reserve: 0n }).trees;
    const run = (tx: Tx) => runGaAuth({
      trees, gaId: vectors.owner, contract: createdContractId(vectors.owner, 3n), authFun: nameHash('tx'), authData: encodeCallData(authTx.authTxAci, 'AuthTx', 'tx', []),
      abiVersion: 3n, gas: 50_000n, gasPrice: 1_000_000_000n, fee: 1n, auth: { txHash: new Uint8Array(32), tx },
    });
    // The same tx with a ttl runs: the refusal is the ttl's.
    expect(run({ ...create, ttl: 1n }).returnType).toBe('ok');
    const err = errorOf(() => run(create));
    expect(isAechannelError(err, 'FATE_UNSUPPORTED')).toBe(true);
    expect((err as { context?: unknown }).context).toEqual({ reason: 'operation', op: 'AUTH_TX' });
    expect(() => authTxValue(create)).toThrow(VmUnsupported);
  });
});
