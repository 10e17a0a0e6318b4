/**
 * Adapts an account object of another SDK, such as `MemoryAccount` of `@aeternity/aepp-sdk`,
 * to {@link Signer}.
 *
 * Such an account signs an *unsigned* transaction: given `tx_` of a bare inner tx it returns
 * `[11, 1, [signature], inner]` (given a signed tx, aepp-sdk 14 would wrap the whole tag-11
 * object as the inner tx and sign that). So the adapter hands it the inner bytes received,
 * takes the new signature from its answer after checking the inner bytes are unchanged and
 * the signature verifies (aepp-sdk signs in hash mode, PROTOCOL.md §3.1, which the node
 * accepts), and adds it to the signatures already present.
 */
import { encode, type Encoded } from '@aechannel/codec';
import { raceAbort, throwIfAborted } from './abort.js';
import { assertIsBytes } from './baseSigner.js';
import { signerError } from './errors.js';
import { acceptSignedTx, alreadySigned, asRefusal } from './externalSigner.js';
import { addressToPublicKey, publicKeyToAddress } from './keys.js';
import { assertIsNetworkId } from './networkId.js';
import { readSignedTx } from './signedTx.js';
import type { SignBytesOptions, Signer, SignTransactionOptions } from './types.js';
import { getVerifier } from './verifier.js';

/**
 * What {@link accountSigner} needs: an address and a `signTransaction(tx, { networkId })`
 * that signs the unsigned transaction `tx` and returns it as a signed tx. `unsafeSign` or
 * `sign` (raw bytes), if present, backs `signBytes`.
 */
export interface SigningAccount {
  readonly address: Encoded<'ak'>;
  signTransaction(tx: Encoded<'tx'>, options: { networkId: string }): Promise<Encoded<'tx'>>;
  unsafeSign?(data: Uint8Array): Promise<Uint8Array>;
  sign?(data: Uint8Array): Promise<Uint8Array>;
}

/**
 * Wraps an account object as a {@link Signer}.
 * @param account - e.g. `new MemoryAccount(secretKey)` from `@aeternity/aepp-sdk`
 * @returns a {@link Signer} that passes the account the inner tx and checks its answer: same
 *   inner bytes, one new valid signature by `account.address` (plain or hash mode)
 * @throws {AechannelError} `SIGNER_INVALID_ADDRESS` for a bad `account.address`,
 *   `SIGNER_UNSUPPORTED` if it has no `signTransaction`. Its methods throw
 *   `SIGNER_TX_MISMATCH`, `SIGNER_INVALID_SIGNATURE`, `SIGNER_REFUSED` (the account threw),
 *   `SIGNER_ABORTED`, and `SIGNER_UNSUPPORTED` from `signBytes` without `unsafeSign`/`sign`.
 * @example
 * import { MemoryAccount } from '@aeternity/aepp-sdk';
 * import { accountSigner } from '@aechannel/signer';
 * const signer = accountSigner(new MemoryAccount(secretKey));
 */
export function accountSigner(account: SigningAccount): Signer {
  if (typeof account?.signTransaction !== 'function') {
    throw signerError('SIGNER_UNSUPPORTED', 'The account has no signTransaction method');
  }
  const publicKey = addressToPublicKey(account.address);
  const address = publicKeyToAddress(publicKey);

  async function signTransaction(tx: Encoded<'tx'>, options: SignTransactionOptions): Promise<Encoded<'tx'>> {
    assertIsNetworkId(options?.networkId);
    const { networkId, signal } = options;
    throwIfAborted(signal);
    const pending = { ...readSignedTx(tx), address, networkId };
    const done = await alreadySigned(pending);
    if (done !== undefined) return done;
    let returned: unknown;
    try {
      const unsigned = encode(pending.innerBytes, 'tx');
      returned = await raceAbort(Promise.resolve().then(() => account.signTransaction(unsigned, { networkId })), signal);
    } catch (error) {
      throw asRefusal(error);
    }
    if (typeof returned !== 'string' || !returned.startsWith('tx_')) {
      throw signerError('SIGNER_INVALID_SIGNATURE', 'The account returned something other than a tx_ signed transaction');
    }
    return acceptSignedTx(pending, returned as Encoded<'tx'>, false);
  }

  async function signBytes(bytes: Uint8Array, options?: SignBytesOptions): Promise<Uint8Array> {
    assertIsBytes(bytes, 'the message');
    const signal = options?.signal;
    throwIfAborted(signal);
    const raw = account.unsafeSign ?? account.sign;
    if (raw === undefined) throw signerError('SIGNER_UNSUPPORTED', 'The account cannot sign raw bytes (no unsafeSign or sign method)');
    let signature: unknown;
    try {
      signature = await raceAbort(Promise.resolve().then(() => raw.call(account, bytes)), signal);
    } catch (error) {
      throw asRefusal(error);
    }
    const { verify } = await getVerifier();
    if (!(signature instanceof Uint8Array) || !(await verify(publicKey, bytes, signature))) {
      throw signerError('SIGNER_INVALID_SIGNATURE', `The account returned an invalid signature for ${address}`);
    }
    return new Uint8Array(signature);
  }

  return Object.freeze({ address, signTransaction, signBytes });
}
