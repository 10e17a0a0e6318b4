/**
 * Signers whose signatures can be taken as valid without verifying them: those of this
 * package that hold the key and sign with it (the signature is Ed25519 of that key over the
 * plain-mode payload, §3.1). A verify-once verifier may remember what such a signer adds
 * (`rememberSigned`); what any other `Signer` returns (a callback's or an account's result,
 * possibly in hash mode, a wrapper, a signer of your own) is verified like the peer's.
 */

const checked = new WeakSet<object>();

/** Marks a signer built by this package as checked. @internal */
export function markChecked<T extends object>(signer: T): T {
  checked.add(signer);
  return signer;
}

/**
 * Whether `signer` is one of this package's key-holding signers (`memorySigner`,
 * `createSigner`, `nodeCryptoSigner`, `webCryptoSigner`), whose signatures are valid
 * plain-mode signatures by construction. Any other `Signer` (`callbackSigner`,
 * `accountSigner`, a wrapper, one of your own) is not: a channel client then verifies its
 * signatures on every co-signed state, as it verifies the peer's.
 * @param signer - any value
 * @returns true for a checked signer of this copy of the package
 */
export function isCheckedSigner(signer: unknown): boolean {
  return typeof signer === 'object' && signer !== null && checked.has(signer);
}
