/**
 * The error codes of `@aechannel/signer`. Every failure is an `AechannelError` (from codec)
 * with one of these stable codes; codes are never renamed.
 */
import { AechannelError, type AechannelErrorOptions } from '@aechannel/codec';

/** Every error code this package throws. */
export type SignerErrorCode =
  /** A secret key that is not a 32-byte seed, a 64-byte seed ++ public key whose halves disagree, or an unknown format. */
  | 'SIGNER_INVALID_KEY'
  /** A network id that is not a non-empty string of printable ASCII (PROTOCOL.md §3.1). */
  | 'SIGNER_INVALID_NETWORK_ID'
  /** The value to sign is not a `tx_` signed transaction (tag 11, PROTOCOL.md §2.4). */
  | 'SIGNER_NOT_A_TRANSACTION'
  /** An `AbortSignal` fired before the signature was produced. */
  | 'SIGNER_ABORTED'
  /** The platform lacks what a backend needs (WebCrypto Ed25519, node:crypto, a sign method). */
  | 'SIGNER_UNSUPPORTED'
  /** The signer (a user, a wallet, a test double) declined to sign. */
  | 'SIGNER_REFUSED'
  /** A backend or callback returned a signature that does not verify for the signer's address. */
  | 'SIGNER_INVALID_SIGNATURE'
  /** A callback or account returned a transaction whose inner bytes differ from the request. */
  | 'SIGNER_TX_MISMATCH'
  /** An address that is not an `ak_` account public key. */
  | 'SIGNER_INVALID_ADDRESS'
  /** An argument of the wrong type (bytes, a function, an encoded signature). */
  | 'SIGNER_INVALID_ARGUMENT';

/** Context carried by `SIGNER_REFUSED`: the optional abort code to answer the node with (§9.6). */
export interface SignerRefusedContext {
  /** Error code (1..65535) for the `{"error": code}` reply, if the refuser chose one. */
  abortCode?: number;
}

/**
 * Builds a signer error.
 * @internal
 */
export function signerError<C extends object = Record<string, unknown>>(
  code: SignerErrorCode,
  shortMessage: string,
  options?: AechannelErrorOptions<C>,
): AechannelError<SignerErrorCode, C> {
  const error = new AechannelError<SignerErrorCode, C>(code, shortMessage, options);
  return error;
}

/** Options of {@link createSignerRefusedError}. */
export interface SignerRefusedOptions {
  /** Error code (1..65535) the channel client answers the node with (`{"error": code}`, §9.6). */
  abortCode?: number;
  /** Why, for humans. */
  reason?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Builds the `SIGNER_REFUSED` error a callback, wallet or policy throws to decline signing.
 * @param options - an optional abort code for the node, a reason, a cause
 * @returns the error to throw; an `abortCode` that is not an integer in 1..65535 is left out of
 *   its context and named in `details`
 * @example
 * const signer = callbackSigner(address, async ({ context }) => {
 *   throw createSignerRefusedError({ abortCode: 1234, reason: `no ${context?.kind}` });
 * });
 */
export function createSignerRefusedError(options: SignerRefusedOptions = {}): AechannelError<'SIGNER_REFUSED', SignerRefusedContext> {
  const { abortCode, reason, cause } = options;
  const validCode = abortCode !== undefined && Number.isInteger(abortCode) && abortCode >= 1 && abortCode <= 65535;
  const details = [reason, abortCode !== undefined && !validCode ? `ignored abort code ${String(abortCode)} (expected 1..65535)` : undefined]
    .filter((part) => part !== undefined)
    .join('; ');
  return new AechannelError<'SIGNER_REFUSED', SignerRefusedContext>('SIGNER_REFUSED', 'The signer refused to sign', {
    cause,
    details: details === '' ? undefined : details,
    context: validCode ? { abortCode } : {},
  });
}
