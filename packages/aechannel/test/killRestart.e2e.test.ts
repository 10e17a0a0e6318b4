/**
 * Kill and restart. A child process holds the initiator's side of a channel (file store),
 * creates a counter contract, then alternates transfers and contract calls (`add(1)` with
 * coins) round after round; the parent, which runs the devnode and the responder
 * (keep_running, §9.8), kills it with SIGKILL at seeded random moments, and once inside the
 * co-signing window of a transfer (the responder's policy kills it before co-signing, so the
 * node holds a co-signed state the dead process never stored). Each time a new
 * process reestablishes from the file store and continues. Nothing co-signed is lost
 * (the resumed state is the node's latest co-signed one, never older than what the killed
 * process reported, its contract trees included) and nothing is repeated (every round after
 * the contract's is exactly one transfer or one call of the same amount, the counter counts
 * each call once, and the responder sees each round once).
 *
 * A forged-but-checksummed store is in the rotation: before each genuine restart, the
 * record is edited (raised balances, raised round, a flipped signature bit, another network
 * id, an on-chain round above the round) and written back through the file store, which
 * recomputes its checksum. A process started on it must refuse it with
 * `CHANNEL_STORE_CORRUPT` without touching the channel; the genuine record is then put back
 * and the next process resumes from it and matches the node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSignedTx, decodeSignedTx, type Encoded } from '@aechannel/codec';
import { createdContractId } from '@aechannel/fate';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersistedChannel } from '@aechannel/fsm';
import { Channel } from '../src/Channel.js';
import { decodeChannelRecord, encodeChannelRecord } from '../src/channelRecord.js';
import { createFileStore } from '../src/createFileStore.js';
import { COUNTER } from './fixtures/contracts.js';
import { freshPort, startTestDevnode } from './helpers.js';

const childScript = fileURLToPath(new URL('./fixtures/transferChild.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** mulberry32: a tiny seeded PRNG, so the kill points are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line {
  event: "ready" | "round" | "retry" | "done" | "resynced" | "aborted" | "failed";
  round: string;
  value?: string;
  channelId?: Encoded<'ch'>;
  balances?: Record<string, string>;
  code?: string;
}

interface Run {
  child: ChildProcess;
  lines: Line[];
  onLine: (listener: (line: Line) => void) => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

function runChild(config: Record<string, unknown>): Run {
  // One process (tsx as a loader, not its CLI, which would run the script in a grandchild):
  // SIGKILL must hit the process that holds the channel.
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', childScript], {
    cwd: packageDir,
    env: { ...process.env, AECHANNEL_CHILD: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  const listeners: ((line: Line) => void)[] = [];
  let buffer = '';
  let errors = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    for (let index = buffer.indexOf('\n'); index >= 0; index = buffer.indexOf('\n')) {
      const text = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      if (text.trim() === '') continue;
      const line = JSON.parse(text) as Line;
      if (process.env['DEBUG_KILL'] !== undefined) console.log('child', child.pid, text);
      lines.push(line);
      for (const listener of listeners) listener(line);
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    errors += chunk;
    if (process.env['DEBUG_KILL'] !== undefined) console.log('child stderr', chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, onLine: (listener) => listeners.push(listener), exited, stderr: () => errors };
}

/** Edits of a stored record that a file store accepts (it recomputes the checksum), each a lie. */
const FORGERIES: { name: string; change: (c: PersistedChannel) => PersistedChannel }[] = [
  {
    name: 'raised balances',
    change: (c) => {
      const [a, b] = Object.keys(c.balances) as Encoded<'ak'>[];
      return { ...c, balances: { [a!]: c.balances[a!]! + 10n ** 17n, [b!]: c.balances[b!]! - 10n ** 17n } };
    },
  },
  { name: 'raised round', change: (c) => ({ ...c, round: c.round + 3n }) },
  {
    name: 'forged signature',
    change: (c) => {
      const { innerBytes, signatures } = decodeSignedTx(c.latestState!);
      const flipped = Uint8Array.from(signatures[1]!);
      flipped[20]! ^= 0x04;
      return { ...c, latestState: buildSignedTx(innerBytes, [signatures[0]!, flipped]) };
    },
  },
  { name: 'changed network id', change: (c) => ({ ...c, options: { ...c.options, networkId: 'ae_mainnet' } }) },
  { name: 'raised on-chain round', change: (c) => ({ ...c, onChainRound: c.round + 1n }) },
];

let devnode: Devnode;
let storeDir: string;
beforeAll(async () => {
  devnode = await startTestDevnode();
  storeDir = await mkdtemp(join(tmpdir(), 'aechannel-kill-'));
});
afterAll(async () => {
  await devnode.stop();
  await rm(storeDir, { recursive: true, force: true });
});

describe('kill and restart', () => {
  it('continues from the file store after SIGKILL at random points, losing and repeating nothing', async () => {
    const random = seeded(0x5eed);
    const kills = 5;
    const amount = 1000n;
    const targetRound = 60n;
    const initiator = devnode.accounts[0]!;
    const responderAccount = devnode.accounts[1]!;
    const port = freshPort();
    const config = {
      url: devnode.url,
      networkId: devnode.networkId,
      secretKey: initiator.secretKey,
      storeDir,
      initiatorId: initiator.address,
      responderId: responderAccount.address,
      amount: amount.toString(),
      port,
      targetRound: targetRound.toString(),
    };

    // The responder lives in this process and keeps its node fsm running (keep_running).
    const responderRounds: bigint[] = [];
    let killWhileCoSigning: (() => Promise<void>) | undefined;
    /** Which kill lands in the co-signing window (the others fall at random moments). */
    const coSignKill = 2;
    const responderPromise = Channel.open({
      url: devnode.url,
      networkId: devnode.networkId,
      signer: memorySigner(responderAccount.secretKey),
      role: 'responder',
      initiatorId: initiator.address,
      responderId: responderAccount.address,
      initiatorAmount: 10n ** 18n,
      responderAmount: 10n ** 18n,
      channelReserve: 1n,
      lockPeriod: 5n,
      port,
      keepRunning: true,
      timeoutMs: 30_000,
      // A kill point that is certain to fall inside a transfer: the initiator has signed, the
      // responder is asked to co-sign, and the initiator dies before it can learn the result.
      onPeerUpdate: async () => {
        const kill = killWhileCoSigning;
        killWhileCoSigning = undefined;
        await kill?.();
        return true;
      },
      onEvent: (event) => {
        if (event.type === 'stateChanged') responderRounds.push(event.round);
      },
    });

    let run = runChild({ ...config, mode: 'open' });
    const runs: Run[] = [run];
    const responder = await responderPromise;
    let channelId: Encoded<'ch'> | undefined;
    const killedAt: { lastReported: bigint; responderRound: bigint; coSigned: boolean }[] = [];
    const refused: string[] = [];

    for (let kill = 0; kill <= kills; kill++) {
      const current = run;
      // the kill point: after the k-th reported round, then after d ms (0: at once)
      const k = 1 + Math.floor(random() * 6);
      const d = Math.floor(random() * 9);
      const ready = await new Promise<Line>((resolve, reject) => {
        current.onLine((line) => {
          if (line.event === 'ready') resolve(line);
        });
        void current.exited.then(({ code }) => reject(new Error(`child exited (${code}) before ready: ${current.stderr()}`)));
      });
      channelId ??= ready.channelId;
      // Resumed: exactly the node's latest co-signed state (never older than what the killed process reported).
      expect(BigInt(ready.round)).toBe(responder.round);
      expect(ready.balances).toEqual(Object.fromEntries(Object.entries(responder.localBalances).map(([a, b]) => [a, b.toString()])));
      const previous = killedAt.at(-1);
      if (previous !== undefined) {
        expect(BigInt(ready.round)).toBeGreaterThanOrEqual(previous.lastReported);
        expect(BigInt(ready.round)).toBeGreaterThanOrEqual(previous.responderRound);
      }
      if (previous?.coSigned === true) {
        // The killed process never saw the state it co-signed; the new one adopts it from the node.
        expect(current.lines.some((l) => l.event === 'resynced' && BigInt(l.round) === previous.lastReported + 1n)).toBe(true);
        expect(BigInt(ready.round)).toBe(previous.lastReported + 1n);
      }
      if (kill === kills) break;
      if (kill === coSignKill) {
        await new Promise<void>((resolve) => {
          killWhileCoSigning = async () => {
            current.child.kill('SIGKILL');
            await current.exited;
            resolve();
          };
        });
      } else await new Promise<void>((resolve) => {
        let seen = 0;
        current.onLine((line) => {
          if (line.event !== 'round') return;
          seen += 1;
          if (seen !== k) return;
          if (d === 0) current.child.kill('SIGKILL');
          else setTimeout(() => current.child.kill('SIGKILL'), d);
          resolve();
        });
      });
      const exit = await current.exited;
      expect(exit.signal, current.stderr()).toBe('SIGKILL');
      const reported = current.lines.filter((l) => l.event === 'round').map((l) => BigInt(l.round));
      killedAt.push({ lastReported: reported.at(-1) ?? BigInt(ready.round), responderRound: responder.round, coSigned: kill === coSignKill });
      // the file store holds at least what the killed process reported
      const store = createFileStore(storeDir);
      const stored = await store.read(channelId!);
      expect(stored).toBeDefined();
      // A forged record (checksum recomputed) in the rotation: refused, the channel untouched.
      const forgery = FORGERIES[kill % FORGERIES.length]!;
      const record = decodeChannelRecord(stored!);
      await store.write(channelId!, encodeChannelRecord({ ...record, channel: forgery.change(structuredClone(record.channel)) }));
      const roundBefore = responder.round;
      const forged = runChild({ ...config, mode: 'reestablish', channelId });
      const first = await new Promise<Line | undefined>((resolve) => {
        forged.onLine(resolve);
        void forged.exited.then(() => resolve(forged.lines[0]));
      });
      if (first?.event !== 'failed') forged.child.kill('SIGKILL'); // it used the forged record
      const refusal = await forged.exited;
      expect(forged.lines, `${forgery.name}: ${forged.stderr()}`).toEqual([expect.objectContaining({ event: 'failed', code: 'CHANNEL_STORE_CORRUPT' })]);
      expect(refusal.code).toBe(4);
      expect(responder.round).toBe(roundBefore);
      refused.push(forgery.name);
      await store.write(channelId!, stored!); // the genuine record again
      run = runChild({ ...config, mode: 'reestablish', channelId });
      runs.push(run);
    }

    const last = run;
    const done = await new Promise<Line>((resolve, reject) => {
      last.onLine((line) => {
        if (line.event === 'done') resolve(line);
      });
      void last.exited.then(({ code }) => {
        if (code !== 0) reject(new Error(`final child exited with ${code}: ${last.stderr()}`));
      });
    });
    expect((await last.exited).code).toBe(0);
    expect(BigInt(done.round)).toBe(targetRound);
    expect(killedAt).toHaveLength(kills);
    // One kill fell inside a transfer for certain (checked above: the restart adopted the state
    // co-signed after the last one the killed process reported).
    expect(killedAt.filter((k) => k.coSigned)).toHaveLength(1);
    // Every forgery in the rotation was refused (and each genuine restart above matched the node).
    expect(refused).toEqual(FORGERIES.map((f) => f.name));

    // Round 2 created the counter; after it every odd round is one transfer of `amount` and
    // every even one one call add(1) with `amount`: nothing lost, nothing repeated.
    const transfers = (targetRound - 1n) / 2n;
    const calls = (targetRound - 2n) / 2n;
    const expected = { [initiator.address]: 10n ** 18n - (transfers + calls) * amount, [responderAccount.address]: 10n ** 18n + transfers * amount };
    expect(responder.round).toBe(targetRound);
    expect(responder.localBalances).toEqual(expected);
    expect(await responder.balances()).toEqual(expected);
    const counter = createdContractId(initiator.address, 2n);
    responder.setContractAci(counter, COUNTER.aci);
    const { state } = await responder.getContract(counter);
    expect(state).toEqual({ value: calls, owner: initiator.address });
    // Each call a child reported returned the count of calls up to its round (round 4: 1, round 6: 2, ...).
    const reportedCalls = runs.flatMap((r) => r.lines).filter((l) => l.event === 'round' && l.value !== undefined);
    expect(reportedCalls.length).toBeGreaterThan(10);
    for (const line of reportedCalls) expect(BigInt(line.value!), `round ${line.round}`).toBe((BigInt(line.round) - 2n) / 2n);
    // the responder saw each round exactly once, in order (round 1 is the create)
    expect(responderRounds).toEqual(Array.from({ length: Number(targetRound) }, (_, i) => BigInt(i + 1)));
    responder.dispose();
  }, 120_000);
});
