import { readFileSync } from 'node:fs';
import { bench, describe } from 'vitest';
import type { Encoded } from '@aechannel/codec';
import { createdContractId } from '@aechannel/fate';
import { startDevnode, type DevnodeAccount } from '@aechannel/devnode';
import { openChannel, type TestClient } from '../test/helpers/testClient.js';

const counter = JSON.parse(readFileSync(new URL('../test/fixtures/counter.json', import.meta.url), 'utf8')) as {
  bytecode: Encoded<'cb'>;
  calldata: Record<string, Encoded<'cb'>>;
};

async function round(starter: TestClient, acknowledger: TestClient, method: string, params: Record<string, unknown>): Promise<void> {
  starter.notify(method, params as never);
  await starter.signNext('update', false);
  await acknowledger.signNext('update_ack', false);
  await Promise.all([starter.waitMethod('channels.update'), acknowledger.waitMethod('channels.update')]);
}

describe('devnode rounds on one channel (in-process connections): contract call vs transfer', async () => {
  const devnode = await startDevnode({ listen: false });
  const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  const { initiator, responder } = await openChannel(devnode, a, b, { via: 'memory' });
  await round(initiator, responder, 'channels.update.new_contract', {
    code: counter.bytecode,
    call_data: counter.calldata['init(42)'],
    vm_version: 8n,
    abi_version: 3n,
    deposit: 10n,
  });
  const ct = createdContractId(a.address, 2n);
  bench('contract call round (tick, both FSMs run the VM)', async () => {
    await round(responder, initiator, 'channels.update.call_contract', { contract_id: ct, call_data: counter.calldata['tick(1)'], abi_version: 3n, amount: 0n });
  });
  bench('transfer round', async () => {
    await round(initiator, responder, 'channels.update.new', { from: a.address, to: b.address, amount: 1n });
  });
});
