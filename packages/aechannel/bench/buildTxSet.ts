/**
 * Builds the varied tx set of the codec benchmark (`packages/codec/bench/fixtures/devnode-txs.txt`):
 * every `tx_` a client sends or receives while the devnode runs every flow. The fixture
 * recordings are few and alike; this set is what a client really decodes:
 *
 * - every shipped example scenario (open, transfer, deposit, withdraw, aborts, conflicts,
 *   leave + reestablish, reconnect, snapshot, solo close + settle, slash, force progress, a
 *   contract game), with the create tx v2 of the default protocol;
 * - on a Ceres and an Iris devnode (create tx v2 and v1), channels with amounts from 1 aetto
 *   to 10^24 doing transfers both ways with amounts of every size, deposits, withdrawals, a
 *   contract created and called, a snapshot, a mutual close;
 *
 * each tx as the node hands it out (unsigned), half-signed and co-signed. Data only, made by
 * this repository's own devnode. Run from packages/aechannel:
 *   npx tsx --conditions=source bench/buildTxSet.ts [out]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSignedTx, type Encoded } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import { createSigner } from '@aechannel/signer';
import { Channel } from '../src/Channel.js';
import { runExamplesCommand } from '../src/examples/index.js';
import { COUNTER } from '../test/fixtures/contracts.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../codec/bench/fixtures/devnode-txs.txt', import.meta.url));
const TX = /tx_[A-Za-z0-9+/=%]+/g;
const txs = new Set<string>();
const collect = (text: string): void => {
  for (const match of text.match(TX) ?? []) {
    const tx = decodeURIComponent(match);
    // (the pattern also finds names such as `tx_hash`: only signed txs are kept)
    try {
      decodeSignedTx(tx as Encoded<'tx'>);
      txs.add(tx);
    } catch {
      // not a tx
    }
  }
};

// 1. Every example scenario, transcripts into a temporary directory.
const dir = mkdtempSync(join(tmpdir(), 'aechannel-txset-'));
try {
  const code = await runExamplesCommand(['--transcripts', dir]);
  if (code !== 0) throw new Error(`the examples failed (${code})`);
  for (const file of readdirSync(dir)) collect(readFileSync(join(dir, file), 'utf8'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`examples: ${txs.size} distinct txs`);

// 2. Bulk flows with varied amounts on both protocols. A fixed linear congruential generator:
// the same set on every run.
let seed = 0x2545f491n;
const random = (bits: number): bigint => {
  seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
  return seed >> BigInt(64 - bits);
};
const amountOfAnySize = (): bigint => 1n + random(1 + Number(random(6) % 60n));

let port = 30_000 + (process.pid % 10_000);
async function flows(devnode: Devnode, channels: number): Promise<void> {
  for (let c = 0; c < channels; c++) {
    const a = devnode.accounts[2 * c]!;
    const b = devnode.accounts[2 * c + 1]!;
    // (enough for the fees of the on-chain txs: a mutual close pays about 2e13 out of the channel)
    const amount = 10n ** BigInt(15 + c) * (1n + random(8));
    const common = {
      url: devnode.url,
      networkId: devnode.networkId,
      initiatorId: a.address,
      responderId: b.address,
      initiatorAmount: amount,
      responderAmount: amount / 2n + 1n,
      channelReserve: 1n + random(4),
      lockPeriod: 2n + random(3),
      port: port++,
      timeoutMs: 60_000,
      watcher: false,
    } as const;
    const sink = { write: (section: unknown) => collect(JSON.stringify(section, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) };
    const [initiator, responder] = await Promise.all([
      Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: createSigner(a.secretKey), transcript: sink }),
      Channel.open({ ...common, role: 'responder', signer: createSigner(b.secretKey), transcript: sink }),
    ]);
    try {
      const limit = common.responderAmount / 4n;
      for (let i = 0; i < 60; i++) {
        const pay = 1n + (amountOfAnySize() % limit);
        if (i % 2 === 0) await initiator.transfer(responder.address, pay);
        else await responder.transfer(initiator.address, pay);
      }
      await initiator.deposit(1n + (amountOfAnySize() % limit));
      await responder.withdraw(1n + (amountOfAnySize() % limit));
      const { contractId } = await initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [random(20)] });
      responder.setContractAci(contractId, COUNTER.aci);
      for (let i = 0; i < 8; i++) {
        await (i % 2 === 0 ? initiator : responder).callContract(contractId, { function: 'add', args: [random(30)] });
      }
      await initiator.snapshot();
      await initiator.shutdown();
    } finally {
      initiator.dispose();
      responder.dispose();
    }
  }
}

for (const protocol of ['ceres', 'iris'] as const) {
  const devnode = await startDevnode({ port: 0, accounts: 16, protocol });
  try {
    await flows(devnode, 6);
  } finally {
    await devnode.stop();
  }
  console.log(`after the ${protocol} flows: ${txs.size} distinct txs`);
}

writeFileSync(out, `${[...txs].sort().join('\n')}\n`);
console.log(`wrote ${txs.size} txs to ${out}`);
process.exit(0);
