/**
 * Generalized participants (PROTOCOL.md §2.9, §3.2, §4) as the fsm sees them.
 *
 * A generalized account authenticates a channel tx with a GA meta layer instead of a
 * signature, so a tx the node sends or reports may be wrapped in up to two layers around
 * the channel tx. The fsm checks the channel tx inside exactly as it checks a plain one
 * (verify-before-sign is unchanged), and it checks the authentication around it by what it
 * can see without a chain: which participants are generalized is configuration
 * (`options.generalizedAccounts`); a generalized participant is counted by one layer of its
 * own and no signature, a basic one by a signature and no layer, and nobody else may
 * appear. Whether the peer's auth function accepts its layer needs the peer's contract on
 * chain: the node runs it. This client's own layer must be the one its signer made (same
 * auth data), and a tx it has not signed yet must not already carry a layer in its name.
 *
 * A generalized account's channel txs carry nonce 0 (§5.6), and a generalized initiator's
 * channel id takes the auth id of its layer in place of the create nonce (§4): the
 * initiator learns it from its own signed create tx, the responder from the one it co-signs.
 */
import { authId, computeChannelId, unwrapSignedTx, type Encoded, type GaMetaLayer, type Tx, type UnwrappedTx } from '@aechannel/codec';
import { equalBytes } from './equalBytes.js';
import type { ChannelState } from './types.js';

/** Whether an account is one of the channel's generalized participants. */
export function isGeneralized(state: Pick<ChannelState, 'options'>, account: string): boolean {
  return (state.options.generalizedAccounts ?? []).includes(account as Encoded<'ak'>);
}

/** The account this client signs for (`null` while a responder does not know the initiator). */
export function selfOf(state: Pick<ChannelState, 'options'>): Encoded<'ak'> | null {
  const o = state.options;
  const self = o.role === 'initiator' ? o.initiatorId : o.responderId;
  return self === 'any' ? null : self;
}

/** `S(channel tx)` of a signed tx (inside any layers), or null when it does not decode. */
export function channelBytesOf(tx: Encoded<'tx'>): Uint8Array | null {
  try {
    return unwrapSignedTx(tx).innerBytes;
  } catch {
    return null;
  }
}

/** How many authentications a tx carries: signatures plus GA layers. */
export function authenticationCount(unwrapped: UnwrappedTx): number {
  return unwrapped.signatures.length + unwrapped.layers.length;
}

/**
 * What is wrong with the GA layers of a tx from the node (null: nothing): each layer is a
 * generalized participant's, once; `self` must not have one yet when `selfSigned` is false.
 */
export function layersProblem(state: Pick<ChannelState, 'options'>, unwrapped: UnwrappedTx, participants: readonly string[], selfSigned: boolean): string | null {
  const self = selfOf(state);
  const seen = new Set<string>();
  for (const layer of unwrapped.layers) {
    if (!participants.includes(layer.gaId)) return `a GA meta layer of ${layer.gaId}, not a participant`;
    if (!isGeneralized(state, layer.gaId)) return `a GA meta layer of ${layer.gaId}, which is not a generalized account (a basic account may not use one, §3.2)`;
    if (seen.has(layer.gaId)) return `two GA meta layers of ${layer.gaId}`;
    seen.add(layer.gaId);
    if (!selfSigned && layer.gaId === self) return `the tx already carries a GA meta layer in this client's name (${layer.gaId}) that it did not make`;
  }
  return null;
}

/** The layer of `account`, if any. */
export function layerOf(unwrapped: UnwrappedTx, account: string): GaMetaLayer | undefined {
  return unwrapped.layers.find((layer) => layer.gaId === account);
}

/** Whether two layers carry the same authorization (account and auth data). */
export function sameLayer(a: GaMetaLayer | undefined, b: GaMetaLayer | undefined): boolean {
  return a !== undefined && b !== undefined && a.gaId === b.gaId && equalBytes(a.authData, b.authData) && a.fee === b.fee && a.gasPrice === b.gasPrice && a.gas === b.gas && a.abiVersion === b.abiVersion;
}

/**
 * The channel id of a create tx (§4): from its nonce, or for a generalized initiator from
 * the auth id of its layer (null when the tx has none yet: the initiator before signing).
 */
export function createChannelId(state: Pick<ChannelState, 'options'>, unwrapped: UnwrappedTx, tx: Extract<Tx, { tag: 50 }>): Encoded<'ch'> | null {
  if (!isGeneralized(state, tx.initiatorId)) return computeChannelId(tx.initiatorId, tx.nonce, tx.responderId);
  const layer = layerOf(unwrapped, tx.initiatorId);
  return layer === undefined ? null : computeChannelId(tx.initiatorId, authId(tx.initiatorId, layer.authData), tx.responderId);
}
