/**
 * Generalized accounts on the simulated chain (PROTOCOL.md §2.9, §3.2, §4): which accounts
 * are generalized, their contracts, the copies of their stores each channel keeps, and the
 * authentication of a tx by signatures and GA meta layers, as the node does it.
 *
 * Theory of operation. A `ga_attach` tx (tag 80, signed by the account while it is still
 * basic) deploys the auth contract with the FATE VM (`attachGaContract`) into the chain's
 * contract trees and makes the account generalized: from then on it authenticates only with
 * a GA meta layer (a basic account may not use one, a GA account may not sign; §3.2).
 *
 * A layer is accepted when the account's auth function, run by the VM in the GA
 * authentication context, returns `true` (`runGaAuth`, with the node's reasons otherwise).
 * Which store the function sees follows the node: an on-chain tx is authorized against the
 * contract's store on chain, each layer over the tx it wraps; the off-chain tx (tag 57) over
 * the channel tx, against the copy of the store taken when the channel was created (the
 * channel object's `initiator_auth`/`responder_auth`). Checking a signature (the FSMs, and
 * the mempool when a tx is posted) drops what the function writes; processing the meta tx
 * in a block keeps it, charges the account the meta tx's fee and the gas used, and records
 * the auth id so an authorization is used on chain only once.
 *
 * The function's gas is the meta tx's `gas` plus, as in the node's check of a channel
 * signature, the gas the wrapped tx itself may use (its base gas; 0 for the off-chain tx).
 */
import {
  authenticatedBytes,
  authId,
  baseGas,
  decode,
  gaAuthTxHash,
  Tag,
  TX_BASE_GAS,
  unwrapSignedTx,
  type Encoded,
  type GaMetaLayer,
  type Tx,
  type UnwrappedTx,
} from '@aechannel/codec';
import { runGaAuth, type ChainView, type ChannelTrees, type ContractRecord, type FateRulesPreset, type GaAuthFailure } from '@aechannel/fate';
import type { TransactionVerifier } from '@aechannel/signer';

const bytesToHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What makes an account generalized. */
export interface GaAuth {
  /** Its auth contract. */
  contract: Encoded<'ct'>;
  /** `blake2b` of the auth function's name. */
  authFun: Uint8Array;
}

/** A store copy kept for a participant of a channel (off-chain authorizations). */
export type AuthStore = ContractRecord['store'];

/** Why an authentication fails: a signature problem, or the node's reason for a layer. */
export type AuthenticationFailure =
  | { kind: 'signatures'; missing: Encoded<'ak'>[]; extra: number }
  | { kind: 'layer'; gaId: Encoded<'ak'>; reason: GaAuthFailure | 'meta_tx_for_basic_account' | 'no_channel_auth' | 'unsupported' };

/** What {@link authenticate} returns. */
export interface AuthenticationResult {
  /** Every expected account authenticated (signature or accepted layer), nothing extra. */
  valid: boolean;
  /** The expected accounts that authenticated. */
  signers: Encoded<'ak'>[];
  /** Signatures of no expected (basic) account. */
  extra: number;
  failures: AuthenticationFailure[];
}

/** What {@link authenticate} needs from the chain. */
export interface AuthenticationContext {
  networkId: string;
  /** Consensus protocol (the auth tx hash, §2.9). */
  protocol: number;
  rules: FateRulesPreset;
  chain: ChainView;
  /** The chain's contract trees. */
  trees: ChannelTrees;
  /** The GA state of an account, undefined for a basic one. */
  gaOf: (account: Encoded<'ak'>) => GaAuth | undefined;
  /** The store copy a channel keeps for a participant (off-chain authorizations). */
  channelStore: (channelId: Encoded<'ch'>, account: Encoded<'ak'>) => AuthStore | undefined;
  /** The signature check (the chain passes its verify-once verifier). */
  verifyTransaction: TransactionVerifier['verifyTransaction'];
}

/** Gas the wrapped tx may use itself (the node adds it to a layer's gas when checking a channel signature). */
function innerGasLimit(tx: Tx): bigint {
  switch (tx.tag) {
    case Tag.ChannelOffChainTx:
    case Tag.ChannelForceProgressTx:
      return baseGas(tx.tag);
    case Tag.GaMetaTx:
      return baseGas(Tag.GaMetaTx) + tx.gas + (tx.tx.tag === Tag.SignedTx ? innerGasLimit(tx.tx.encodedTx) : 0n);
    default:
      return TX_BASE_GAS;
  }
}

/** The tx a layer wraps, decoded (the channel tx or the next meta tx). */
function wrappedTx(unwrapped: UnwrappedTx, index: number): Tx {
  if (index === unwrapped.layers.length - 1) return unwrapped.tx;
  return { tag: Tag.GaMetaTx, ...(unwrapped.layers[index + 1] as GaMetaLayer), tx: { tag: Tag.SignedTx, version: 1, signatures: [], encodedTx: unwrapped.tx } } as Tx;
}

/** What running one layer's auth function gives (see {@link runLayer}). */
export interface LayerRun {
  ok: boolean;
  reason?: Extract<AuthenticationFailure, { kind: 'layer' }>['reason'];
  gasUsed: bigint;
  trees: ChannelTrees;
}

/**
 * Runs the auth function of layer `index` (module doc).
 * @param unwrapped - the tx read through its layers
 * @param index - the layer (0 = outermost)
 * @param ctx - the chain, and for an off-chain tx the channel's store copies
 * @param onChain - processing the meta tx in a block: `Auth.tx` is set (a check leaves it `None`)
 */
export function runLayer(unwrapped: UnwrappedTx, index: number, ctx: AuthenticationContext, onChain = false): LayerRun {
  const layer = unwrapped.layers[index] as GaMetaLayer;
  const ga = ctx.gaOf(layer.gaId);
  if (ga === undefined) return { ok: false, reason: 'meta_tx_for_basic_account', gasUsed: 0n, trees: ctx.trees };
  let trees = ctx.trees;
  const offChain = unwrapped.tx.tag === Tag.ChannelOffChainTx;
  if (offChain) {
    const channelId = (unwrapped.tx as { channelId: Encoded<'ch'> }).channelId;
    const store = ctx.channelStore(channelId, layer.gaId);
    const hex = bytesToHex(decode(ga.contract, 'ct'));
    const record = trees.contracts.get(hex);
    if (store === undefined || record === undefined) return { ok: false, reason: 'no_channel_auth', gasUsed: 0n, trees: ctx.trees };
    trees = { ...trees, contracts: trees.contracts.set(hex, { ...record, store }) };
  }
  const txHash = gaAuthTxHash(authenticatedBytes(unwrapped, index), { networkId: ctx.networkId, fee: layer.fee, gasPrice: layer.gasPrice, protocol: ctx.protocol });
  const wrapped = wrappedTx(unwrapped, index);
  try {
    const result = runGaAuth({
      trees, gaId: layer.gaId, contract: ga.contract, authFun: ga.authFun, authData: layer.authData, abiVersion: layer.abiVersion,
      gas: layer.gas + (onChain ? 0n : innerGasLimit(wrapped)), gasPrice: layer.gasPrice, fee: layer.fee,
      auth: onChain ? { txHash, tx: wrapped } : { txHash }, chain: ctx.chain, rules: ctx.rules,
    });
    return result.ok ? { ok: true, gasUsed: result.gasUsed, trees: result.trees } : { ok: false, reason: result.reason as GaAuthFailure, gasUsed: result.gasUsed, trees: ctx.trees };
  } catch {
    // An op the VM does not run (or gas beyond its limit): not accepted here.
    return { ok: false, reason: 'unsupported', gasUsed: 0n, trees: ctx.trees };
  }
}

/**
 * Checks who authenticated a tx (§3.2, module doc): basic accounts by their signatures on the
 * channel tx, generalized ones by one layer each whose auth function accepts it. What the
 * auth functions write is dropped.
 * @param signedTx - the tx, with or without layers
 * @param expected - the accounts that should have authenticated (so far)
 * @param ctx - the chain
 * @returns the verdict; an undecodable tx is not valid
 */
export async function authenticate(signedTx: Encoded<'tx'>, expected: readonly Encoded<'ak'>[], ctx: AuthenticationContext): Promise<AuthenticationResult> {
  let unwrapped: UnwrappedTx;
  try {
    unwrapped = unwrapSignedTx(signedTx);
  } catch {
    return { valid: false, signers: [], extra: 0, failures: [{ kind: 'signatures', missing: [...expected], extra: 0 }] };
  }
  const generalized = expected.filter((account) => ctx.gaOf(account) !== undefined);
  const result = await ctx.verifyTransaction(signedTx, { networkId: ctx.networkId, signers: expected, generalized });
  const failures: AuthenticationFailure[] = [];
  for (const layer of result.extraLayers) failures.push({ kind: 'layer', gaId: layer.gaId, reason: ctx.gaOf(layer.gaId) === undefined ? 'meta_tx_for_basic_account' : 'wrong_auth_function' });
  const signers = new Set(result.signers);
  const expectedLayers = new Set(result.layers.map((l) => l.gaId));
  for (const [index, layer] of unwrapped.layers.entries()) {
    // (the first layer of each expected generalized account; verifyTransaction counts a second one as extra)
    if (!expectedLayers.delete(layer.gaId)) continue;
    const run = runLayer(unwrapped, index, ctx);
    if (!run.ok) {
      signers.delete(layer.gaId);
      failures.push({ kind: 'layer', gaId: layer.gaId, reason: run.reason ?? 'authenticate_false' });
    }
  }
  const missing = expected.filter((account) => !signers.has(account));
  if (missing.length > 0 || result.extra.length > 0) failures.unshift({ kind: 'signatures', missing, extra: result.extra.length });
  return { valid: failures.length === 0, signers: expected.filter((account) => signers.has(account)), extra: result.extra.length, failures };
}

/**
 * The auth id that names a layer's authorization on chain (§4); a GA initiator's channel id
 * uses the one of its own layer in place of the create nonce.
 * @param unwrapped - the tx read through its layers
 * @param account - the generalized account
 * @returns 32 bytes, or undefined without a layer of `account`
 */
export function layerAuthId(unwrapped: UnwrappedTx, account: Encoded<'ak'>): Uint8Array | undefined {
  const layer = unwrapped.layers.find((l) => l.gaId === account);
  return layer === undefined ? undefined : authId(account, layer.authData);
}
