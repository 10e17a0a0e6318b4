/**
 * A transaction verifier that checks each signature once. A channel round shows the same
 * signatures several times: the peer's on the tx the node asks us to co-sign, then both again
 * on the co-signed state `channels.update` reports; our own among them. Ed25519
 * verification is the dominant cost of a round, so this verifier remembers every signature
 * it verified (and every one this process made, see `rememberSigned`) by signature, the
 * hash of the inner tx it covers and the network id, and takes a remembered signature as
 * matched without verifying it again.
 *
 * Nothing weaker is accepted: a remembered entry matches only the exact signature bytes over
 * the exact inner bytes (blake2b-256 of them) for the same network id, and only for the
 * signer it was verified (or made) for, who must be one of the expected signers. Every
 * other signature goes through the same matcher as {@link verifyTransaction} (each
 * expected signer exactly once, nothing left over, plain then hash mode, PROTOCOL.md
 * §3.1–3.2), so the verdict is the one `verifyTransaction` gives for the same input.
 */
import { hash, type Encoded } from '@aechannel/codec';
import { equalBytes } from './keys.js';
import { readSignedTx } from './signedTx.js';
import { getSyncVerifier, getVerifier } from './verifier.js';
import {
  driveAsync,
  prepareVerification,
  type PreparedVerification,
  type SignatureMatch,
  type VerifyTransactionOptions,
  type VerifyTransactionResult,
} from './verifyTransaction.js';

/**
 * One Ed25519 verification: true when `signature` is `publicKey`'s over `message`. May be
 * synchronous (node:crypto) or asynchronous (WebCrypto, noble).
 */
export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean | Promise<boolean>;

/**
 * The platform's Ed25519 verification, fastest first (node:crypto, WebCrypto, noble), as a
 * function: the default of {@link createTransactionVerifier}, and a building block for an
 * instrumented one (count or log each verification, then call it).
 * @returns a verify function (synchronous on Node)
 * @example
 * const platform = getEd25519Verify();
 * let count = 0;
 * const verifier = createTransactionVerifier({ verify: (k, m, s) => (count++, platform(k, m, s)) });
 */
export function getEd25519Verify(): Ed25519Verify {
  const native = getSyncVerifier();
  if (native !== undefined) return native.verify;
  return async (publicKey, message, signature) => (await getVerifier()).verify(publicKey, message, signature);
}

/** Options of {@link createTransactionVerifier}. */
export interface CreateTransactionVerifierOptions {
  /** The Ed25519 verification to use (default: {@link getEd25519Verify}). */
  verify?: Ed25519Verify;
  /** Most signatures remembered; the oldest is forgotten first (default 1024). */
  capacity?: number;
}

/** A transaction verifier with a memory of the signatures it has seen valid. */
export interface TransactionVerifier {
  /**
   * Which of `signers` signed `tx`, as {@link verifyTransaction} answers (the same `valid`,
   * `signers`, `missing` and number of extras; when one signer signed twice, which of its
   * copies is the extra one may differ), verifying only the signatures it does not
   * remember as valid for this inner tx and network id.
   * @throws {AechannelError} the codes of {@link verifyTransaction}
   */
  verifyTransaction(tx: Encoded<'tx'>, options: VerifyTransactionOptions): Promise<VerifyTransactionResult>;
  /**
   * Remembers the signature a signer of this process added: `signed` must be `unsigned`
   * (the same inner bytes) with exactly one signature more, made by `address` in plain mode
   * (`utf8(networkId) ++ innerBytes`, as every signer of this package signs). Anything
   * else is ignored (nothing is remembered), so a later check verifies it as usual.
   * @param unsigned - the tx handed to the signer
   * @param signed - what the signer returned
   * @param address - the signer's account
   * @param networkId - the network id it signed for
   */
  rememberSigned(unsigned: Encoded<'tx'>, signed: Encoded<'tx'>, address: Encoded<'ak'>, networkId: string): void;
  /** Ed25519 verifications run so far (the remembered ones are not counted). */
  readonly verifications: number;
}

interface Remembered {
  networkId: string;
  inner: string;
  address: Encoded<'ak'>;
  mode: 'plain' | 'hash';
}

const latin1 = (bytes: Uint8Array): string => String.fromCharCode.apply(null, bytes as unknown as number[]);
// The inner tx a remembered signature covers: its bytes themselves when short (a channel
// round's tx is about 150 bytes; copying them is cheaper than hashing them), else their
// blake2b. The first character keeps the two kinds apart.
const INNER_BYTES_KEPT = 1024;
const innerKey = (innerBytes: Uint8Array): string =>
  innerBytes.length <= INNER_BYTES_KEPT ? `b${latin1(innerBytes)}` : `h${latin1(hash(innerBytes))}`;

function takenBy(known: ReadonlyMap<number, { signer: number }>, signer: number): boolean {
  for (const match of known.values()) if (match.signer === signer) return true;
  return false;
}

/**
 * Whether the remembered signatures alone settle the verdict: no GA layer to sort out (none
 * found, none expected), and every signature remembered for a distinct expected signer,
 * each of them covered. The matcher would verify nothing then.
 */
function everyoneKnown(input: PreparedVerification, known: ReadonlyMap<number, unknown>): boolean {
  return input.layers.length === 0 && input.generalized.length === 0 && known.size === input.signatures.length && known.size === input.signers.length;
}

/** The matcher's result when {@link everyoneKnown}: valid, each signature matched to its remembered signer. */
function allKnown(input: PreparedVerification, known: ReadonlyMap<number, { signer: number; mode: 'plain' | 'hash' }>): VerifyTransactionResult {
  const matches: SignatureMatch[] = input.signatures.map((signature, index) => {
    const match = known.get(index)!;
    return { address: input.signers[match.signer]!.address, signature, mode: match.mode };
  });
  return { valid: true, signers: [...input.order], missing: [], extra: [], matches, layers: [], extraLayers: [] };
}

/**
 * Creates a {@link TransactionVerifier}: `verifyTransaction` that verifies each signature
 * once. A channel client keeps one for its lifetime; a node simulator one for all its
 * channels.
 * @param options - the Ed25519 verification to use, and how many signatures to remember
 * @returns the verifier
 * @example
 * const verifier = createTransactionVerifier();
 * const first = await verifier.verifyTransaction(halfSigned, { networkId, signers: [peer] }); // 1 verification
 * const again = await verifier.verifyTransaction(coSigned, { networkId, signers: [peer, me] }); // only mine is verified
 */
export function createTransactionVerifier(options: CreateTransactionVerifierOptions = {}): TransactionVerifier {
  const verify = options.verify ?? getEd25519Verify();
  const capacity = Math.max(0, Math.floor(options.capacity ?? 1024));
  const memory = new Map<string, Remembered>();
  let verifications = 0;

  const remember = (key: string, entry: Remembered): void => {
    if (capacity === 0) return;
    memory.delete(key);
    if (memory.size >= capacity) memory.delete(memory.keys().next().value as string);
    memory.set(key, entry);
  };

  async function verifyTransaction(tx: Encoded<'tx'>, verifyOptions: VerifyTransactionOptions): Promise<VerifyTransactionResult> {
    const input = prepareVerification(tx, verifyOptions);
    const { networkId, signers, signatures } = input;
    let inner: string | undefined;
    const known = new Map<number, { signer: number; mode: 'plain' | 'hash' }>();
    // each signature's memory key, computed once (a string copy of its 64 bytes)
    const keys: (string | undefined)[] = [];
    for (let index = 0; index < signatures.length; index += 1) {
      const signature = signatures[index]!;
      if (signature.length !== 64) continue;
      const key = latin1(signature);
      keys[index] = key;
      const entry = memory.get(key);
      if (entry === undefined || entry.networkId !== networkId) continue;
      inner ??= innerKey(input.innerBytes);
      if (entry.inner !== inner) continue;
      const signer = signers.findIndex((s) => s.address === entry.address);
      // each signer once: a repeated signature is left to the matcher (an extra)
      if (signer < 0 || takenBy(known, signer)) continue;
      known.set(index, { signer, mode: entry.mode });
    }
    const result =
      everyoneKnown(input, known)
        ? allKnown(input, known)
        : await driveAsync({ ...input, known }, (publicKey, message, signature) => {
            verifications += 1;
            return verify(publicKey, message, signature);
          });
    for (const match of result.matches) {
      inner ??= innerKey(input.innerBytes);
      const index = signatures.indexOf(match.signature);
      remember(keys[index] ?? latin1(match.signature), { networkId, inner, address: match.address, mode: match.mode });
    }
    return result;
  }

  function rememberSigned(unsigned: Encoded<'tx'>, signed: Encoded<'tx'>, address: Encoded<'ak'>, networkId: string): void {
    let before: ReturnType<typeof readSignedTx>;
    let after: ReturnType<typeof readSignedTx>;
    try {
      before = readSignedTx(unsigned);
      after = readSignedTx(signed);
    } catch {
      return;
    }
    if (!equalBytes(before.innerBytes, after.innerBytes)) return;
    const present = new Set(before.signatures.map(latin1));
    const added = after.signatures.filter((signature) => !present.has(latin1(signature)));
    if (added.length !== 1 || added[0]!.length !== 64) return;
    remember(latin1(added[0]!), { networkId, inner: innerKey(after.innerBytes), address, mode: 'plain' });
  }

  return {
    verifyTransaction,
    rememberSigned,
    get verifications() {
      return verifications;
    },
  };
}
