/**
 * @packageDocumentation
 * `@aechannel/signer`: one {@link Signer} interface for æternity channel transactions and
 * the backends behind it. A channel client signs every state it agrees to, so signing is
 * pluggable and fast:
 *
 * - {@link createSigner}: the default, node:crypto (OpenSSL) on Node/Deno/Bun found at run
 *   time, `@noble/ed25519` elsewhere;
 * - {@link memorySigner} (pure JS), {@link webCryptoSigner} (non-extractable WebCrypto key),
 *   `nodeCryptoSigner` from `@aechannel/signer/node`;
 * - {@link callbackSigner} and {@link accountSigner} for keys held elsewhere (wallets, user
 *   prompts, `@aeternity/aepp-sdk` accounts), whose results are verified before use;
 * - {@link gaSigner} for a generalized account: wraps the tx in a GA meta tx whose auth data
 *   a callback provides (PROTOCOL.md §2.9); the other backends sign inside such layers;
 * - {@link verifySignature} and {@link verifyTransaction} (plain then hash mode, PROTOCOL.md
 *   §3.1–3.2; GA layers of declared generalized signers) on the platform's native path;
 *   {@link createTransactionVerifier}, the same check verifying each signature once (a
 *   channel round shows the same ones again).
 *
 * Signing follows PROTOCOL.md §3.3: sign `utf8(networkId) ++ innerBytes` exactly as received
 * and add the signature to those present, sorted bytewise.
 *
 * It does not decide *whether* to sign (the fsm checks the transaction; a callback may refuse
 * using `context`), and does no I/O. It imports `@aechannel/codec`, `@noble/ed25519`,
 * `@noble/hashes` and WebCrypto via `globalThis.crypto`; never node:crypto statically (see
 * the `./node` entry), never fsm or transport. `./testing` has a controllable test double.
 */
export { accountSigner, type SigningAccount } from './accountSigner.js';
export {
  callbackSigner,
  type CallbackBytesRequest,
  type CallbackSignerFunction,
  type CallbackSignerRequest,
  type CallbackTransactionRequest,
} from './callbackSigner.js';
export { isCheckedSigner } from './checkedSigners.js';
export { createSigner } from './createSigner.js';
export {
  createTransactionVerifier,
  getEd25519Verify,
  type CreateTransactionVerifierOptions,
  type Ed25519Verify,
  type TransactionVerifier,
} from './createTransactionVerifier.js';
export {
  createSignerRefusedError,
  type SignerErrorCode,
  type SignerRefusedContext,
  type SignerRefusedOptions,
} from './errors.js';
export {
  addressToPublicKey,
  generateKeyPair,
  keyPairFromSeed,
  publicKeyFromSeed,
  publicKeyToAddress,
  type KeyPair,
  type SecretKeyInput,
} from './keys.js';
export { gaAuthIdOf, gaSigner, isGaSigner, type GaAuthDataRequest, type GaSigner, type GaSignerOptions } from './gaSigner.js';
export { memorySigner } from './memorySigner.js';
export { assertIsNetworkId, isNetworkId } from './networkId.js';
export type { SignBytesOptions, SignContext, Signer, SignTransactionOptions } from './types.js';
export { verifySignature } from './verifySignature.js';
export {
  verifyTransaction,
  type SignatureMatch,
  type VerifyTransactionOptions,
  type VerifyTransactionResult,
} from './verifyTransaction.js';
export { isWebCryptoEd25519Supported, webCryptoSigner, type WebCryptoKeyPair } from './webCryptoSigner.js';
