/**
 * The cost of a transfer round in signature work: each client verifies every signature once
 * per round at most, and none it made itself or already verified (the peer's, checked
 * before co-signing, is not checked again when `channels.update` reports the co-signed
 * state). The bound: at most 2 ed25519 verifies and 1 sign per client per round; the
 * devnode (both of its FSMs and the chain) at most 2 verifies per round.
 *
 * Instrumented twice: node:crypto's `verify` and `sign` (every Ed25519 operation of this
 * process on Node, attributed to the devnode or a client by the calling code), and each
 * client's own verifier (`createTransactionVerifier` with a counting verify function) and
 * signer (a wrapper counting `signTransaction`).
 */
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { createSigner, createTransactionVerifier, getEd25519Verify, type Signer } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Channel } from '../src/Channel.js';
import { smallChannelOptions } from './helpers.js';

type NodeCrypto = typeof import('node:crypto');
const crypto = process.getBuiltinModule('node:crypto') as NodeCrypto;

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

function countingSigner(signer: Signer, counter: { signs: number }): Signer {
  return {
    address: signer.address,
    signBytes: (bytes, options) => signer.signBytes(bytes, options),
    signTransaction: (tx, options) => {
      counter.signs += 1;
      return signer.signTransaction(tx, options);
    },
  };
}

describe('signature work per transfer round', () => {
  it('each client verifies at most 2 and signs 1 per round; the devnode verifies at most 2', async () => {
    const options = smallChannelOptions(devnode, 0, 1);
    const a = devnode.accounts[0]!;
    const b = devnode.accounts[1]!;
    const clients = { initiator: { signs: 0, verifies: 0 }, responder: { signs: 0, verifies: 0 } };
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
      Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: countingSigner(createSigner(a.secretKey), clients.initiator), verifier: verifierFor(clients.initiator) }),
      Channel.open({ ...common, role: 'responder', signer: countingSigner(createSigner(b.secretKey), clients.responder), verifier: verifierFor(clients.responder) }),
    ]);
    try {
      // A few rounds first, so nothing of the opening is counted.
      for (let i = 0; i < 3; i++) await initiator.transfer(responder.address, 1n);
      const native = { devnode: { verify: 0, sign: 0 }, client: { verify: 0, sign: 0 } };
      const realVerify = crypto.verify;
      const realSign = crypto.sign;
      const wrapVerify = vi.spyOn(crypto, 'verify').mockImplementation(((...args: unknown[]) => {
        native[callerOf()].verify += 1;
        return Reflect.apply(realVerify, crypto, args);
      }) as never);
      const wrapSign = vi.spyOn(crypto, 'sign').mockImplementation(((...args: unknown[]) => {
        native[callerOf()].sign += 1;
        return Reflect.apply(realSign, crypto, args);
      }) as never);
      for (const side of [clients.initiator, clients.responder]) Object.assign(side, { signs: 0, verifies: 0 });
      const rounds = 10;
      try {
        for (let i = 0; i < rounds; i++) {
          // both directions: each client is the starter half of the time
          if (i % 2 === 0) await initiator.transfer(responder.address, 1n);
          else await responder.transfer(initiator.address, 1n);
        }
        // the acknowledger's report of the last round may still be on its way
        await vi.waitFor(() => expect(responder.round).toBe(initiator.round));
      } finally {
        wrapVerify.mockRestore();
        wrapSign.mockRestore();
      }
      expect(initiator.round).toBe(4n + BigInt(rounds));
      // (each transfer of both directions, once every signature is checked once: 1 verify per client per round)
      // process-wide: every Ed25519 operation, whoever asked for it
      expect(native.client.sign).toBe(2 * rounds);
      expect(native.client.verify).toBeLessThanOrEqual(2 * 2 * rounds);
      expect(native.devnode.verify).toBeLessThanOrEqual(2 * rounds);
      expect(native.client.verify + native.devnode.verify).toBeGreaterThan(0);
      // per client, through its own verifier and signer
      for (const side of [clients.initiator, clients.responder]) {
        expect(side.signs).toBe(rounds);
        expect(side.verifies).toBeLessThanOrEqual(2 * rounds);
      }
    } finally {
      initiator.dispose();
      responder.dispose();
    }
  });
});
