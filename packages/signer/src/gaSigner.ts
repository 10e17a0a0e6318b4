/**
 * A signer for a generalized account (PROTOCOL.md §2.9): it "signs" a channel tx by wrapping
 * it in a GA meta tx whose auth data is call data of the account's auth function.
 *
 * What the auth function checks is the account's business (a nonce and a signature, a
 * multisig, a spending limit ...), so the auth data comes from a callback, `authData`. It
 * is given the tx hash the auth function will see as `Auth.tx_hash` (codec `gaAuthTxHash`:
 * the network id, the authenticated bytes and, from Ceres on, this meta tx's fee and gas
 * price), the channel tx and the sign context, and returns the call data (`cb_` or bytes).
 *
 * The authenticated bytes follow the node (codec `authMode`): for the off-chain tx (tag 57)
 * the channel tx itself, whatever other layer is there; for an on-chain tx the tx this layer
 * wraps, so when both participants are generalized the second one covers the first one's
 * meta tx. Basic participants keep signing the channel tx inside the layers (the other
 * backends do that), so one participant may be generalized and the other not.
 *
 * The meta tx's fee is computed like the node's fee rule (§5.3, base gas 75 000 and 20 per
 * byte of its own, §2.9) for auth data of `authDataBytes` bytes; if the callback returns
 * longer auth data the fee is raised and the callback asked once more, with the new hash.
 */
import {
  authId,
  authMode,
  decode,
  decodeSignedTx,
  fixFee,
  gaAuthTxHash,
  isAechannelError,
  unwrapSignedTx,
  wrapInGaMeta,
  type Encoded,
  type GaMetaFields,
  type Tx,
} from '@aechannel/codec';
import { raceAbort, throwIfAborted } from './abort.js';
import { asRefusal } from './externalSigner.js';
import { signerError } from './errors.js';
import { addressToPublicKey, publicKeyToAddress } from './keys.js';
import { assertIsNetworkId } from './networkId.js';
import type { SignContext, Signer, SignTransactionOptions } from './types.js';

/** What the `authData` callback of {@link gaSigner} is given. */
export interface GaAuthDataRequest {
  /** The generalized account. */
  gaId: Encoded<'ak'>;
  /** What the auth function will see as `Auth.tx_hash` (32 bytes). */
  txHash: Uint8Array;
  /** The channel tx being authorized (innermost). */
  tx: Tx;
  /** `offChain` (the off-chain tx) or `onChain` (see the module doc). */
  mode: 'offChain' | 'onChain';
  /** The bytes the hash covers (`S(tx)`). */
  authenticated: Uint8Array;
  /** The meta tx's fee, gas and gas price (the hash covers fee and gas price from Ceres on). */
  fee: bigint;
  gas: bigint;
  gasPrice: bigint;
  networkId: string;
  /** The channel's sign request, when the channel client passed it. */
  context?: SignContext;
  signal?: AbortSignal;
}

/** Options of {@link gaSigner}. */
export interface GaSignerOptions {
  /** The generalized account. */
  address: Encoded<'ak'>;
  /**
   * Call data of the auth function for one authorization (`cb_` or bytes). Throw
   * `createSignerRefusedError` (or anything) to refuse.
   */
  authData: (request: GaAuthDataRequest) => Uint8Array | Encoded<'cb'> | Promise<Uint8Array | Encoded<'cb'>>;
  /** Gas for the auth function (default 50 000). */
  gas?: bigint;
  /** Gas price of the meta tx (default 1e9, the node's minimum). */
  gasPrice?: bigint;
  /** Fee of the meta tx (default: the node's fee rule at `gasPrice`). */
  fee?: bigint;
  /** ABI of the auth contract (default 3, FATE). */
  abiVersion?: bigint;
  /** Consensus protocol the hash is made for: 6 Ceres (default) or 5 Iris (§2.9). */
  protocol?: number;
  /** Meta tx version: 2 (Iris and later, default) or 1 (with `ttl`). */
  metaVersion?: 1 | 2;
  /** `ttl` of a version 1 meta tx (default 0). */
  ttl?: bigint;
  /** Auth data size the default fee is computed for (default 128 bytes). */
  authDataBytes?: number;
}

/** A {@link Signer} of a generalized account. */
export interface GaSigner extends Signer {
  /** Always true: this account authenticates with GA meta layers (§2.9). */
  readonly generalized: true;
}

const DEFAULT_GAS = 50_000n;
const DEFAULT_GAS_PRICE = 1_000_000_000n;
const DEFAULT_AUTH_DATA_BYTES = 128;

function checkAmount(value: unknown, name: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'bigint' || value < 0n) throw signerError('SIGNER_INVALID_ARGUMENT', `Expected ${name} as a non-negative bigint`, { context: { argument: name } });
  return value;
}

/**
 * Builds the signer of a generalized account (module doc).
 * @param options - the account, the auth-data callback and the meta tx's gas, gas price, fee, ABI, protocol
 * @returns a {@link GaSigner}: `signTransaction` wraps the tx in this account's GA meta tx
 *   (a tx it already wrapped comes back unchanged); `signBytes` is `SIGNER_UNSUPPORTED`
 *   (the account has no key the node checks)
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS`, `SIGNER_INVALID_ARGUMENT`. Its
 *   `signTransaction` throws `SIGNER_INVALID_NETWORK_ID`, `SIGNER_NOT_A_TRANSACTION`,
 *   `SIGNER_REFUSED` (the callback threw), `SIGNER_ABORTED`, `SIGNER_INVALID_ARGUMENT`
 *   (the callback returned no call data)
 * @example
 * const signer = gaSigner({
 *   address: gaAccount,
 *   authData: ({ txHash }) => encodeCallData(aci, 'GaAuth', 'authorize', [nonce, sign(txHash, nonce)]),
 * });
 */
export function gaSigner(options: GaSignerOptions): GaSigner {
  const address = publicKeyToAddress(addressToPublicKey(options?.address));
  if (typeof options.authData !== 'function') throw signerError('SIGNER_INVALID_ARGUMENT', 'Expected the authData callback to be a function', { context: { argument: 'authData' } });
  const gas = checkAmount(options.gas, 'gas') ?? DEFAULT_GAS;
  const gasPrice = checkAmount(options.gasPrice, 'gasPrice') ?? DEFAULT_GAS_PRICE;
  const fixedFee = checkAmount(options.fee, 'fee');
  const abiVersion = checkAmount(options.abiVersion, 'abiVersion') ?? 3n;
  const version = options.metaVersion ?? 2;
  if (version !== 1 && version !== 2) throw signerError('SIGNER_INVALID_ARGUMENT', 'metaVersion must be 1 or 2', { context: { argument: 'metaVersion' } });
  const ttl = checkAmount(options.ttl, 'ttl') ?? 0n;
  const authDataBytes = options.authDataBytes ?? DEFAULT_AUTH_DATA_BYTES;
  if (!Number.isInteger(authDataBytes) || authDataBytes < 0 || authDataBytes > 65_536) {
    throw signerError('SIGNER_INVALID_ARGUMENT', 'authDataBytes must be an integer in 0..65536', { context: { argument: 'authDataBytes' } });
  }
  const protocol = options.protocol ?? 6;

  const fields = (authData: Uint8Array, fee: bigint): GaMetaFields => ({
    version, gaId: address, authData, abiVersion, fee, gas, gasPrice, ...(version === 1 ? { ttl } : {}),
  });

  /** The meta fee for auth data of `size` bytes around `tx` (§5.3 fix-point at `gasPrice`). */
  function feeFor(tx: Encoded<'tx'>, size: number): bigint {
    if (fixedFee !== undefined) return fixedFee;
    const outer = decodeSignedTx(wrapInGaMeta(tx, fields(new Uint8Array(size), 0n))).tx;
    return fixFee(outer as Extract<Tx, { tag: 81 }>, { gasPrice }).fee;
  }

  async function askAuthData(request: GaAuthDataRequest): Promise<Uint8Array> {
    let result: unknown;
    try {
      result = await raceAbort(Promise.resolve().then(() => options.authData(request)), request.signal);
    } catch (error) {
      throw asRefusal(error);
    }
    if (result instanceof Uint8Array) return result;
    if (typeof result === 'string' && result.startsWith('cb_')) {
      try {
        return decode(result as Encoded<'cb'>, 'cb');
      } catch (cause) {
        if (!isAechannelError(cause)) throw cause;
      }
    }
    throw signerError('SIGNER_INVALID_ARGUMENT', 'The authData callback returned no call data (expected cb_ or bytes)', { context: { argument: 'authData' } });
  }

  async function signTransaction(tx: Encoded<'tx'>, signOptions: SignTransactionOptions): Promise<Encoded<'tx'>> {
    assertIsNetworkId(signOptions?.networkId);
    const { networkId, context, signal } = signOptions;
    throwIfAborted(signal);
    let unwrapped: ReturnType<typeof unwrapSignedTx>;
    let outerInner: Uint8Array;
    try {
      unwrapped = unwrapSignedTx(tx);
      outerInner = decodeSignedTx(tx).innerBytes;
    } catch (cause) {
      throw signerError('SIGNER_NOT_A_TRANSACTION', 'Expected a tx_ signed transaction (tag 11)', { cause, context: { got: String(tx).slice(0, 12) } });
    }
    // Wrapped already by this account: a second layer would be one authorization too many.
    if (unwrapped.layers.some((layer) => layer.gaId === address)) return tx;
    const mode = authMode(unwrapped.tx);
    // Off-chain: every layer covers the channel tx; on chain: this layer covers what it wraps.
    const authenticated = mode === 'offChain' ? unwrapped.innerBytes : outerInner;
    const ask = (fee: bigint): Promise<Uint8Array> => {
      const txHash = gaAuthTxHash(authenticated, { networkId, fee, gasPrice, protocol });
      return askAuthData({
        gaId: address, txHash, tx: unwrapped.tx, mode, authenticated: authenticated.slice(), fee, gas, gasPrice, networkId,
        ...(context === undefined ? {} : { context }),
        ...(signal === undefined ? {} : { signal }),
      });
    };
    let fee = feeFor(tx, authDataBytes);
    let authData = await ask(fee);
    if (authData.length > authDataBytes && fixedFee === undefined) {
      const needed = feeFor(tx, authData.length);
      if (needed > fee) {
        fee = needed;
        authData = await ask(fee);
        if (feeFor(tx, authData.length) > fee) {
          throw signerError('SIGNER_INVALID_ARGUMENT', 'The authData callback returned longer call data again; raise authDataBytes', { context: { argument: 'authData', size: authData.length } });
        }
      }
    }
    return wrapInGaMeta(tx, fields(authData, fee));
  }

  async function signBytes(): Promise<Uint8Array> {
    throw signerError('SIGNER_UNSUPPORTED', `${address} is a generalized account: it authenticates with its auth function, not with a signature`, { context: { address } });
  }

  return Object.freeze({ address, generalized: true as const, signTransaction, signBytes });
}

/**
 * Whether a signer is a generalized account's ({@link gaSigner}).
 * @param signer - any signer
 * @returns true for a GA signer
 * @example if (isGaSigner(signer)) console.log('authenticates with a GA meta tx');
 */
export function isGaSigner(signer: Signer): signer is GaSigner {
  return (signer as { generalized?: unknown }).generalized === true;
}

/**
 * The auth id of a GA layer a signer produced (§4): `blake2b(pubkey ++ auth_data)`; the
 * channel id of a generalized initiator uses it in place of the create tx's nonce.
 * @param tx - a tx the account wrapped
 * @param address - the generalized account
 * @returns 32 bytes, or undefined when the tx has no layer of `address`
 * @throws {AechannelError} the codes of codec `unwrapSignedTx`
 * @example gaAuthIdOf(signedCreate, initiator)
 */
export function gaAuthIdOf(tx: Encoded<'tx'>, address: Encoded<'ak'>): Uint8Array | undefined {
  const layer = unwrapSignedTx(tx).layers.find((l) => l.gaId === address);
  return layer === undefined ? undefined : authId(address, layer.authData);
}
