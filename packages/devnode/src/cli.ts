#!/usr/bin/env node
/**
 * `aechannel-devnode`: starts a devnode from the command line and prints its URL, network
 * id and prefunded test accounts (address and secret key).
 *
 * Usage: aechannel-devnode [--port 3014] [--host 127.0.0.1] [--network-id ae_devnet]
 *   [--seed aechannel-devnode] [--accounts 10] [--balance <aettos>]
 *   [--blocks instant|manual|<ms>] [--protocol ceres|iris]
 *   [--compat current|early-iris|iris-2020-03|iris-2020-01|lima-2019] [--json]
 */
import { parseArgs } from 'node:util';
import { stringifyJson } from '@aechannel/codec';
import { startDevnode, type StartDevnodeOptions } from './startDevnode.js';
import type { CompatPreset } from './compat.js';

const usage = `Usage: aechannel-devnode [options]
  --port <n>          WebSocket port (default 3014; 0 = any free port)
  --host <addr>       listen address (default 127.0.0.1)
  --network-id <id>   network id signatures are checked against (default ae_devnet)
  --seed <text>       seed of the prefunded accounts (default aechannel-devnode)
  --accounts <n>      number of prefunded accounts (default 10)
  --balance <aettos>  balance of each account (default 10^24)
  --blocks <mode>     instant (default), manual, or a block interval in ms
  --protocol <p>      ceres (default: create tx v2, Ceres contract rules) or iris
                      (create tx v1, Iris contract rules)
  --compat <preset>   current (default), early-iris (the contract recordings' node),
                      iris-2020-03, iris-2020-01, lima-2019
  --json              print the startup information as JSON
  --help              show this help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'network-id': { type: 'string' },
      seed: { type: 'string' },
      accounts: { type: 'string' },
      balance: { type: 'string' },
      blocks: { type: 'string' },
      protocol: { type: 'string' },
      compat: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    return;
  }
  const options: StartDevnodeOptions = {};
  if (values.port !== undefined) options.port = Number(values.port);
  if (values.host !== undefined) options.host = values.host;
  if (values['network-id'] !== undefined) options.networkId = values['network-id'];
  if (values.seed !== undefined) options.seed = values.seed;
  if (values.accounts !== undefined) options.accounts = Number(values.accounts);
  if (values.balance !== undefined) options.balance = BigInt(values.balance);
  if (values.blocks !== undefined) {
    options.blocks = values.blocks === 'instant' || values.blocks === 'manual' ? values.blocks : Number(values.blocks);
  }
  if (values.protocol !== undefined) {
    if (values.protocol !== 'ceres' && values.protocol !== 'iris') throw new Error(`Unknown protocol ${values.protocol}`);
    options.protocol = values.protocol;
  }
  if (values.compat !== undefined) options.compat = values.compat as CompatPreset;
  const devnode = await startDevnode(options);
  if (values.json === true) {
    console.log(stringifyJson({ url: devnode.url, networkId: devnode.networkId, accounts: devnode.accounts }));
  } else {
    console.log(`aechannel devnode listening on ${devnode.url}`);
    console.log(`network id: ${devnode.networkId}`);
    console.log(`block mode: ${devnode.chain.blockMode.mode}`);
    console.log('prefunded accounts (address, secret key):');
    for (const [i, account] of devnode.accounts.entries()) console.log(`  ${i}: ${account.address} ${account.secretKey}`);
  }
  const shutdown = (): void => {
    void devnode.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
