/**
 * `aechannel devnode`: starts the devnode and prints how to reach it.
 */
import { stringifyJson } from '@aechannel/codec';
import { startDevnode } from '@aechannel/devnode';
import type { CliIo } from './runCli.js';

/** Flags of the `devnode` command. */
export interface DevnodeCommandFlags {
  port: number;
  networkId?: string;
  accounts?: number;
  json: boolean;
}

/**
 * Starts a devnode, prints its URL, network id and accounts, and runs until `io.untilStopped`
 * resolves (Ctrl-C), then stops it.
 * @returns the exit code
 */
export async function startDevnodeForCli(flags: DevnodeCommandFlags, io: CliIo): Promise<number> {
  const devnode = await startDevnode({
    port: flags.port,
    ...(flags.networkId === undefined ? {} : { networkId: flags.networkId }),
    ...(flags.accounts === undefined ? {} : { accounts: flags.accounts }),
  });
  try {
    const accounts = devnode.accounts.map((a) => ({ address: a.address, secretKey: a.secretKey, balance: devnode.chain.getBalance(a.address) }));
    if (flags.json) {
      io.stdout(`${stringifyJson({ url: devnode.url, networkId: devnode.networkId, accounts })}\n`);
    } else {
      const lines = [
        `devnode listening on ${devnode.url}`,
        `network id: ${devnode.networkId}`,
        'accounts (address, secret key, balance in aettos):',
        ...accounts.map((a, i) => `  ${i}: ${a.address} ${a.secretKey} ${a.balance}`),
        'Press Ctrl-C to stop.',
      ];
      io.stdout(`${lines.join('\n')}\n`);
    }
    await (io.untilStopped?.() ?? Promise.resolve());
  } finally {
    await devnode.stop();
  }
  return 0;
}
