/**
 * A channel record proves itself before it is used. A store's checksum only shows that a
 * record was written whole; whoever can write the store can recompute it. So on load a
 * `Channel` checks what the record claims against the one thing nobody else can produce,
 * the latest co-signed state:
 *
 * - the latest state is a channel state (create, off-chain, deposit or withdraw tx,
 *   PROTOCOL.md §2.6) carrying valid signatures of exactly the two participants under the
 *   record's network id (§3.2; plain or hash mode), or a force progress this channel
 *   adopted from the chain (CONTRACTS.md §3.4), carrying its poster's valid signature;
 * - its channel id is the record's (for the create tx: derived from the parties and its
 *   nonce, §4), and its parties are the record's;
 * - its round is the record's round (create = 1), and the on-chain round is not above it
 *   (equal when the latest state is itself on chain: create, deposit, withdraw);
 * - the record's balances are exactly the two participants', and their state hash (§2.11)
 *   is the state hash of the tx; a channel holding contracts keeps its full trees
 *   (`trees`, `ss_`), which must hash to the state hash of the tx and hold those balances.
 *
 * Before the channel exists (no co-signed state yet) a record may hold instead the create
 * tx this client signed (`signedCreateTx`, stored before its signed reply went out, so that
 * a restart before the channel is open can reconnect, PROTOCOL.md §9.7). Such a record is
 * at round 0 with no balances, and its create tx proves itself: its parties and channel id
 * are the record's, its amounts, reserve and lock period the record's open parameters, its
 * state hash that of the initial balances (initiator amount - push, responder amount +
 * push), and it carries this client's valid signature and no signature but the peer's.
 *
 * What it cannot show: that the record is the *latest* genuine one (an older genuine record
 * proves itself too; the node's reestablish check and the resync after it catch that), the
 * nonces the client signed (`ownNonces`), and an on-chain round raised to the round of an
 * off-chain latest state (indistinguishable from a snapshot).
 */
import { authId, computeChannelId, computeStateHash, isAechannelError, isEncoded, stateTreesHash, Tag, unpackStateTrees, unwrapSignedTx, type Encoded, type GaMetaLayer, type Tx, type UnwrappedTx } from '@aechannel/codec';
import type { PersistedChannel } from '@aechannel/fsm';
import { verifyTransaction } from '@aechannel/signer';
import { storeCorrupt } from './channelRecord.js';

/** Latest states a channel record may hold: the co-signed txs that define a state. */
type StateTx = Extract<Tx, { tag: 50 | 51 | 52 | 57 | 521 }>;

/**
 * Checks that a channel record proves itself (see the module doc).
 * @param channel - the record's channel (from `decodeChannelRecord`, or a `persisted` snapshot)
 * @param key - the store key (for the error)
 * @returns nothing; resolves when the record proves itself
 * @throws {ChannelError} `CHANNEL_STORE_CORRUPT` naming what does not match (`context.reason`)
 * @example
 * const { channel } = decodeChannelRecord(text, key);
 * await verifyChannelRecord(channel, key); // throws CHANNEL_STORE_CORRUPT on a forged record
 */
export async function verifyChannelRecord(channel: PersistedChannel, key = 'record'): Promise<void> {
  const fail = (reason: string): never => {
    throw storeCorrupt(key, reason);
  };
  const o = channel.options;
  const { latestState, channelId } = channel;
  if (channelId === null || (latestState === null && channel.signedCreateTx === undefined)) return fail('it holds no co-signed state');
  if (o.role !== 'initiator' && o.role !== 'responder') return fail('invalid role');
  if (!isEncoded(o.initiatorId, 'ak') || !isEncoded(o.responderId, 'ak') || o.initiatorId === o.responderId) return fail('invalid participants');
  if (typeof o.networkId !== 'string' || o.networkId === '') return fail('no network id');
  const initiator = o.initiatorId;
  const responder = o.responderId;
  if (latestState === null) return verifySignedCreate(channel, channelId, fail);
  if (channel.signedCreateTx !== undefined) return fail('it holds both a co-signed state and a signed create tx');

  const generalized = [...(o.generalizedAccounts ?? [])];
  let tx: StateTx;
  let unwrapped: UnwrappedTx;
  try {
    unwrapped = unwrapSignedTx(latestState);
    const inner = unwrapped.tx;
    if (
      inner.tag !== Tag.ChannelCreateTx &&
      inner.tag !== Tag.ChannelOffChainTx &&
      inner.tag !== Tag.ChannelDepositTx &&
      inner.tag !== Tag.ChannelWithdrawTx &&
      inner.tag !== Tag.ChannelForceProgressTx
    ) {
      return fail(`the latest state is not a channel state (tag ${inner.tag})`);
    }
    tx = inner as StateTx;
  } catch (error) {
    return fail(`the latest state cannot be decoded (${isAechannelError(error) ? error.code : String(error)})`);
  }

  // Channel id and parties.
  if (tx.tag === Tag.ChannelCreateTx) {
    const problem = createTxProblem(tx, unwrapped.layers, { initiator, responder, generalized, channelId }, 'the create tx');
    if (problem !== null) return fail(problem);
  } else if (tx.channelId !== channelId) {
    return fail(`channel id ${channelId} is not the latest state's ${tx.channelId}`);
  }

  // Round.
  const round = tx.tag === Tag.ChannelCreateTx ? 1n : tx.round;
  if (channel.round !== round) return fail(`round ${channel.round} is not the latest state's round ${round}`);
  if (channel.onChainRound > round) return fail(`on-chain round ${channel.onChainRound} is above the latest state's round ${round}`);
  if (tx.tag !== Tag.ChannelOffChainTx && channel.onChainRound !== round) return fail(`on-chain round ${channel.onChainRound}, but the latest state (round ${round}) is an on-chain tx`);

  // Balances against the state hash.
  const accounts = Object.keys(channel.balances).sort();
  if (accounts.length !== 2 || accounts[0] !== [initiator, responder].sort()[0] || accounts[1] !== [initiator, responder].sort()[1]) {
    return fail('the balances are not those of the two participants');
  }
  if (channel.trees === undefined) {
    let stateHash: Encoded<'st'>;
    try {
      stateHash = computeStateHash(channel.balances);
    } catch {
      return fail('the balances are not valid amounts');
    }
    if (stateHash !== tx.stateHash) return fail(`the balances' state hash ${stateHash} is not the latest state's ${tx.stateHash}`);
  } else {
    // A channel holding contracts: the full trees are the state (CONTRACTS.md §2.5).
    let treesHash: Encoded<'st'>;
    let accounts: Record<string, bigint>;
    try {
      if (!isEncoded(channel.trees, 'ss')) throw new Error('not ss_');
      treesHash = stateTreesHash(channel.trees);
      accounts = unpackStateTrees(channel.trees).balances;
    } catch {
      return fail('its trees cannot be decoded');
    }
    if (treesHash !== tx.stateHash) return fail(`its trees hash to ${treesHash}, not to the latest state's ${tx.stateHash}`);
    for (const id of [initiator, responder]) {
      if (accounts[id] !== channel.balances[id]) return fail(`the balance of ${id} is not the one in its trees`);
    }
  }

  // Both signatures, under the record's network id (a force progress: its poster's).
  const signers = tx.tag === Tag.ChannelForceProgressTx ? [tx.fromId] : [initiator, responder];
  if (tx.tag === Tag.ChannelForceProgressTx && tx.fromId !== initiator && tx.fromId !== responder) return fail('the force progress was not posted by a participant');
  let problem: string | null;
  try {
    // (a generalized participant by its one GA meta layer: its authorization needs the chain,
    // the node checks it again when the channel is resumed)
    const result = await verifyTransaction(latestState, { networkId: o.networkId, signers, generalized });
    problem = result.valid
      ? null
      : `the latest state lacks valid signatures of ${result.missing.join(', ') || 'the participants'}${result.extra.length > 0 ? ` and carries ${result.extra.length} other signature(s)` : ''}${result.extraLayers.length > 0 ? ` and GA meta layer(s) of ${result.extraLayers.map((l) => l.gaId).join(', ')}` : ''} for network ${o.networkId}`;
  } catch (error) {
    problem = `the signatures of the latest state cannot be checked (${isAechannelError(error) ? error.code : String(error)})`;
  }
  if (problem !== null) fail(problem);
}

/**
 * What is wrong with a create tx's parties and channel id, or null. A generalized initiator
 * (§2.9) signs it inside its GA meta layer with nonce 0, and the channel id takes the layer's
 * auth id instead of the nonce (§4).
 */
function createTxProblem(
  tx: Extract<Tx, { tag: typeof Tag.ChannelCreateTx }>,
  layers: readonly GaMetaLayer[],
  parties: { initiator: Encoded<'ak'>; responder: Encoded<'ak'>; generalized: readonly Encoded<'ak'>[]; channelId: Encoded<'ch'> },
  what: string,
): string | null {
  const { initiator, responder, generalized, channelId } = parties;
  if (tx.initiatorId !== initiator || tx.responderId !== responder) return `the parties of ${what} are not the record’s`;
  if (!generalized.includes(initiator)) return computeChannelId(initiator, tx.nonce, responder) === channelId ? null : `channel id ${channelId} is not the one of ${what}`;
  const layer = layers.find((l) => l.gaId === initiator);
  if (layer === undefined) return `${what} carries no GA meta layer of the generalized initiator`;
  if (tx.nonce !== 0n) return `${what} of the generalized initiator has nonce ${tx.nonce}, not 0`;
  return computeChannelId(initiator, authId(initiator, layer.authData), responder) === channelId ? null : `channel id ${channelId} is not the one of ${what}`;
}

/**
 * A record of a channel not created yet: the create tx this client signed proves itself
 * (see the module doc).
 */
async function verifySignedCreate(channel: PersistedChannel, channelId: Encoded<'ch'>, fail: (reason: string) => never): Promise<void> {
  const o = channel.options;
  const initiator = o.initiatorId as Encoded<'ak'>;
  const responder = o.responderId;
  const signed = channel.signedCreateTx as Encoded<'tx'>;
  if (channel.round !== 0n || channel.onChainRound !== 0n) return fail(`round ${channel.round} (on chain ${channel.onChainRound}) before the channel exists`);
  if (Object.keys(channel.balances).length > 0 || channel.trees !== undefined) return fail('balances before the channel exists');
  const generalized = [...(o.generalizedAccounts ?? [])];
  let tx: Tx;
  let unwrapped: UnwrappedTx;
  try {
    unwrapped = unwrapSignedTx(signed);
    tx = unwrapped.tx;
  } catch (error) {
    return fail(`the signed create tx cannot be decoded (${isAechannelError(error) ? error.code : String(error)})`);
  }
  if (tx.tag !== Tag.ChannelCreateTx) return fail(`the signed create tx is not a create tx (tag ${tx.tag})`);
  const idProblem = createTxProblem(tx, unwrapped.layers, { initiator, responder, generalized, channelId }, 'the signed create tx');
  if (idProblem !== null) return fail(idProblem);
  const push = o.pushAmount ?? 0n;
  if (tx.initiatorAmount !== o.initiatorAmount || tx.responderAmount !== o.responderAmount || tx.channelReserve !== o.channelReserve || tx.lockPeriod !== o.lockPeriod) {
    return fail('the create tx is not the one of the record’s open parameters');
  }
  let stateHash: Encoded<'st'>;
  try {
    stateHash = computeStateHash({ [initiator]: o.initiatorAmount - push, [responder]: o.responderAmount + push });
  } catch {
    return fail('the open parameters are not valid amounts');
  }
  if (stateHash !== tx.stateHash) return fail(`the create tx's state hash ${tx.stateHash} is not that of the initial balances`);
  // This client's signature, and at most the peer's (the responder signs second, §3.3).
  const self = o.role === 'initiator' ? initiator : responder;
  let problem: string | null;
  try {
    const result = await verifyTransaction(signed, { networkId: o.networkId, signers: [initiator, responder], generalized });
    problem =
      !result.signers.includes(self) ? `the signed create tx lacks a valid signature of ${self} for network ${o.networkId}`
      : result.extra.length > 0 ? `the signed create tx carries ${result.extra.length} other signature(s)`
      : result.extraLayers.length > 0 ? `the signed create tx carries GA meta layer(s) of ${result.extraLayers.map((l) => l.gaId).join(', ')}`
      : null;
  } catch (error) {
    problem = `the signatures of the signed create tx cannot be checked (${isAechannelError(error) ? error.code : String(error)})`;
  }
  if (problem !== null) fail(problem);
}
