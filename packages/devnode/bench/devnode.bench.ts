import { bench, describe } from 'vitest';
import { startDevnode, type DevnodeAccount } from '@aechannel/devnode';
import { openChannel } from '../test/helpers/testClient.js';

describe('devnode throughput (in-process connections)', async () => {
  const devnode = await startDevnode({ listen: false, accounts: 400 });
  const accounts = devnode.accounts as DevnodeAccount[];
  let next = 0;
  bench('open a channel and run one transfer', async () => {
    const a = accounts[next % 400] as DevnodeAccount;
    const b = accounts[(next + 1) % 400] as DevnodeAccount;
    next += 2;
    const { initiator, responder } = await openChannel(devnode, a, b, { via: 'memory' });
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signNext('update', false);
    await responder.signNext('update_ack', false);
    await initiator.waitMethod('channels.update');
    initiator.close();
    responder.close();
  });
});
