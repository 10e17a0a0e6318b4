/**
 * Checks what an external signer (a user callback, a wallet, an aepp-sdk account) hands back:
 * the code holding no key must never pass on a signature it has not verified.
 */
import type { Encoded } from '@aechannel/codec';
import { isAechannelError } from '@aechannel/codec';
import { createSignerRefusedError, signerError } from './errors.js';
import { addressToPublicKey, equalBytes } from './keys.js';
import { hashPayload, plainPayload, readSignedTx, writeSignedTx, type SignedTxParts } from './signedTx.js';
import { getVerifier } from './verifier.js';

/** A transaction being signed by an external signer. @internal */
export interface ExternalRequest extends SignedTxParts {
  address: Encoded<'ak'>;
  networkId: string;
}

/**
 * Whether `signature` by `address` is valid over the tx in plain or hash mode (§3.1).
 * @internal
 */
export async function isTxSignatureOf(request: ExternalRequest, signature: Uint8Array): Promise<boolean> {
  const { verify } = await getVerifier();
  const publicKey = addressToPublicKey(request.address);
  if (await verify(publicKey, plainPayload(request.innerBytes, request.networkId), signature)) return true;
  return verify(publicKey, hashPayload(request.innerBytes, request.networkId), signature);
}

/**
 * If `address` already signed the tx, the tx with sorted signatures, else undefined: signing
 * twice would leave an extra signature the node rejects (§3.2).
 * @internal
 */
export async function alreadySigned(request: ExternalRequest): Promise<Encoded<'tx'> | undefined> {
  for (const signature of request.signatures) {
    if (await isTxSignatureOf(request, signature)) return writeSignedTx(request.innerBytes, request.signatures, [], request.layers);
  }
  return undefined;
}

/**
 * Accepts a bare signature from an external signer after verifying it.
 * @internal
 * @throws {AechannelError} `SIGNER_INVALID_SIGNATURE`
 */
export async function acceptSignature(request: ExternalRequest, signature: Uint8Array): Promise<Encoded<'tx'>> {
  if (!(await isTxSignatureOf(request, signature))) {
    throw signerError('SIGNER_INVALID_SIGNATURE', `The returned signature is not a valid signature of ${request.address} for this transaction`, {
      context: { address: request.address, networkId: request.networkId },
    });
  }
  return writeSignedTx(request.innerBytes, request.signatures, [signature], request.layers);
}

/**
 * Accepts a signed tx from an external signer: same inner bytes, every signature that was
 * there still there (when the signer was given them: `keepsSignatures`), and at least one new
 * signature that verifies for `address` (plain or hash mode). The result carries the original
 * signatures plus that one, sorted; anything else the signer added is dropped, since only
 * `address`'s signature belongs to it.
 * @internal
 * @throws {AechannelError} `SIGNER_NOT_A_TRANSACTION`, `SIGNER_TX_MISMATCH`, `SIGNER_INVALID_SIGNATURE`
 */
export async function acceptSignedTx(request: ExternalRequest, returned: Encoded<'tx'>, keepsSignatures: boolean): Promise<Encoded<'tx'>> {
  const result = readSignedTx(returned);
  if (!equalBytes(result.innerBytes, request.innerBytes)) {
    throw signerError('SIGNER_TX_MISMATCH', 'The signer returned a different transaction than it was asked to sign', {
      context: { address: request.address },
    });
  }
  const kept = !keepsSignatures || request.signatures.every((before) => result.signatures.some((after) => equalBytes(before, after)));
  if (!kept) {
    throw signerError('SIGNER_TX_MISMATCH', 'The signer dropped signatures that were already on the transaction', {
      context: { address: request.address },
    });
  }
  const added = result.signatures.filter((after) => !request.signatures.some((before) => equalBytes(before, after)));
  for (const signature of added) {
    if (await isTxSignatureOf(request, signature)) return writeSignedTx(request.innerBytes, request.signatures, [signature], request.layers);
  }
  throw signerError('SIGNER_INVALID_SIGNATURE', `The returned transaction carries no new valid signature of ${request.address}`, {
    context: { address: request.address, networkId: request.networkId, added: added.length },
  });
}

/**
 * Maps what an external signer threw: aechannel errors pass through, anything else means it
 * did not sign (`SIGNER_REFUSED`, with the error as cause).
 * @internal
 */
export function asRefusal(error: unknown): unknown {
  if (isAechannelError(error)) return error;
  return createSignerRefusedError({ cause: error, reason: error instanceof Error ? error.message : String(error) });
}
