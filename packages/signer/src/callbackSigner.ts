/**
 * A signer that asks a function: a hardware wallet bridge, a browser extension, a remote
 * signing service, or a user prompt that looks at `context` and decides. Whatever comes
 * back is verified before it is used.
 */
import type { Encoded } from '@aechannel/codec';
import { raceAbort, throwIfAborted } from './abort.js';
import { assertIsBytes } from './baseSigner.js';
import { signerError } from './errors.js';
import { acceptSignature, acceptSignedTx, alreadySigned, asRefusal } from './externalSigner.js';
import { addressToPublicKey, publicKeyToAddress } from './keys.js';
import { assertIsNetworkId } from './networkId.js';
import { plainPayload, readSignedTx } from './signedTx.js';
import type { SignBytesOptions, SignContext, Signer, SignTransactionOptions } from './types.js';
import { getVerifier } from './verifier.js';
import { signatureBytes } from './verifySignature.js';

/** A request to sign a transaction, as passed to a {@link CallbackSignerFunction}. */
export interface CallbackTransactionRequest {
  type: 'transaction';
  /** The transaction as received. */
  tx: Encoded<'tx'>;
  /** Its inner bytes: what is signed, never re-serialized (PROTOCOL.md §3.3). */
  innerBytes: Uint8Array;
  /** The network id. */
  networkId: string;
  /** The plain-mode payload `utf8(networkId) ++ innerBytes` (§3.1): sign this. */
  message: Uint8Array;
  /** Why the transaction is signed, if the caller said. */
  context?: SignContext;
  /** Fires when the caller gives up. */
  signal?: AbortSignal;
}

/** A request to sign raw bytes, as passed to a {@link CallbackSignerFunction}. */
export interface CallbackBytesRequest {
  type: 'bytes';
  /** The bytes to sign. */
  message: Uint8Array;
  /** Fires when the caller gives up. */
  signal?: AbortSignal;
}

/** What a {@link CallbackSignerFunction} is asked. */
export type CallbackSignerRequest = CallbackTransactionRequest | CallbackBytesRequest;

/**
 * Signs on request. For a transaction, return the 64-byte signature (bytes or `sg_`) of
 * `message` (plain mode) or of the hash-mode payload, or the whole signed `tx_`; for bytes,
 * return the signature. Throw (ideally {@link createSignerRefusedError}) to refuse.
 */
export type CallbackSignerFunction = (
  request: CallbackSignerRequest,
) => Promise<Uint8Array | Encoded<'sg'> | Encoded<'tx'>> | Uint8Array | Encoded<'sg'> | Encoded<'tx'>;

function invalidResult(): Error {
  return signerError('SIGNER_INVALID_SIGNATURE', 'The sign callback returned neither a signature nor a tx_ signed transaction');
}

/**
 * Creates a signer that delegates to `fn` and verifies what it returns.
 * @param address - the account `fn` signs for
 * @param fn - the sign callback
 * @returns a {@link Signer}
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS` for a bad address. Its methods throw
 *   `SIGNER_REFUSED` when `fn` throws a non-aechannel error (aechannel errors such as
 *   {@link createSignerRefusedError} pass through), `SIGNER_INVALID_SIGNATURE` or
 *   `SIGNER_TX_MISMATCH` when the result does not check out, and `SIGNER_ABORTED`.
 * @example
 * import { callbackSigner, createSignerRefusedError, memorySigner } from '@aechannel/signer';
 * const key = memorySigner(secretKey);
 * const signer = callbackSigner(key.address, async (request) => {
 *   if (request.type === 'transaction' && request.context?.kind === 'shutdown_sign_ack') {
 *     throw createSignerRefusedError({ abortCode: 4000, reason: 'not closing today' });
 *   }
 *   return key.signBytes(request.message);
 * });
 */
export function callbackSigner(address: Encoded<'ak'>, fn: CallbackSignerFunction): Signer {
  const publicKey = addressToPublicKey(address);
  const checkedAddress = publicKeyToAddress(publicKey);
  if (typeof fn !== 'function') throw signerError('SIGNER_INVALID_ARGUMENT', 'Expected the sign callback to be a function');

  async function call(request: CallbackSignerRequest, signal: AbortSignal | undefined): Promise<unknown> {
    try {
      return await raceAbort(Promise.resolve().then(() => fn(request)), signal);
    } catch (error) {
      throw asRefusal(error);
    }
  }

  async function signTransaction(tx: Encoded<'tx'>, options: SignTransactionOptions): Promise<Encoded<'tx'>> {
    assertIsNetworkId(options?.networkId);
    const { networkId, context, signal } = options;
    throwIfAborted(signal);
    const parts = readSignedTx(tx);
    const pending = { ...parts, address: checkedAddress, networkId };
    const done = await alreadySigned(pending);
    if (done !== undefined) return done;
    const request: CallbackTransactionRequest = {
      type: 'transaction',
      tx,
      // A copy: the decoded bytes are shared with the codec's memo and this signer's own check.
      innerBytes: parts.innerBytes.slice(),
      networkId,
      message: plainPayload(parts.innerBytes, networkId),
      ...(context === undefined ? {} : { context }),
      ...(signal === undefined ? {} : { signal }),
    };
    const result = await call(request, signal);
    if (typeof result === 'string' && result.startsWith('tx_')) return acceptSignedTx(pending, result as Encoded<'tx'>, true);
    if (result instanceof Uint8Array || (typeof result === 'string' && result.startsWith('sg_'))) {
      return acceptSignature(pending, signatureBytes(result as Uint8Array | Encoded<'sg'>));
    }
    throw invalidResult();
  }

  async function signBytes(bytes: Uint8Array, options?: SignBytesOptions): Promise<Uint8Array> {
    assertIsBytes(bytes, 'the message');
    const signal = options?.signal;
    throwIfAborted(signal);
    const request: CallbackBytesRequest = { type: 'bytes', message: bytes, ...(signal === undefined ? {} : { signal }) };
    const result = await call(request, signal);
    if (!(result instanceof Uint8Array) && !(typeof result === 'string' && result.startsWith('sg_'))) throw invalidResult();
    const signature = signatureBytes(result as Uint8Array | Encoded<'sg'>);
    const { verify } = await getVerifier();
    if (!(await verify(publicKey, bytes, signature))) {
      throw signerError('SIGNER_INVALID_SIGNATURE', `The returned signature is not a valid signature of ${checkedAddress}`, {
        context: { address: checkedAddress },
      });
    }
    return signature;
  }

  return Object.freeze({ address: checkedAddress, signTransaction, signBytes });
}
