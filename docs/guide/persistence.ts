// persistence.ts — keep the channel in files, so a restarted program can continue it.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Channel, createFileStore, FILE_STORE_FORMAT } from 'aechannel';
import { isAechannelError } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { AE, openChannels } from './setup.js';

// One directory per participant (a program's data directory; `./.aechannel` is usual).
const aliceDir = mkdtempSync(join(tmpdir(), 'alice-'));
const bobDir = mkdtempSync(join(tmpdir(), 'bob-'));
const { devnode, alice, bob, params, initiator, responder } = await openChannels({
  initiator: { store: createFileStore(aliceDir) },
  responder: { store: createFileStore(bobDir) },
});
const channelId = initiator.channelId!;

// Every new co-signed state is written (temp file, fsync, rename) before it is acknowledged.
await initiator.transfer(bob.address, AE);
const file = join(aliceDir, readdirSync(aliceDir)[0]!);
const envelope = JSON.parse(readFileSync(file, 'utf8')) as { format: string; sha256: string };
console.log(`${readdirSync(aliceDir)[0] === `${channelId}.json` ? '<channel id>.json' : 'other file'}: ${envelope.format === FILE_STORE_FORMAT ? FILE_STORE_FORMAT : 'unknown'}, sha256 ${envelope.sha256.length / 2} bytes`);

// The programs stop (here: the clients are dropped without a word to the node)...
initiator.dispose();
responder.dispose();

// ...and start again. `reestablish` reads the record, checks it proves itself (both
// signatures, state hash) and resumes: the node's FSM was still running, so it reattaches.
const [alice2, bob2] = await Promise.all([
  Channel.reestablish({ store: createFileStore(aliceDir), channelId, signer: memorySigner(alice.secretKey), url: params.url }),
  Channel.reestablish({ store: createFileStore(bobDir), channelId, signer: memorySigner(bob.secretKey), url: params.url }),
]);
console.log(`resumed at round ${alice2.round}; alice ${alice2.localBalances[alice.address]! / AE} AE`);
await bob2.transfer(alice.address, AE / 2n);
console.log(`round ${bob2.round}`);
alice2.dispose();
bob2.dispose();

// The checksum only shows a file is whole. A record edited with care (a balance raised,
// the checksum recomputed) still fails to prove itself: CHANNEL_STORE_CORRUPT, nothing sent.
const edited = JSON.parse(readFileSync(file, 'utf8')) as { value: string; sha256: string };
edited.value = edited.value.replaceAll('9500000000000000000', '19500000000000000000');
edited.sha256 = createHash('sha256').update(edited.value).digest('hex');
writeFileSync(file, JSON.stringify(edited));
const error = await Channel.reestablish({ store: createFileStore(aliceDir), channelId, signer: memorySigner(alice.secretKey), url: params.url }).catch((e: unknown) => e);
console.log(`edited record: ${isAechannelError(error, 'CHANNEL_STORE_CORRUPT') ? error.code : 'accepted?!'}`);

rmSync(aliceDir, { recursive: true });
rmSync(bobDir, { recursive: true });
await devnode.stop();
