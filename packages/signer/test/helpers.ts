/** Shared test helpers: hex, fixture transactions, error matchers. */
import { decode, decodeSignedTx, isAechannelError, packTx, type Encoded, type JsonValue, type Tx } from '@aechannel/codec';
import { loadFixtures, type Fixture } from '@aechannel/transcript/fixtures';
import type { Role } from '@aechannel/transcript';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import type { Signer } from '../src/index.js';
import { nodeCryptoSigner } from '../src/node.js';
import { rfc8032Vectors } from './rfc8032.js';
import type { SodiumModule } from '../src/sodium.js';

/** sodium-native (an optional dependency, installed for the tests), whatever AECHANNEL_SODIUM says. */
export const sodiumNative = createRequire(import.meta.url)('sodium-native') as SodiumModule;

export function hex(value: string): Uint8Array {
  return Uint8Array.from({ length: value.length / 2 }, (_, i) => Number.parseInt(value.slice(2 * i, 2 * i + 2), 16));
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Asserts that `promise` rejects with an aechannel error of `code`, and returns the error. */
export async function expectCode(promise: Promise<unknown> | (() => unknown), code: string): Promise<Error & { code: string; context: Record<string, unknown> }> {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (caught) {
    error = caught;
  }
  expect(error, `expected a rejection with ${code}`).toBeDefined();
  expect(isAechannelError(error) ? error.code : error).toBe(code);
  return error as Error & { code: string; context: Record<string, unknown> };
}

/** Every `tx_` string anywhere in a JSON value. */
export function collectTxs(value: JsonValue | undefined, out: Encoded<'tx'>[] = []): Encoded<'tx'>[] {
  if (typeof value === 'string' && value.startsWith('tx_')) out.push(value as Encoded<'tx'>);
  else if (Array.isArray(value)) for (const item of value) collectTxs(item, out);
  else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) collectTxs(item as JsonValue, out);
  }
  return out;
}

// Two recordings start mid-channel with no connect section; their accounts are listed in
// PROTOCOL.md §12 (seed 003, and seed 000 for conflict_two_withdrawals.md).
const knownParticipants: Record<string, Record<Role, Encoded<'ak'>>> = {
  'conflict_two_withdrawals.md': {
    initiator: 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS',
    responder: 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W',
  },
  'conflict_two_updates_and_user_abort.md': {
    initiator: 'ak_p5mwxAHVY4fqWNqYDvGLfTAWGGra3B4zuNQayyHZZwS9bKrRx',
    responder: 'ak_2J29WNS9gzYvK6VWkQQqmAyUu8DH7zHQ1CaN2hZr8B7cxGKNZn',
  },
};

/** The participants of a fixture, from the connect URLs (or PROTOCOL.md §12). */
export function participants(fixture: Fixture): Record<Role, Encoded<'ak'>> {
  for (const section of fixture.sections) {
    if (section.kind !== 'connect') continue;
    const params = new URL(section.url).searchParams;
    const initiator = params.get('initiator_id');
    const responder = params.get('responder_id');
    if (initiator !== null && responder !== null) {
      return { initiator: initiator as Encoded<'ak'>, responder: responder as Encoded<'ak'> };
    }
  }
  const known = knownParticipants[fixture.name];
  if (known !== undefined) return known;
  throw new Error(`no participants in ${fixture.name}`);
}

/** One fixture with its participants. */
export interface FixtureCase {
  fixture: Fixture;
  accounts: Record<Role, Encoded<'ak'>>;
}

export function fixtureCases(): FixtureCase[] {
  return loadFixtures().map((fixture) => ({ fixture, accounts: participants(fixture) }));
}

/** An unsigned channel create tx (0 signatures) from a recording, to sign in tests. */
export function unsignedCreateTx(): { tx: Encoded<'tx'>; networkId: string } {
  for (const { fixture } of fixtureCases()) {
    for (const section of fixture.sections) {
      if (section.kind !== 'receive') continue;
      const message = section.message as { method?: string; params?: { data?: { signed_tx?: string } } };
      const tx = message.params?.data?.signed_tx;
      if (message.method === 'channels.sign.initiator_sign' && tx !== undefined) {
        return { tx: tx as Encoded<'tx'>, networkId: fixture.networkId };
      }
    }
  }
  throw new Error('no initiator_sign request in the fixtures');
}

/** The inner bytes of a different, valid create tx (the nonce of `unsignedCreateTx` plus one). */
export function otherInnerBytes(): Uint8Array {
  const inner = decodeSignedTx(unsignedCreateTx().tx).tx as Tx & { nonce: bigint };
  return decode(packTx({ ...inner, nonce: inner.nonce + 1n } as Tx), 'tx');
}

/** Three `nodeCryptoSigner`s on the keys of the first three RFC 8032 vectors (distinct parties for signature checks). */
export function vectorSigners(): [Signer, Signer, Signer] {
  const [a, b, c] = rfc8032Vectors.map((v) => nodeCryptoSigner(hex(v.secretKey)));
  return [a!, b!, c!];
}
