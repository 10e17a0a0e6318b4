/**
 * Turns a raw Ed25519 sign function into a full {@link Signer}: argument checks, abort
 * handling and the transaction flow of PROTOCOL.md §3.3 live here once, so every key-holding
 * backend (noble, node:crypto, WebCrypto) behaves the same.
 */
import type { Encoded } from '@aechannel/codec';
import { raceAbort, throwIfAborted } from './abort.js';
import { markChecked } from './checkedSigners.js';
import { signerError } from './errors.js';
import { assertIsNetworkId } from './networkId.js';
import { plainPayload, readSignedTx, writeSignedTx } from './signedTx.js';
import type { SignBytesOptions, Signer, SignTransactionOptions } from './types.js';

/** Signs a message with pure Ed25519; may be sync or async. @internal */
export type RawSign = (message: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/**
 * Throws `SIGNER_INVALID_ARGUMENT` unless `bytes` is a Uint8Array.
 * @internal
 */
export function assertIsBytes(bytes: unknown, name: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw signerError('SIGNER_INVALID_ARGUMENT', `Expected ${name} as a Uint8Array`, { context: { got: typeof bytes } });
  }
}

/**
 * Builds a signer from an address and a raw sign function.
 * @internal
 */
export function signerFromRawSign(address: Encoded<'ak'>, rawSign: RawSign): Signer {
  async function signBytes(bytes: Uint8Array, options?: SignBytesOptions): Promise<Uint8Array> {
    assertIsBytes(bytes, 'the message');
    const signal = options?.signal;
    if (signal === undefined) return rawSign(bytes);
    throwIfAborted(signal);
    return raceAbort(Promise.resolve(rawSign(bytes)), signal);
  }

  async function signTransaction(tx: Encoded<'tx'>, options: SignTransactionOptions): Promise<Encoded<'tx'>> {
    assertIsNetworkId(options?.networkId);
    const signal = options.signal;
    throwIfAborted(signal);
    const { signatures, innerBytes, layers } = readSignedTx(tx);
    // §3.3 step 3 and 5: sign utf8(networkId) ++ the inner bytes exactly as received.
    const message = plainPayload(innerBytes, options.networkId);
    // A synchronous backend (node:crypto) has signed before any abort could fire: no race,
    // no listener on the signal.
    const raw = rawSign(message);
    const signature = raw instanceof Uint8Array ? raw : signal === undefined ? await raw : await raceAbort(raw, signal);
    // §3.3 step 4: keep the signatures present, add ours once, sort bytewise.
    // (a GA participant's meta layers stay around it, §2.9)
    return writeSignedTx(innerBytes, signatures, [signature], layers);
  }

  return markChecked(Object.freeze({ address, signTransaction, signBytes }));
}
