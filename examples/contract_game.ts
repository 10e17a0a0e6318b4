/**
 * Race to ten, a two-player game in an off-chain contract, played by two `Channel` clients
 * against an embedded devnode (no blockchain needed). Each client recomputes every contract
 * round with the FATE VM before it signs it.
 *
 * Copy this file into a project that has `aechannel`, `@aechannel/devnode` and
 * `@aechannel/signer`, with the compiled contract (`contracts/race_to_ten.json`: the
 * `bytecode` and `aci` that `aesophia_cli` prints), and run it:
 *
 *   npx tsx contract_game.ts [path/to/race_to_ten.json]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startDevnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { Channel, type ContractAci } from 'aechannel';

const fixture = process.argv[2] ?? fileURLToPath(new URL('./contracts/race_to_ten.json', import.meta.url));
const { bytecode, aci } = JSON.parse(readFileSync(fixture, 'utf8')) as { bytecode: `cb_${string}`; aci: ContractAci };

const devnode = await startDevnode({ port: 0 });
const [a, b] = devnode.accounts;
const params = {
  url: devnode.url,
  networkId: devnode.networkId,
  initiatorId: a!.address,
  responderId: b!.address,
  initiatorAmount: 10n ** 18n,
  responderAmount: 10n ** 18n,
  channelReserve: 1n,
  lockPeriod: 10n,
  port: 13180,
};
const [alice, bob] = await Promise.all([
  Channel.open({ ...params, role: 'initiator', host: 'localhost', signer: memorySigner(a!.secretKey) }),
  Channel.open({ ...params, role: 'responder', signer: memorySigner(b!.secretKey) }),
]);

// Alice creates the game (a stake of 1000 aettos); Bob learns its ACI to decode its calls.
const { contractId } = await alice.createContract({ code: bytecode, aci, args: [1000n] });
bob.setContractAci(contractId, aci);
console.log(`game ${contractId} created in round ${alice.round}`);

// Every contract round reaches both clients as a `contractCall` event, decoded.
bob.on('contractCall', ({ round, own, result }) => {
  if (!own) console.log(`bob sees alice's round ${round}: ${result.function} -> ${result.returnType} ${String(result.value ?? result.message)}`);
});

await alice.callContract(contractId, { function: 'join', amount: 1000n });
await bob.callContract(contractId, { function: 'join', amount: 1000n });

// Out of turn: the contract reverts; the round is co-signed all the same and nothing moves.
const outOfTurn = await bob.callContract(contractId, { function: 'move', args: [3n] });
console.log(`bob out of turn -> ${outOfTurn.call.returnType}: ${outOfTurn.call.message}`);

// A dry run tells what a move would do without playing it.
const preview = await alice.dryRunContract(contractId, { function: 'move', args: [3n] });
console.log(`alice's move 3 would make ${String(preview.call.value)} (checked against her own run: ${preview.verified})`);

for (const [player, name, n] of [[alice, 'alice', 3n], [bob, 'bob', 3n], [alice, 'alice', 2n], [bob, 'bob', 2n]] as const) {
  const { call, round } = await player.callContract(contractId, { function: 'move', args: [n] });
  const won = call.events.find((event) => event.decoded !== undefined && 'Won' in event.decoded);
  console.log(`round ${round}: ${name} adds ${n} -> ${String(call.value)}${won === undefined ? '' : `, ${name} wins the pot`}`);
}

const { state } = await alice.getContract(contractId);
console.log('final state', state);
console.log(`bob's balance in the channel: ${bob.localBalances[b!.address]}`);

await alice.shutdown(); // mutual close: both get their balances on chain
await alice.waitForStatus('closed');
await devnode.stop();
