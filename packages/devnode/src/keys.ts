/**
 * Deterministic test accounts: the same seed always gives the same key pairs, so a
 * devnode started twice with one seed has the same prefunded addresses.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Encoded } from '@aechannel/codec';
import { keyPairFromSeed } from '@aechannel/signer';

/** A prefunded test account of the devnode. */
export interface DevnodeAccount {
  /** `ak_…` address. */
  address: Encoded<'ak'>;
  /** `sk_…` secret key (the 32-byte Ed25519 seed, PROTOCOL.md §1.1). */
  secretKey: Encoded<'sk'>;
}

/**
 * Derives test account number `index` from a seed string: the Ed25519 seed is
 * `sha256("aechannel-devnode:" ++ seed ++ ":" ++ index)`.
 * @param seed - any string
 * @param index - the account number (0-based)
 * @returns the account's address and secret key
 * @example deriveAccount('demo', 0).address
 */
export function deriveAccount(seed: string, index: number): DevnodeAccount {
  const secret = createHash('sha256').update(`aechannel-devnode:${seed}:${index}`).digest();
  const pair = keyPairFromSeed(new Uint8Array(secret));
  return { address: pair.address, secretKey: pair.secretKey };
}

/**
 * A deterministic byte source for ids the node would draw at random (fsm ids, block
 * hashes): `sha256(seed ++ label ++ counter)`, or real randomness when no seed is given.
 */
export class IdSource {
  #counter = 0;
  constructor(private readonly seed: string | undefined) {}

  /** 32 fresh bytes. */
  next(label: string): Uint8Array {
    this.#counter += 1;
    if (this.seed === undefined) return new Uint8Array(randomBytes(32));
    return new Uint8Array(createHash('sha256').update(`aechannel-devnode:${this.seed}:${label}:${this.#counter}`).digest());
  }
}
