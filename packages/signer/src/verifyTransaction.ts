/**
 * Which accounts signed a transaction, checked the way the node checks (PROTOCOL.md §3.2):
 * each expected signer needs exactly one matching signature, and no signature may be left
 * over. Each signature is tried in plain mode (`utf8(networkId) ++ innerBytes`) first, then
 * in hash mode (`utf8(networkId) ++ blake2b(innerBytes)`, the mode of the upstream JS SDK),
 * as the node does (§3.1).
 *
 * Generalized accounts (§2.9, §3.2) authenticate with a GA meta layer instead of a
 * signature: a signer named in `generalized` needs exactly one layer of its own and no
 * signature, a basic signer a signature and no layer. Whether a layer's authorization holds
 * (its auth function returns `true`) depends on the account's contract on chain: the node
 * runs it; here only the layer's presence and account are checked.
 *
 * The matching is written once as a generator that yields verification requests and
 * receives their answers, so a synchronous driver (node:crypto, `./node` entry) and an
 * asynchronous one (any platform) share it, like noble's sync/async "finish" split.
 */
import type { Encoded, GaMetaLayer } from '@aechannel/codec';
import { signerError } from './errors.js';
import { assertIsNetworkId } from './networkId.js';
import { addressToPublicKey } from './keys.js';
import { hashPayload, plainPayload, readSignedTx } from './signedTx.js';
import { getSyncVerifier, getVerifier } from './verifier.js';

/** Options of {@link verifyTransaction}. */
export interface VerifyTransactionOptions {
  /** The network id the transaction was signed for (§3.1). */
  networkId: string;
  /** The accounts that should have signed (for a half-signed tx, those that signed so far). */
  signers: readonly Encoded<'ak'>[];
  /**
   * The generalized accounts among `signers` (or any), which authenticate with a GA meta
   * layer instead of a signature (§2.9). Default none: any layer makes the tx invalid.
   */
  generalized?: readonly Encoded<'ak'>[];
}

/** How one signature matched. */
export interface SignatureMatch {
  /** The signer. */
  address: Encoded<'ak'>;
  /** The 64-byte signature. */
  signature: Uint8Array;
  /** `plain` over `networkId ++ innerBytes`, `hash` over `networkId ++ blake2b(innerBytes)`. */
  mode: 'plain' | 'hash';
}

/** Result of {@link verifyTransaction}. */
export interface VerifyTransactionResult {
  /** True when every expected signer signed exactly once and no signature is left over. */
  valid: boolean;
  /** The expected signers that have a valid signature, in the order given. */
  signers: Encoded<'ak'>[];
  /** The expected signers without one. */
  missing: Encoded<'ak'>[];
  /** Signatures that match no expected signer (wrong key, network id or tx, or duplicates). */
  extra: Uint8Array[];
  /** Every match, in the order of the transaction's signatures. */
  matches: SignatureMatch[];
  /** The GA meta layers of expected generalized signers, outermost first (§2.9). */
  layers: GaMetaLayer[];
  /** GA meta layers of accounts not expected to authenticate that way (a basic or unknown account, or a second layer). */
  extraLayers: GaMetaLayer[];
}

/** One verification the matcher needs. @internal */
export interface VerifyRequest {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/** The prepared input of the matcher. @internal */
export interface PreparedVerification {
  signatures: Uint8Array[];
  innerBytes: Uint8Array;
  networkId: string;
  /** The signers that sign (basic accounts). */
  signers: { address: Encoded<'ak'>; publicKey: Uint8Array }[];
  /** The generalized signers expected, and the layers found. */
  generalized: Encoded<'ak'>[];
  layers: readonly GaMetaLayer[];
  /** Every expected signer, in the order given. */
  order: Encoded<'ak'>[];
  /**
   * Signatures already known to match (by signature index): verified before, or made by
   * this process. The matcher takes them as matched and verifies only the rest.
   */
  known?: ReadonlyMap<number, { signer: number; mode: 'plain' | 'hash' }>;
}

/**
 * Checks the arguments and splits the transaction.
 * @internal
 */
export function prepareVerification(tx: Encoded<'tx'>, options: VerifyTransactionOptions): PreparedVerification {
  assertIsNetworkId(options?.networkId);
  if (!Array.isArray(options.signers)) {
    // A missing list would otherwise read as "nobody had to sign" and pass an unsigned tx.
    throw signerError('SIGNER_INVALID_ARGUMENT', 'Expected signers as an array of ak_ addresses', {
      context: { got: typeof options.signers },
    });
  }
  const { signatures, innerBytes, layers } = readSignedTx(tx);
  const unique = [...new Set(options.signers)];
  const ga = new Set(options.generalized ?? []);
  const signers = unique.filter((address) => !ga.has(address)).map((address) => ({ address, publicKey: addressToPublicKey(address) }));
  const generalized = unique.filter((address) => ga.has(address));
  return { signatures, innerBytes, networkId: options.networkId, signers, generalized, layers, order: unique };
}

/** Plain mode first, then hash mode, as the node tries them (§3.1). */
const MODES = ['plain', 'hash'] as const;

/**
 * Matches signatures to signers, yielding each verification it needs.
 * @internal
 */
export function* matchSignatures(input: PreparedVerification): Generator<VerifyRequest, VerifyTransactionResult, boolean> {
  const { signatures, innerBytes, networkId, signers } = input;
  const signerOf = new Map<number, { signer: number; mode: 'plain' | 'hash' }>(input.known ?? []);
  const signed = new Set<number>([...signerOf.values()].map((match) => match.signer));
  for (const mode of MODES) {
    if (signed.size === signers.length) break;
    let message: Uint8Array | undefined;
    for (const [index, signature] of signatures.entries()) {
      if (signerOf.has(index) || signature.length !== 64) continue;
      for (const [s, signer] of signers.entries()) {
        if (signed.has(s)) continue;
        message ??= mode === 'plain' ? plainPayload(innerBytes, networkId) : hashPayload(innerBytes, networkId);
        if (yield { publicKey: signer.publicKey, message, signature }) {
          signerOf.set(index, { signer: s, mode });
          signed.add(s);
          break;
        }
      }
    }
  }
  const matches: SignatureMatch[] = [];
  const extra: Uint8Array[] = [];
  for (const [index, signature] of signatures.entries()) {
    const match = signerOf.get(index);
    const signer = match === undefined ? undefined : signers[match.signer];
    if (match === undefined || signer === undefined) extra.push(signature);
    else matches.push({ address: signer.address, signature, mode: match.mode });
  }
  // A generalized signer is present with exactly one layer of its own (§2.9).
  const layers: GaMetaLayer[] = [];
  const extraLayers: GaMetaLayer[] = [];
  for (const layer of input.layers) {
    const expected = input.generalized.includes(layer.gaId) && !layers.some((l) => l.gaId === layer.gaId);
    (expected ? layers : extraLayers).push(layer);
  }
  const wrapped = new Set(layers.map((l) => l.gaId));
  const has = (address: Encoded<'ak'>): boolean => wrapped.has(address) || signers.some((signer, s) => signed.has(s) && signer.address === address);
  const found = input.order.filter(has);
  const missing = input.order.filter((address) => !has(address));
  return { valid: missing.length === 0 && extra.length === 0 && extraLayers.length === 0, signers: found, missing, extra, matches, layers, extraLayers };
}

/**
 * Runs the matcher with a synchronous verify function.
 * @internal
 */
export function driveSync(
  input: PreparedVerification,
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean,
): VerifyTransactionResult {
  const matcher = matchSignatures(input);
  let step = matcher.next();
  while (step.done !== true) {
    const { publicKey, message, signature } = step.value;
    step = matcher.next(verify(publicKey, message, signature));
  }
  return step.value;
}

/**
 * Runs the matcher with an asynchronous verify function.
 * @internal
 */
export async function driveAsync(
  input: PreparedVerification,
  verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>,
): Promise<VerifyTransactionResult> {
  const matcher = matchSignatures(input);
  let step = matcher.next();
  while (step.done !== true) {
    const { publicKey, message, signature } = step.value;
    const answer = verify(publicKey, message, signature);
    // (a synchronous answer is taken as it is: no extra turn of the event loop per signature)
    step = matcher.next(typeof answer === 'boolean' ? answer : await answer);
  }
  return step.value;
}

/**
 * Checks which of `signers` signed `tx` (PROTOCOL.md §3.1–3.2), on the platform's native
 * verification path (node:crypto on Node, WebCrypto where available, noble otherwise).
 * @param tx - a signed transaction `tx_…`
 * @param options - the network id and the accounts expected to have signed
 * @returns `{ valid, signers, missing, extra, matches }`; `valid` means every expected
 *   signer signed exactly once and nothing else is there
 * @throws {AechannelError} `SIGNER_INVALID_NETWORK_ID`, `SIGNER_NOT_A_TRANSACTION`,
 *   `SIGNER_INVALID_ADDRESS`, `SIGNER_INVALID_ARGUMENT` (`signers` not an array); `SIGNER_UNSUPPORTED` on a platform with neither node:crypto
 *   nor `crypto.subtle`
 * @example
 * const { valid, missing } = await verifyTransaction(signedTx, {
 *   networkId: 'ae_mainnet',
 *   signers: [initiator, responder],
 * });
 */
export async function verifyTransaction(tx: Encoded<'tx'>, options: VerifyTransactionOptions): Promise<VerifyTransactionResult> {
  const input = prepareVerification(tx, options);
  const native = getSyncVerifier();
  if (native !== undefined) return driveSync(input, native.verify);
  const verifier = await getVerifier();
  return driveAsync(input, verifier.verify);
}
