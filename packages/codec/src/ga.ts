/**
 * Generalized accounts (PROTOCOL.md §2.9, §3.2, §4): the GA meta layers around a channel
 * tx, their auth id and the tx hash an auth function is shown.
 *
 * A generalized account authenticates by wrapping instead of signing (§2.9): the outer
 * signed tx (tag 11) carries no signatures and holds a GA meta tx (tag 81) whose `tx`
 * field is the signed tx it wraps. Basic participants keep putting their ed25519
 * signatures on the innermost signed tx, the one around the channel tx itself. With two GA
 * participants there are two layers: the second signer wraps the first one's outer tx.
 *
 *     [11, [], S([81, v, ga_id, auth_data, ..., S([11, [sig_basic], S(channel tx)])])]
 *
 * What an auth function is shown as `Auth.tx_hash` (the node's `aega_meta_tx` and
 * `aesc_utils`, checked against its modules in `test/fixtures/ga-vectors.json`):
 * `h = blake2b(utf8(network id) ++ S(tx))`, and from Ceres (protocol 6) on the hash of the
 * auth data object `S([810, 1, fee, gas_price, h])` with the layer's own fee and gas price.
 * `S(tx)` is the innermost channel tx for off-chain txs (every layer authenticates the
 * same tx, "parallel") and the tx the layer wraps for on-chain txs ("sequential": the outer
 * of two layers authenticates the inner meta tx, auth data included).
 *
 * The auth id `blake2b(ga pubkey ++ auth_data)` names one authorization; a GA initiator's
 * create tx has nonce 0 and the auth id of its layer replaces the nonce in the channel id
 * (§4, {@link computeChannelId}).
 *
 * Decoding is strict like the rest of the codec: every layer's outer signed tx must be
 * empty of signatures, and at most {@link MAX_GA_LAYERS} layers are read. Bytes are kept
 * as received: the innermost `S(channel tx)` is what basic signatures cover (§3.3).
 */
import * as RLP from 'rlp';
import { compareBytes } from './bytes.js';
import { decode, encode, type Encoded } from './encoding.js';
import { blake2b256 } from './platform.js';
import { AechannelError } from './errors.js';
import { intToBytes, type RlpItem } from './fields.js';
import { encodeId } from './id.js';
import { decodeRlp } from './schema.js';
import { checkSignatures, decodeSignedTx, readSignedTxBytes, signedTxRlp, signingPayload, type DecodeSignedTxReturnType } from './signedTx.js';
import { Tag } from './tag.js';
import type { Tx } from './tx.js';

/** Most GA meta layers read around one tx: a channel has two participants, each wraps at most once. */
export const MAX_GA_LAYERS = 2;

/** The protocol from which the auth tx hash covers the layer's fee and gas price (Ceres, §2.9). */
export const GA_AUTH_DATA_PROTOCOL = 6;

/** One GA meta layer (tag 81, §2.9), outermost first in {@link UnwrappedTx.layers}. */
export interface GaMetaLayer {
  /** 1 (pre-Iris, with `ttl`) or 2 (Iris and later). */
  version: 1 | 2;
  /** The generalized account this layer authenticates. */
  gaId: Encoded<'ak'>;
  /** Call data of the auth function (`cb_` bytes). */
  authData: Uint8Array;
  abiVersion: bigint;
  fee: bigint;
  gas: bigint;
  gasPrice: bigint;
  /** Version 1 only. */
  ttl?: bigint;
  /**
   * `S(tx)` of the tx this layer wraps (signatures aside): the channel tx for the innermost
   * layer, the next meta tx for an outer one. What an on-chain auth covers.
   */
  wrapped: Uint8Array;
}

/**
 * A signed tx read through its GA meta layers (see {@link unwrapSignedTx}). Its byte arrays
 * and decoded tx may be shared with `decodeSignedTx`'s remembered entries: read-only.
 */
export interface UnwrappedTx {
  /** The meta layers, outermost first (empty for a tx of basic accounts only). */
  layers: GaMetaLayer[];
  /** Signatures on the innermost signed tx (basic participants). */
  signatures: Uint8Array[];
  /** `S(channel tx)` exactly as received: what the signatures cover. */
  innerBytes: Uint8Array;
  /** The channel tx, decoded. */
  tx: Tx;
}

/** Error codes of the GA helpers (plus those of `decode` and `unpackTx`). */
export type GaErrorType = 'CODEC_NOT_A_SIGNED_TX' | 'CODEC_INVALID_FIELD' | 'CODEC_INVALID_RLP' | 'CODEC_UNSUPPORTED_OBJECT' | 'CODEC_TOO_MANY_GA_LAYERS';

function invalid(message: string, context: Record<string, unknown>): AechannelError {
  return new AechannelError('CODEC_INVALID_FIELD', message, { context });
}

/**
 * Reads a signed tx through its GA meta layers down to the channel tx (§2.9).
 * @param tx - `tx_...` of a signed tx, with or without meta layers
 * @returns the layers (outermost first), the innermost signatures and exact inner bytes, the channel tx
 * @throws {AechannelError} `CODEC_NOT_A_SIGNED_TX` when a level is not tag 11, `CODEC_INVALID_FIELD`
 *   when a signed tx around a meta tx carries signatures, `CODEC_TOO_MANY_GA_LAYERS` beyond
 *   {@link MAX_GA_LAYERS}, and the codes of `unpackTx` (each level is read as `decodeSignedTx`
 *   reads it, with the same codes)
 * @example
 * const { layers, tx } = unwrapSignedTx(signedByGa);
 * layers[0]?.gaId; // the GA participant that wrapped it
 */
export function unwrapSignedTx(tx: Encoded<'tx'>): UnwrappedTx {
  // The outer level is decodeSignedTx's reading (and its memo); a tx of basic accounts has no layers.
  const outer = decodeSignedTx(tx);
  if (outer.tx.tag !== Tag.GaMetaTx) return { layers: [], signatures: [...outer.signatures], innerBytes: outer.innerBytes, tx: outer.tx };
  const layers: GaMetaLayer[] = [];
  let level: DecodeSignedTxReturnType = outer;
  for (;;) {
    if (layers.length > 0) (layers[layers.length - 1] as GaMetaLayer).wrapped = level.innerBytes;
    if (level.tx.tag !== Tag.GaMetaTx) return { layers, signatures: level.signatures, innerBytes: level.innerBytes, tx: level.tx };
    if (level.signatures.length > 0) {
      throw invalid(`A signed tx around a GA meta tx carries ${level.signatures.length} signature(s); it must carry none (§2.9).`, {
        tag: Tag.SignedTx,
        field: 'signatures',
        got: level.signatures.length,
      });
    }
    if (layers.length >= MAX_GA_LAYERS) {
      throw new AechannelError('CODEC_TOO_MANY_GA_LAYERS', `More than ${MAX_GA_LAYERS} GA meta layers around one tx.`, {
        context: { limit: MAX_GA_LAYERS },
      });
    }
    const meta = level.tx;
    const metaItem = decodeRlp(level.innerBytes) as RlpItem[];
    layers.push({
      version: meta.version,
      gaId: meta.gaId,
      authData: meta.authData,
      abiVersion: meta.abiVersion,
      fee: meta.fee,
      gas: meta.gas,
      gasPrice: meta.gasPrice,
      ...(meta.version === 1 ? { ttl: meta.ttl } : {}),
      wrapped: new Uint8Array(),
    });
    // The meta tx's `tx` field (its last) is the wrapped signed tx, as bytes.
    level = readSignedTxBytes(metaItem[metaItem.length - 1] as Uint8Array);
  }
}

/** What {@link wrapInGaMeta} puts around a tx: a layer without its `wrapped` bytes. */
export type GaMetaFields = Omit<GaMetaLayer, 'wrapped'>;

function checkLayer(layer: GaMetaFields): void {
  for (const field of ['abiVersion', 'fee', 'gas', 'gasPrice'] as const) {
    const value = layer[field];
    if (typeof value !== 'bigint' || value < 0n) throw invalid(`GA meta ${field} must be a non-negative bigint.`, { tag: Tag.GaMetaTx, field, got: String(value) });
  }
  if (!(layer.authData instanceof Uint8Array)) throw invalid('GA meta authData must be bytes.', { tag: Tag.GaMetaTx, field: 'authData' });
  if (layer.version === 1 && (typeof layer.ttl !== 'bigint' || layer.ttl < 0n)) throw invalid('A GA meta tx v1 needs a ttl.', { tag: Tag.GaMetaTx, field: 'ttl' });
  if (layer.version !== 1 && layer.version !== 2) throw invalid(`Unknown GA meta tx version ${String(layer.version)}.`, { tag: Tag.GaMetaTx, field: 'version' });
}

/** `S(meta tx)` around the exact bytes of a signed tx (§2.9 layout). */
function serializeMeta(layer: GaMetaFields, signedTxBytes: Uint8Array): Uint8Array {
  checkLayer(layer);
  const fields: Uint8Array[] = [
    intToBytes(BigInt(Tag.GaMetaTx)),
    intToBytes(BigInt(layer.version)),
    encodeId(layer.gaId, ['ak']),
    layer.authData,
    intToBytes(layer.abiVersion),
    intToBytes(layer.fee),
    intToBytes(layer.gas),
    intToBytes(layer.gasPrice),
  ];
  if (layer.version === 1) fields.push(intToBytes(layer.ttl as bigint));
  fields.push(signedTxBytes);
  return RLP.encode(fields);
}

/**
 * Wraps a signed tx in a GA meta tx (§2.9): `[11, [], S(meta{..., tx: S(tx)})]`. The wrapped
 * tx's bytes are kept as they are.
 * @param tx - the signed tx to authenticate (plain or already wrapped by the other participant)
 * @param layer - the meta tx fields
 * @returns the outer `tx_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for a bad field, the codes of `decode` and `encodeId`
 * @example const authenticated = wrapInGaMeta(tx, { version: 2, gaId, authData, abiVersion: 3n, fee, gas: 50_000n, gasPrice: 1_000_000_000n });
 */
export function wrapInGaMeta(tx: Encoded<'tx'>, layer: GaMetaFields): Encoded<'tx'> {
  const meta = serializeMeta(layer, decode(tx, 'tx'));
  return encode(signedTxRlp(meta, []), 'tx');
}

/**
 * Rebuilds a signed tx from its parts (the inverse of {@link unwrapSignedTx}): the innermost
 * signed tx with `signatures` sorted bytewise (§2.4) around `innerBytes` as they are, then
 * each layer from the innermost out.
 * @param parts - layers (outermost first), signatures, inner bytes
 * @returns `tx_...`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for a signature that is not 64 bytes or a bad layer field
 * @example buildUnwrappedTx({ ...unwrapSignedTx(tx), signatures: [...sigs, mine] })
 */
export function buildUnwrappedTx(parts: Pick<UnwrappedTx, 'signatures' | 'innerBytes'> & { layers: readonly GaMetaFields[] }): Encoded<'tx'> {
  checkSignatures(parts.signatures);
  let bytes = signedTxRlp(parts.innerBytes, [...parts.signatures].sort(compareBytes));
  for (let i = parts.layers.length - 1; i >= 0; i -= 1) bytes = signedTxRlp(serializeMeta(parts.layers[i] as GaMetaFields, bytes), []);
  return encode(bytes, 'tx');
}

/**
 * Adds signatures to the innermost signed tx of a tx that may carry GA meta layers (§2.9:
 * basic participants sign the channel tx itself), dropping duplicates and sorting; the
 * layers are written back around it unchanged. Without layers this is `addSignatures`.
 * @param tx - `tx_...`
 * @param signatures - 64-byte signatures
 * @returns the new `tx_...`
 * @throws {AechannelError} the codes of {@link unwrapSignedTx} and {@link buildUnwrappedTx}
 * @example addInnerSignatures(wrappedByGaPeer, [mySignature])
 */
export function addInnerSignatures(tx: Encoded<'tx'>, signatures: readonly Uint8Array[]): Encoded<'tx'> {
  const parts = unwrapSignedTx(tx);
  const all = [...parts.signatures, ...signatures].sort(compareBytes);
  const unique = all.filter((s, i) => i === 0 || compareBytes(all[i - 1] as Uint8Array, s) !== 0);
  return buildUnwrappedTx({ ...parts, signatures: unique });
}

/**
 * The auth id of an authorization (§4): `blake2b(ga pubkey ++ auth_data)`. It replaces the
 * nonce in the channel id of a GA initiator and names the authorization's call on chain.
 * @param gaId - the generalized account
 * @param authData - the layer's auth data
 * @returns 32 bytes
 * @throws {AechannelError} the codes of `decode`
 * @example authId(layer.gaId, layer.authData)
 */
export function authId(gaId: Encoded<'ak'>, authData: Uint8Array): Uint8Array {
  const pk = decode(gaId, 'ak');
  const input = new Uint8Array(32 + authData.length);
  input.set(pk);
  input.set(authData, 32);
  return blake2b256(input);
}

/** Options of {@link gaAuthTxHash}. */
export interface GaAuthTxHashOptions {
  /** The network id (§3.1). */
  networkId: string;
  /** The layer's fee and gas price (covered from Ceres on). */
  fee: bigint;
  gasPrice: bigint;
  /** Consensus protocol: 5 Iris, 6 Ceres (default 6). */
  protocol?: number;
}

/**
 * The tx hash an auth function sees as `Auth.tx_hash` for bytes it authenticates (module
 * doc): `blake2b(utf8(networkId) ++ txBytes)`, from Ceres on wrapped as
 * `blake2b(S([810, 1, fee, gas_price, that hash]))`.
 * @param txBytes - `S(tx)` the layer authenticates ({@link authenticatedBytes})
 * @param options - network id, the layer's fee and gas price, protocol
 * @returns 32 bytes
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for a bad argument
 * @example gaAuthTxHash(innerBytes, { networkId: 'ae_mainnet', fee, gasPrice })
 */
export function gaAuthTxHash(txBytes: Uint8Array, options: GaAuthTxHashOptions): Uint8Array {
  const { networkId, fee, gasPrice, protocol = GA_AUTH_DATA_PROTOCOL } = options;
  if (!(txBytes instanceof Uint8Array)) throw invalid('Expected the authenticated tx bytes.', { field: 'txBytes' });
  if (typeof networkId !== 'string' || networkId.length === 0) throw invalid('Expected a network id.', { field: 'networkId' });
  if (typeof fee !== 'bigint' || fee < 0n || typeof gasPrice !== 'bigint' || gasPrice < 0n) throw invalid('fee and gasPrice must be non-negative bigints.', { field: 'fee' });
  const h = blake2b256(signingPayload(txBytes, networkId));
  if (protocol < GA_AUTH_DATA_PROTOCOL) return h;
  const authData = RLP.encode([intToBytes(BigInt(Tag.GaMetaTxAuthData)), intToBytes(1n), intToBytes(fee), intToBytes(gasPrice), h]);
  return blake2b256(authData);
}

/**
 * Whether a channel tx is authenticated off-chain (all layers cover the innermost tx) or on
 * chain (each layer covers what it wraps): only the off-chain tx (tag 57) is off-chain.
 * @param tx - the channel tx (innermost)
 * @returns `'offChain'` or `'onChain'`
 * @example authMode(unwrapSignedTx(tx).tx)
 */
export function authMode(tx: Tx): 'offChain' | 'onChain' {
  return tx.tag === Tag.ChannelOffChainTx ? 'offChain' : 'onChain';
}

/**
 * The bytes layer `index` of an unwrapped tx authenticates: the innermost channel tx for an
 * off-chain tx, the tx it wraps otherwise (module doc).
 * @param unwrapped - from {@link unwrapSignedTx}
 * @param index - the layer (0 = outermost)
 * @returns `S(tx)`
 * @throws {AechannelError} `CODEC_INVALID_FIELD` for an index without a layer
 * @example gaAuthTxHash(authenticatedBytes(u, 0), { networkId, fee: u.layers[0].fee, gasPrice: u.layers[0].gasPrice })
 */
export function authenticatedBytes(unwrapped: UnwrappedTx, index: number): Uint8Array {
  const layer = unwrapped.layers[index];
  if (layer === undefined) throw invalid(`No GA layer ${index}.`, { field: 'index', got: index });
  return authMode(unwrapped.tx) === 'offChain' ? unwrapped.innerBytes : layer.wrapped;
}
