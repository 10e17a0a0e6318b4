import { authId, buildSignedTx, computeChannelId, computeStateHash, decode, decodeSignedTx, isAechannelError, serializeObject, Tag, unwrapSignedTx, type ChannelOffChainUpdateCallContract, type Encoded, type Tx } from '@aechannel/codec';
import { applyUpdates, createdContractId, packTrees, stateHash, treesBalances, treesFromBalances, treesFromStateTrees } from '@aechannel/fate';
import type { PersistedChannel } from '@aechannel/fsm';
import { gaSigner, keyPairFromSeed, memorySigner, type KeyPair } from '@aechannel/signer';
import { describe, expect, it } from 'vitest';
import { COUNTER } from '../test/fixtures/contracts.js';
import { encodeCallData } from './contractAci.js';
import { verifyChannelRecord } from './verifyChannelRecord.js';

const initiator = keyPairFromSeed(new Uint8Array(32).fill(1));
const responder = keyPairFromSeed(new Uint8Array(32).fill(2));
const third = keyPairFromSeed(new Uint8Array(32).fill(3));
const networkId = 'ae_devnet';
const balances = { [initiator.address]: 700n, [responder.address]: 300n } as Record<Encoded<'ak'>, bigint>;

/** A record right after open: the latest state is the co-signed create tx (round 1). */
async function opened(): Promise<PersistedChannel> {
  const create = {
    tag: Tag.ChannelCreateTx,
    version: 1,
    initiatorId: initiator.address,
    initiatorAmount: 700n,
    responderId: responder.address,
    responderAmount: 300n,
    channelReserve: 1n,
    lockPeriod: 10n,
    ttl: 0n,
    fee: 17640000000000n,
    delegateIds: [],
    stateHash: computeStateHash(balances),
    nonce: 7n,
  } as Tx;
  let tx = buildSignedTx(serializeObject(create), []);
  for (const key of [initiator, responder]) tx = await memorySigner(key.secretKey).signTransaction(tx, { networkId });
  return {
    options: { role: 'initiator', initiatorId: initiator.address, responderId: responder.address, initiatorAmount: 700n, responderAmount: 300n, channelReserve: 1n, lockPeriod: 10n, port: 1, host: 'h', networkId },
    channelId: computeChannelId(initiator.address, 7n, responder.address),
    fsmId: null,
    latestState: tx,
    round: 1n,
    balances: { ...balances },
    onChainRound: 1n,
    ownNonces: { signed: 7n, onChain: 7n },
  };
}

async function reasonOf(channel: PersistedChannel): Promise<string> {
  const error = await verifyChannelRecord(channel, 'k').then(
    () => null,
    (e: unknown) => e,
  );
  expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT')).toBe(true);
  expect((error as { context: { key: string } }).context.key).toBe('k');
  return (error as { context: { reason: string } }).context.reason;
}

describe('verifyChannelRecord on a record whose latest state is the create tx', () => {
  it('accepts the genuine record (either role)', async () => {
    const record = await opened();
    await expect(verifyChannelRecord(record)).resolves.toBeUndefined();
    await expect(verifyChannelRecord({ ...record, options: { ...record.options, role: 'responder' } })).resolves.toBeUndefined();
  });

  it('refuses a channel id that is not derived from the create tx', async () => {
    const record = await opened();
    expect(await reasonOf({ ...record, channelId: computeChannelId(initiator.address, 8n, responder.address) })).toMatch(/channel id/);
  });

  it('refuses parties other than those of the create tx', async () => {
    const record = await opened();
    const forged = { ...record, options: { ...record.options, responderId: third.address }, balances: { [initiator.address]: 700n, [third.address]: 300n } as Record<Encoded<'ak'>, bigint> };
    expect(await reasonOf(forged)).toMatch(/parties/);
  });

  it('refuses an on-chain round other than the round of an on-chain latest state', async () => {
    const record = await opened();
    expect(await reasonOf({ ...record, onChainRound: 0n })).toMatch(/on-chain round/);
  });

  it('refuses a record without a co-signed state, or with a state signed once', async () => {
    const record = await opened();
    expect(await reasonOf({ ...record, latestState: null })).toMatch(/no co-signed state/);
    const once = await memorySigner(initiator.secretKey).signTransaction(buildSignedTx(decodeSignedTx(record.latestState!).innerBytes, []), { networkId });
    expect(await reasonOf({ ...record, latestState: once })).toMatch(/signature/);
  });
});

describe('verifyChannelRecord on a record of a channel not created yet: the create tx it signed (issue 14)', () => {
  /** The record right after this client signed the create tx (round 0, no co-signed state). */
  async function signedCreate(role: 'initiator' | 'responder', signers = role === 'initiator' ? [initiator] : [initiator, responder], signNetwork = networkId): Promise<PersistedChannel> {
    const record = await opened();
    let tx = buildSignedTx(decodeSignedTx(record.latestState!).innerBytes, []);
    for (const key of signers) tx = await memorySigner(key.secretKey).signTransaction(tx, { networkId: signNetwork });
    return { ...record, options: { ...record.options, role }, latestState: null, round: 0n, balances: {}, onChainRound: 0n, signedCreateTx: tx };
  }

  it("accepts the initiator's (its signature alone) and the responder's (both signatures)", async () => {
    await expect(verifyChannelRecord(await signedCreate('initiator'))).resolves.toBeUndefined();
    await expect(verifyChannelRecord(await signedCreate('responder'))).resolves.toBeUndefined();
  });

  it("refuses a create tx without this client's valid signature, or with another one", async () => {
    expect(await reasonOf(await signedCreate('initiator', [responder]))).toMatch(/lacks a valid signature of ak_/);
    expect(await reasonOf(await signedCreate('initiator', [initiator], 'ae_mainnet'))).toMatch(/lacks a valid signature/);
    expect(await reasonOf(await signedCreate('initiator', [initiator, third]))).toMatch(/1 other signature/);
  });

  it('refuses a create tx that is not the one of its open parameters, or of its channel id', async () => {
    const record = await signedCreate('initiator');
    expect(await reasonOf({ ...record, options: { ...record.options, initiatorAmount: 701n } })).toMatch(/open parameters/);
    expect(await reasonOf({ ...record, options: { ...record.options, pushAmount: 5n } })).toMatch(/state hash .* initial balances/);
    expect(await reasonOf({ ...record, channelId: computeChannelId(initiator.address, 8n, responder.address) })).toMatch(/channel id/);
  });

  it('refuses a round, balances, another tx, or a co-signed state next to it', async () => {
    const record = await signedCreate('initiator');
    expect(await reasonOf({ ...record, round: 1n })).toMatch(/round 1/);
    expect(await reasonOf({ ...record, balances: { ...balances } })).toMatch(/balances before the channel exists/);
    const opened1 = await opened();
    expect(await reasonOf({ ...opened1, signedCreateTx: record.signedCreateTx! })).toMatch(/both a co-signed state and a signed create tx/);
    const offChain = buildSignedTx(serializeObject({ tag: Tag.ChannelOffChainTx, version: 2, channelId: record.channelId!, round: 1n, stateHash: computeStateHash(balances) } as Tx), []);
    expect(await reasonOf({ ...record, signedCreateTx: await memorySigner(initiator.secretKey).signTransaction(offChain, { networkId }) })).toMatch(/not a create tx/);
  });
});

describe('verifyChannelRecord on the signed create tx of a generalized initiator', () => {
  const authData = new Uint8Array([1, 2, 3]);
  /** The initiator's create tx in its GA meta layer; the channel id takes the layer's auth id. */
  async function gaCreate(layerOf = initiator.address, nonce = 0n): Promise<PersistedChannel> {
    const record = await opened();
    const signer = gaSigner({ address: layerOf, authData: () => authData });
    // A generalized account's own txs carry nonce 0 (its layer's auth id stands for it).
    const create = { ...decodeSignedTx(record.latestState!).tx, nonce } as Tx;
    const tx = await signer.signTransaction(buildSignedTx(serializeObject(create), []), { networkId });
    return {
      ...record,
      options: { ...record.options, generalizedAccounts: [initiator.address] },
      channelId: computeChannelId(initiator.address, authId(initiator.address, authData), responder.address),
      latestState: null, round: 0n, balances: {}, onChainRound: 0n, signedCreateTx: tx,
    };
  }

  it('accepts it under the auth-id channel id', async () => {
    await expect(verifyChannelRecord(await gaCreate())).resolves.toBeUndefined();
  });

  it('refuses the nonce channel id, a layer of another account, and a GA layer the record does not declare', async () => {
    const record = await gaCreate();
    expect(await reasonOf({ ...record, channelId: computeChannelId(initiator.address, 0n, responder.address) })).toMatch(/channel id/);
    expect(await reasonOf(await gaCreate(third.address))).toMatch(/no GA meta layer of the generalized initiator/);
    expect(await reasonOf({ ...record, options: { ...record.options, generalizedAccounts: [] } })).toMatch(/channel id/);
  });

  it('refuses a generalized initiator\'s create tx with a nonce other than 0', async () => {
    expect(await reasonOf(await gaCreate(initiator.address, 7n))).toMatch(/has nonce 7, not 0/);
  });

  it('accepts it as the co-signed latest state under the auth-id channel id, and refuses the nonce channel id, another nonce or no layer there', async () => {
    /** The record once the responder co-signed the create tx: it is the latest state (round 1). */
    const coSigned = async (record: PersistedChannel): Promise<PersistedChannel> => {
      const { signedCreateTx, ...rest } = record;
      const latestState = await memorySigner(responder.secretKey).signTransaction(signedCreateTx!, { networkId });
      return { ...rest, latestState, round: 1n, onChainRound: 1n, balances: { ...balances } };
    };
    const latest = await coSigned(await gaCreate());
    await expect(verifyChannelRecord(latest)).resolves.toBeUndefined();
    expect(await reasonOf({ ...latest, channelId: computeChannelId(initiator.address, 0n, responder.address) })).toMatch(/channel id/);
    expect(await reasonOf(await coSigned(await gaCreate(initiator.address, 7n)))).toMatch(/has nonce 7, not 0/);
    expect(await reasonOf(await coSigned(await gaCreate(third.address)))).toMatch(/no GA meta layer of the generalized initiator/);
  });

  it("refuses a generalized initiator's create tx without its layer, even under the nonce channel id", async () => {
    const record = await gaCreate();
    const plain = await memorySigner(responder.secretKey).signTransaction(buildSignedTx(unwrapSignedTx(record.signedCreateTx!).innerBytes, []), { networkId });
    const forged = { ...record, options: { ...record.options, role: 'responder' as const }, channelId: computeChannelId(initiator.address, 0n, responder.address), signedCreateTx: plain };
    expect(await reasonOf(forged)).toMatch(/no GA meta layer of the generalized initiator/);
  });
});

/** Round 2: the initiator created a contract; the record keeps the full trees. */
async function withContract(): Promise<PersistedChannel> {
  const record = await opened();
  const created = applyUpdates(
    treesFromBalances(balances),
    [{ tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: initiator.address, ctVersion: (8n << 16n) | 3n, code: decode(COUNTER.code, 'cb'), deposit: 10n, callData: decode(encodeCallData(COUNTER.aci, 'init', [5n]), 'cb') }],
    { round: 2n, reserve: 1n },
  );
  const offChain = { tag: Tag.ChannelOffChainTx, version: 2, channelId: record.channelId!, round: 2n, stateHash: stateHash(created.trees) } as Tx;
  let tx = buildSignedTx(serializeObject(offChain), []);
  for (const key of [initiator, responder]) tx = await memorySigner(key.secretKey).signTransaction(tx, { networkId });
  return { ...record, latestState: tx, round: 2n, balances: { [initiator.address]: 690n, [responder.address]: 300n } as Record<Encoded<'ak'>, bigint>, trees: packTrees(created.trees) };
}

describe('verifyChannelRecord on a record of a channel holding contracts (trees)', () => {
  it('accepts trees that hash to the signed state hash and hold the balances', async () => {
    await expect(verifyChannelRecord(await withContract())).resolves.toBeUndefined();
  });

  it('refuses trees of another state, balances other than the trees hold, and broken trees', async () => {
    const record = await withContract();
    expect(await reasonOf({ ...record, trees: packTrees(treesFromBalances({ [initiator.address]: 690n, [responder.address]: 300n })) })).toMatch(/trees hash to/);
    expect(await reasonOf({ ...record, balances: { ...record.balances, [initiator.address]: 700n } })).toMatch(/balance of .* is not the one in its trees/);
    expect(await reasonOf({ ...record, trees: 'ss_x' as Encoded<'ss'> })).toMatch(/trees cannot be decoded/);
    // without its trees the balances alone do not give the state hash
    const { trees: _dropped, ...withoutTrees } = record;
    expect(await reasonOf(withoutTrees)).toMatch(/state hash/);
  });
});

describe('verifyChannelRecord on a force progress adopted from the chain', () => {
  /**
   * Round 3: `poster` forced `add(1)` on the round-2 state holding the contract; the record
   * keeps the trees after the call, and the tx carries its poster's signature only. The
   * call's `caller` is the poster unless given (the trees hold the participants only).
   */
  async function forced(poster: KeyPair, caller = poster.address): Promise<PersistedChannel> {
    const record = await withContract();
    const update: ChannelOffChainUpdateCallContract = {
      tag: Tag.ChannelOffChainUpdateCallContract,
      version: 1,
      caller,
      contract: createdContractId(initiator.address, 2n),
      abiVersion: 3n,
      amount: 0n,
      gas: 1_000_000n,
      gasPrice: 1_000_000_000n,
      callData: decode(encodeCallData(COUNTER.aci, 'add', [1n]), 'cb'),
      callStack: [],
    };
    const before = treesFromStateTrees(record.trees!);
    const after = applyUpdates(before, [update], { round: 3n, reserve: 1n }).trees;
    const progress = {
      tag: Tag.ChannelForceProgressTx,
      version: 1,
      channelId: record.channelId!,
      fromId: poster.address,
      payload: decode(record.latestState!, 'tx'),
      round: 3n,
      update: serializeObject(update),
      stateHash: stateHash(after),
      offChainTrees: decode(record.trees!, 'ss'),
      ttl: 0n,
      fee: 10n ** 15n,
      nonce: 8n,
    } as Tx;
    const tx = await memorySigner(poster.secretKey).signTransaction(buildSignedTx(serializeObject(progress), []), { networkId });
    const all = treesBalances(after);
    const participants = { [initiator.address]: all[initiator.address]!, [responder.address]: all[responder.address]! } as Record<Encoded<'ak'>, bigint>;
    return { ...record, latestState: tx, round: 3n, onChainRound: 3n, balances: participants, trees: packTrees(after) };
  }

  it("accepts a participant's force progress, signed by that participant alone", async () => {
    await expect(verifyChannelRecord(await forced(initiator))).resolves.toBeUndefined();
    await expect(verifyChannelRecord(await forced(responder))).resolves.toBeUndefined();
  });

  it('refuses a force progress posted (and validly signed) by a non-participant', async () => {
    expect(await reasonOf(await forced(third, initiator.address))).toBe('the force progress was not posted by a participant');
  });
});
