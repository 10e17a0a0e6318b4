/**
 * The `Signer` interface every backend implements (docs/architecture.md, "@aechannel/signer").
 */
import type { Encoded, Tx } from '@aechannel/codec';

/**
 * Why a transaction is being signed, so a wallet, a policy or a user prompt can decide
 * (and refuse, with `SIGNER_REFUSED`). Built by the channel client from the node's
 * `channels.sign.<tag>` request (PROTOCOL.md §8.2).
 */
export interface SignContext {
  /** The sign request tag, e.g. `'update_ack'`, `'initiator_sign'`, `'shutdown_sign'`. */
  kind: string;
  /** The decoded `updates` of the request (`[]` for create, close, solo txs). */
  updates: readonly unknown[];
  /** The decoded inner transaction, when the caller has it. */
  tx?: Tx;
}

/** Options of {@link Signer.signTransaction}. */
export interface SignTransactionOptions {
  /** The network id prefixed to the signed payload (PROTOCOL.md §3.1), e.g. `'ae_mainnet'`. */
  networkId: string;
  /** Why this transaction is signed; passed through to callback backends. */
  context?: SignContext;
  /** Aborts a pending signature with `SIGNER_ABORTED`. */
  signal?: AbortSignal;
}

/** Options of {@link Signer.signBytes}. */
export interface SignBytesOptions {
  /** Aborts a pending signature with `SIGNER_ABORTED`. */
  signal?: AbortSignal;
}

/**
 * Signs channel transactions for one account.
 *
 * `signTransaction` signs exactly the inner bytes it receives (never re-serialized,
 * PROTOCOL.md §3.3) in plain mode (`utf8(networkId) ++ innerBytes`, §3.1) and returns the
 * same transaction with its signature added to those already present, sorted bytewise as
 * the node sorts them (§2.4). Signing a transaction that already carries this account's
 * signature returns it unchanged (sorted), since a duplicate would fail the node's strict
 * check (§3.2). Key-holding backends (memory, node:crypto, WebCrypto) recognise their own
 * plain-mode signature, which is byte-identical since Ed25519 is deterministic; they do not
 * verify what is present, so a hash-mode signature of the same account (e.g. made by
 * aepp-sdk) is not recognised. Callback and account backends verify every signature present,
 * in both modes, before asking.
 */
export interface Signer {
  /** The account this signer signs for. */
  readonly address: Encoded<'ak'>;
  /**
   * True for a generalized account's signer (`gaSigner`), which authenticates by wrapping
   * the tx in a GA meta tx instead of signing it (PROTOCOL.md §2.9).
   */
  readonly generalized?: boolean;
  /**
   * Adds this account's signature to `tx`.
   * @param tx - a signed transaction (tag 11), usually with 0 or 1 signatures
   * @param options - network id, context, abort signal
   * @returns the transaction with the signature added
   * @throws {AechannelError} `SIGNER_INVALID_NETWORK_ID`, `SIGNER_NOT_A_TRANSACTION`,
   *   `SIGNER_ABORTED`, `SIGNER_REFUSED` (callback and test backends), `SIGNER_INVALID_SIGNATURE`
   */
  signTransaction(tx: Encoded<'tx'>, options: SignTransactionOptions): Promise<Encoded<'tx'>>;
  /**
   * Signs raw bytes (pure Ed25519, RFC 8032).
   * @param bytes - the message
   * @param options - abort signal
   * @returns the 64-byte signature
   * @throws {AechannelError} `SIGNER_INVALID_ARGUMENT`, `SIGNER_ABORTED`, `SIGNER_UNSUPPORTED`
   */
  signBytes(bytes: Uint8Array, options?: SignBytesOptions): Promise<Uint8Array>;
}
