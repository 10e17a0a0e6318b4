/**
 * The cost of a transfer round in signature work: each client verifies every signature once
 * per round at most, and none it made itself or already verified (the peer's, checked
 * before co-signing, is not checked again when `channels.update` reports the co-signed
 * state). The bound: at most 2 ed25519 verifies and 1 sign per client per round; the
 * devnode (both of its FSMs and the chain) at most 2 verifies per round.
 *
 * Instrumented twice: the native Ed25519 of this process (libsodium's
 * `crypto_sign_verify_detached` and `crypto_sign_detached` where sodium-native loads, and
 * node:crypto's `verify` and `sign`: every Ed25519 operation on Node, attributed to the
 * devnode or a client by the calling code), and each
 * client's own verifier (`createTransactionVerifier` with a counting verify function).
 * A signer that is not one of @aechannel/signer's key-holding signers (here a wrapper) does
 * not get that trust: its signature is verified when the co-signed state comes back.
 */
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { createSigner, createTransactionVerifier, getEd25519Verify, type Signer } from '@aechannel/signer';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Channel } from '../src/Channel.js';
import { smallChannelOptions } from './helpers.js';

type NodeCrypto = typeof import('node:crypto');
const crypto = process.getBuiltinModule('node:crypto') as NodeCrypto;
// the sodium-native the signer loads (an optional dependency of @aechannel/signer)
type Sodium = { crypto_sign_verify_detached: (...args: unknown[]) => boolean; crypto_sign_detached: (...args: unknown[]) => void };
const sodium = createRequire(new URL('../../signer/package.json', import.meta.url))('sodium-native') as Sodium;

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await devnode.stop();
});

/** Who called: the devnode's code, or a client's. */
const callerOf = (): 'devnode' | 'client' => (/[/\\]devnode[/\\]src[/\\]/.test(new Error().stack ?? '') ? 'devnode' : 'client');

type Counts = { native: { devnode: { verify: number; sign: number }; client: { verify: number; sign: number } }; clients: { initiator: { verifies: number }; responder: { verifies: number } } };

/** Opens a channel with the signers `signerOf` makes, runs `rounds` transfers both ways and counts. */
async function countRounds(rounds: number, signerOf: (secretKey: string) => Signer, first: number): Promise<Counts> {
  const options = smallChannelOptions(devnode, first, first + 1);
  const a = devnode.accounts[first]!;
  const b = devnode.accounts[first + 1]!;
  const clients = { initiator: { verifies: 0 }, responder: { verifies: 0 } };
  const platformVerify = getEd25519Verify();
  const verifierFor = (counter: { verifies: number }) =>
    createTransactionVerifier({
      verify: (publicKey, message, signature) => {
        counter.verifies += 1;
        return platformVerify(publicKey, message, signature);
      },
    });
  const common = { ...options, transport: (url: string) => devnode.connect(url), watcher: false } as const;
  const [initiator, responder] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: signerOf(a.secretKey), verifier: verifierFor(clients.initiator) }),
    Channel.open({ ...common, role: 'responder', signer: signerOf(b.secretKey), verifier: verifierFor(clients.responder) }),
  ]);
  try {
    // A few rounds first, so nothing of the opening is counted.
    for (let i = 0; i < 3; i++) await initiator.transfer(responder.address, 1n);
    const native = { devnode: { verify: 0, sign: 0 }, client: { verify: 0, sign: 0 } };
    const count = (target: object, name: string, op: 'verify' | 'sign'): { mockRestore: () => void } => {
      const real = (target as Record<string, (...args: unknown[]) => unknown>)[name]!;
      return vi.spyOn(target as Record<string, (...args: unknown[]) => unknown>, name).mockImplementation((...args: unknown[]) => {
        native[callerOf()][op] += 1;
        return Reflect.apply(real, target, args);
      });
    };
    const spies = [
      count(crypto, 'verify', 'verify'),
      count(crypto, 'sign', 'sign'),
      count(sodium, 'crypto_sign_verify_detached', 'verify'),
      count(sodium, 'crypto_sign_detached', 'sign'),
    ];
    for (const side of [clients.initiator, clients.responder]) side.verifies = 0;
    try {
      for (let i = 0; i < rounds; i++) {
        // both directions: each client is the starter half of the time
        if (i % 2 === 0) await initiator.transfer(responder.address, 1n);
        else await responder.transfer(initiator.address, 1n);
      }
      // the acknowledger's report of the last round may still be on its way
      await vi.waitFor(() => expect(responder.round).toBe(initiator.round));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(initiator.round).toBe(4n + BigInt(rounds));
    return { native, clients };
  } finally {
    initiator.dispose();
    responder.dispose();
  }
}

/** A signer of the application's own: it signs through a key-holding signer but is not one. */
function wrapped(signer: Signer): Signer {
  return { address: signer.address, signBytes: (bytes, options) => signer.signBytes(bytes, options), signTransaction: (tx, options) => signer.signTransaction(tx, options) };
}

describe('signature work per transfer round', () => {
  const rounds = 10;

  it('each client verifies at most 2 and signs 1 per round; the devnode verifies at most 2', async () => {
    const { native, clients } = await countRounds(rounds, (secretKey) => createSigner(secretKey), 0);
    // process-wide: every Ed25519 operation, whoever asked for it
    expect(native.client.sign).toBe(2 * rounds);
    expect(native.client.verify).toBeLessThanOrEqual(2 * 2 * rounds);
    expect(native.devnode.verify).toBeLessThanOrEqual(2 * rounds);
    expect(native.client.verify + native.devnode.verify).toBeGreaterThan(0);
    // per client, through its own verifier: the peer's signature once, its own never
    for (const side of [clients.initiator, clients.responder]) expect(side.verifies).toBe(rounds);
  });

  it("verifies the own signature of a signer that is not one of @aechannel/signer's key-holding signers", async () => {
    const { native, clients } = await countRounds(rounds, (secretKey) => wrapped(createSigner(secretKey)), 2);
    expect(native.client.sign).toBe(2 * rounds);
    // the peer's signature and its own, each once per round (its own when it made it, so no
    // signature is tried against the wrong key when the co-signed state comes back)
    for (const side of [clients.initiator, clients.responder]) expect(side.verifies).toBe(2 * rounds);
  });
});
