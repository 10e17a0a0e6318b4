/**
 * Scenario drivers backed by an embedded devnode: a fresh devnode per scenario, so
 * nothing one scenario leaves behind (open FSMs, chain state) affects the next.
 */
import { startDevnode, type StartDevnodeOptions } from '@aechannel/devnode';
import { createChannelDriverFactory, type ExamplesEnvironment } from './channelDriver.js';
import type { RecordingDriverFactory } from './runExamples.js';

/** Options of {@link createDevnodeDriverFactory}. */
export interface DevnodeDriverOptions {
  /** Responder node host and port of each scenario (§6.2). */
  peer: ExamplesEnvironment['peer'];
  /** Extra devnode options (e.g. `blocks`). */
  devnode?: StartDevnodeOptions;
}

/**
 * Creates scenario drivers that each start their own devnode (listening on a free
 * loopback port, so the clients use real WebSockets) and stop it when the scenario ends.
 * @param options - peer addressing and devnode options
 * @returns a factory for `runExamples`
 * @example
 * const createDriver = createDevnodeDriverFactory({ peer: (i) => ({ host: 'localhost', port: 13179 + i }) });
 */
export function createDevnodeDriverFactory(options: DevnodeDriverOptions): RecordingDriverFactory {
  let index = 0;
  return async (context, transcript) => {
    const devnode = await startDevnode({ port: 0, ...options.devnode });
    try {
      const [initiator, responder] = devnode.accounts;
      if (initiator === undefined || responder === undefined) throw new Error('the devnode has fewer than two accounts');
      const environment: ExamplesEnvironment = {
        peer: options.peer,
        url: devnode.url,
        networkId: devnode.networkId,
        keys: { initiator: initiator.secretKey, responder: responder.secretKey },
        mine: async (blocks) => {
          devnode.chain.mine(Number(blocks));
          await devnode.idle();
        },
        chain: {
          post: (signedTx) => devnode.chain.post(signedTx),
          nonce: (address) => devnode.chain.getAccount(address)?.nonce ?? 0n,
          settled: () => devnode.idle(),
          isGeneralized: (address) => devnode.chain.gaOf(address) !== undefined,
        },
      };
      const driver = await createChannelDriverFactory(environment, index++)(context, transcript);
      return {
        ...driver,
        async close() {
          try {
            await driver.close();
          } finally {
            await devnode.stop();
          }
        },
      };
    } catch (error) {
      await devnode.stop();
      throw error;
    }
  };
}
