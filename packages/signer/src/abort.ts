/**
 * AbortSignal plumbing shared by every backend: check before work starts, and race work
 * that may hang (a paused test signer, a user prompt) against the signal.
 */
import { signerError } from './errors.js';

/**
 * Throws `SIGNER_ABORTED` if `signal` has fired.
 * @internal
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) {
    throw signerError('SIGNER_ABORTED', 'Signing was aborted', { cause: signal.reason });
  }
}

/**
 * Settles with `work`, or rejects with `SIGNER_ABORTED` as soon as `signal` fires.
 * @internal
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signerError('SIGNER_ABORTED', 'Signing was aborted', { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The bytes as a WebCrypto `BufferSource` (backed by an ArrayBuffer; a SharedArrayBuffer
 * view is copied).
 * @internal
 */
export function asBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
