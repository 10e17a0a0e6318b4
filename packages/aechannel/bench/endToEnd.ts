/**
 * The end-to-end comparison behind `endToEnd.bench.ts`: two `aechannel` `Channel` clients
 * against two `@aeternity/aepp-sdk` `Channel` clients, on one devnode that runs in a process
 * of its own (so the clients' CPU is this process's CPU), interleaved so a busy machine
 * slows both sides alike.
 *
 * - one channel, N sequential transfers (each awaited before the next), in blocks that
 *   alternate between the two SDKs;
 * - C channels of each SDK transferring in parallel (each channel sequential), in
 *   alternating blocks.
 *
 * For each: transfers per second, p50 and p99 of one transfer's latency, and this process's
 * CPU time per transfer (both clients of the channel live here). Also runnable on its own,
 * for profiling (`node --cpu-prof --import tsx --conditions=source bench/endToEnd.ts
 * [transfers] [channels] [only=aechannel|sdk]`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel as SdkChannel, MemoryAccount } from '@aeternity/aepp-sdk';
import { parseJson, type Encoded } from '@aechannel/codec';
import { createSigner } from '@aechannel/signer';
import { Channel } from '../src/Channel.js';

/** One prefunded devnode account. */
interface Account {
  address: Encoded<'ak'>;
  secretKey: Encoded<'sk'>;
}

/** A devnode running in a child process. */
export interface DevnodeProcess {
  url: string;
  networkId: string;
  accounts: Account[];
  /** The built package runs (else the source through tsx). */
  built: boolean;
  /** CPU time (user + system) the devnode process has used, ms; NaN where /proc is not readable. */
  cpuMs: () => number;
  stop: () => Promise<void>;
}

/** CPU time of a process from /proc/<pid>/stat (Linux), ms. */
function processCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks (100 Hz)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

const devnodeCli = fileURLToPath(new URL('../../devnode/src/cli.ts', import.meta.url));
const devnodeDistCli = fileURLToPath(new URL('../../devnode/dist/cli.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The workspace packages the devnode process runs: devnode and its `@aechannel/*`
 * dependencies, transitively (read from their package.json, so a new one is not missed).
 */
function devnodePackages(): string[] {
  const names = new Set<string>(['devnode']);
  for (const name of names) {
    const manifest = JSON.parse(readFileSync(fileURLToPath(new URL(`../../${name}/package.json`, import.meta.url)), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith('@aechannel/')) names.add(dependency.slice('@aechannel/'.length));
    }
  }
  return [...names];
}

/**
 * The newest modification time (ms) of the build's inputs under `src`: its `.ts` files,
 * tests aside (tsconfig.build.json leaves `*.test.ts` and `*.test-d.ts` out).
 */
function newestSource(src: string): number {
  let newest = 0;
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const path = join(src, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !/\.test(-d)?\.ts$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether the built devnode (`pnpm build`: what the package ships) is at least as new as the
 * sources of every package it runs; `pnpm bench` builds first. Each package's build is
 * dated by its `dist/.tsbuildinfo`, which tsc -b writes on every build that had newer
 * sources, also when it rewrote no `.js` (a source touched without a change: a stash and
 * pop, a checkout) and so left each output with its older date.
 */
function devnodeBuildIsFresh(): boolean {
  try {
    return devnodePackages().every((name) => {
      const pkg = fileURLToPath(new URL(`../../${name}/`, import.meta.url));
      return statSync(join(pkg, 'dist', '.tsbuildinfo')).mtimeMs >= newestSource(join(pkg, 'src'));
    });
  } catch {
    return false;
  }
}

/**
 * Starts `aechannel-devnode --json` in its own process and reads its URL and accounts: the
 * built package when its build is fresh (what users run; the SDK on the other side is
 * measured from its build too), else the source through tsx.
 */
export async function startDevnodeProcess(accounts: number): Promise<DevnodeProcess> {
  // (AECHANNEL_BENCH_DEVNODE_ARGS: extra node flags for the devnode, e.g. `--cpu-prof --cpu-prof-dir=/tmp/devnode`)
  const extra = (process.env['AECHANNEL_BENCH_DEVNODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
  const built = devnodeBuildIsFresh();
  const entry = built ? [devnodeDistCli] : ['--import', 'tsx', '--conditions=source', devnodeCli];
  const child: ChildProcess = spawn(process.execPath, [...extra, ...entry, '--port', '0', '--json', '--accounts', String(accounts)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const info = await new Promise<{ url: string; networkId: string; accounts: Account[] }>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('the devnode process did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the devnode process exited with ${String(code)}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve(parseJson(buffered.slice(0, newline)) as never);
    });
  });
  return {
    ...info,
    built,
    cpuMs: () => processCpuMs(child.pid),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A channel between two clients of one SDK, able to run one transfer at a time. */
interface Pair {
  transfer: () => Promise<void>;
  close: () => void;
}

type SdkInstance = Awaited<ReturnType<typeof SdkChannel.initialize>>;

let nextPort = 20_000 + (process.pid % 20_000);

const OPEN_AMOUNT = 10n ** 18n;

/** Opens a channel between two aechannel `Channel` clients. */
async function openAechannel(devnode: DevnodeProcess, a: Account, b: Account): Promise<Pair> {
  const common = {
    url: devnode.url,
    networkId: devnode.networkId,
    initiatorId: a.address,
    responderId: b.address,
    initiatorAmount: OPEN_AMOUNT,
    responderAmount: OPEN_AMOUNT,
    channelReserve: 1n,
    lockPeriod: 5n,
    port: nextPort++,
    timeoutMs: 120_000,
    watcher: false,
  } as const;
  const [initiator, responder] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: createSigner(a.secretKey) }),
    Channel.open({ ...common, role: 'responder', signer: createSigner(b.secretKey) }),
  ]);
  return {
    transfer: async () => {
      await initiator.transfer(responder.address, 1n);
    },
    close: () => {
      initiator.dispose();
      responder.dispose();
    },
  };
}

function sdkOpen(channel: SdkInstance): Promise<void> {
  if (channel.status() === 'open') return Promise.resolve();
  return new Promise((resolve) => {
    const listener = (status: string): void => {
      if (status !== 'open') return;
      channel.off('statusChanged', listener);
      resolve();
    };
    channel.on('statusChanged', listener);
  });
}

/** Opens a channel between two `@aeternity/aepp-sdk` `Channel` clients (MemoryAccount signers). */
async function openSdk(devnode: DevnodeProcess, a: Account, b: Account): Promise<Pair> {
  const { networkId } = devnode;
  const accountA = new MemoryAccount(a.secretKey);
  const accountB = new MemoryAccount(b.secretKey);
  const signA = (tx: Encoded<'tx'>): Promise<Encoded<'tx'>> => accountA.signTransaction(tx, { networkId });
  const signB = (tx: Encoded<'tx'>): Promise<Encoded<'tx'>> => accountB.signTransaction(tx, { networkId });
  const shared = {
    url: devnode.url,
    initiatorId: a.address,
    responderId: b.address,
    pushAmount: 0,
    initiatorAmount: OPEN_AMOUNT,
    responderAmount: OPEN_AMOUNT,
    channelReserve: 1,
    lockPeriod: 5,
    port: nextPort++,
    host: '127.0.0.1',
  };
  const [initiator, responder] = await Promise.all([
    SdkChannel.initialize({ ...shared, role: 'initiator', sign: (_tag: string, tx: Encoded<'tx'>) => signA(tx) } as never),
    SdkChannel.initialize({ ...shared, role: 'responder', sign: (_tag: string, tx: Encoded<'tx'>) => signB(tx) } as never),
  ]);
  await Promise.all([sdkOpen(initiator), sdkOpen(responder)]);
  return {
    transfer: async () => {
      const result = await initiator.update(a.address, b.address, 1, signA);
      if (!result.accepted) throw new Error('an aepp-sdk transfer was not accepted');
    },
    close: () => {
      initiator.disconnect();
      responder.disconnect();
    },
  };
}

/** What one side measured over all its blocks. */
export interface Measured {
  transfers: number;
  /** Wall time spent in this side's blocks, ms. */
  wallMs: number;
  /** This process's CPU time (user + system) spent in this side's blocks, ms. */
  cpuMs: number;
  /** The devnode process's CPU time in this side's blocks, ms (10 ms resolution). */
  devnodeCpuMs: number;
  /** Latency of every transfer, ms. */
  latencies: number[];
}

const emptyMeasured = (): Measured => ({ transfers: 0, wallMs: 0, cpuMs: 0, devnodeCpuMs: 0, latencies: [] });

/** Runs `count` transfers on each pair (pairs in parallel, each pair sequential), adding to `into`. */
async function block(pairs: Pair[], count: number, into: Measured, devnode: DevnodeProcess): Promise<void> {
  const cpu = process.cpuUsage();
  const devnodeCpu = devnode.cpuMs();
  const started = performance.now();
  await Promise.all(
    pairs.map(async (pair) => {
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        await pair.transfer();
        into.latencies.push(performance.now() - t0);
      }
    }),
  );
  into.wallMs += performance.now() - started;
  const spent = process.cpuUsage(cpu);
  into.cpuMs += (spent.user + spent.system) / 1000;
  into.devnodeCpuMs += devnode.cpuMs() - devnodeCpu;
  into.transfers += pairs.length * count;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The figures of one side. */
export interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerTransferMs: number;
  devnodeCpuPerTransferMs: number;
}

/** Throughput, latency percentiles and CPU per transfer of a measurement. */
export function figures(m: Measured): Figures {
  const sorted = [...m.latencies].sort((x, y) => x - y);
  return {
    perSecond: m.transfers / (m.wallMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    cpuPerTransferMs: m.cpuMs / m.transfers,
    devnodeCpuPerTransferMs: m.devnodeCpuMs / m.transfers,
  };
}

/** Which SDKs a run includes. */
export type Sides = 'both' | 'aechannel' | 'sdk';

/** Options of {@link runEndToEnd}. */
export interface EndToEndOptions {
  /** Sequential transfers on one channel, per SDK (default 2 000). */
  transfers?: number;
  /**
   * Transfers each SDK makes on its channel before the one-channel measurement (default 500):
   * the measurement is of the steady state. The first few hundred transfers of a process run
   * while V8 compiles the hot paths (on this machine an aechannel transfer takes about twice
   * as long for its first 250 transfers as after 1 000).
   */
  warmup?: number;
  /** Channels per SDK transferring in parallel (default 100). */
  channels?: number;
  /** Transfers per channel in the parallel run (default 20). */
  perChannel?: number;
  /** Run only one side (profiling). */
  only?: Sides;
  /** Where the report goes (default console.log). */
  log?: (line: string) => void;
}

/** The result of both scenarios, per side. */
export interface EndToEndResult {
  single: { aechannel?: Figures; sdk?: Figures };
  parallel: { aechannel?: Figures; sdk?: Figures };
}

/** Runs both scenarios and prints a table with the ratios. */
export async function runEndToEnd(options: EndToEndOptions = {}): Promise<EndToEndResult> {
  const transfers = options.transfers ?? 2000;
  const warmup = options.warmup ?? 500;
  const channels = options.channels ?? 100;
  const perChannel = options.perChannel ?? 20;
  const only = options.only ?? 'both';
  const log = options.log ?? ((line: string) => console.log(line));
  const sides = (only === 'both' ? ['aechannel', 'sdk'] : [only]) as ('aechannel' | 'sdk')[];
  const devnode = await startDevnodeProcess(Math.min(1000, 4 * (channels + 1)));
  const open = { aechannel: openAechannel, sdk: openSdk };
  let account = 0;
  const nextPair = (side: 'aechannel' | 'sdk'): Promise<Pair> => {
    const a = devnode.accounts[account++ % devnode.accounts.length]!;
    const b = devnode.accounts[account++ % devnode.accounts.length]!;
    return open[side](devnode, a, b);
  };
  const result: EndToEndResult = { single: {}, parallel: {} };
  try {
    // One channel, sequential transfers, 10 alternating blocks per side (after the warm-up).
    const single: Record<string, Pair> = {};
    for (const side of sides) single[side] = await nextPair(side);
    const measured: Record<string, Measured> = { aechannel: emptyMeasured(), sdk: emptyMeasured() };
    for (const side of sides) await block([single[side]!], Math.max(1, warmup), emptyMeasured(), devnode);
    const blocks = 10;
    for (let i = 0; i < blocks; i++) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) await block([single[side]!], Math.ceil(transfers / blocks), measured[side]!, devnode);
    }
    for (const side of sides) {
      single[side]!.close();
      result.single[side] = figures(measured[side]!);
    }

    // C channels per side in parallel, alternating blocks.
    const many: Record<string, Pair[]> = {};
    for (const side of sides) {
      many[side] = [];
      for (let start = 0; start < channels; start += 25) {
        many[side].push(...(await Promise.all(Array.from({ length: Math.min(25, channels - start) }, () => nextPair(side)))));
      }
    }
    const parallel: Record<string, Measured> = { aechannel: emptyMeasured(), sdk: emptyMeasured() };
    for (const side of sides) await block(many[side]!, 2, emptyMeasured(), devnode);
    const rounds = 4;
    for (let i = 0; i < rounds; i++) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) await block(many[side]!, Math.ceil(perChannel / rounds), parallel[side]!, devnode);
    }
    for (const side of sides) {
      for (const pair of many[side]!) pair.close();
      result.parallel[side] = figures(parallel[side]!);
    }
  } finally {
    await devnode.stop();
  }
  log(report(result, { transfers, warmup, channels, perChannel, devnodeBuilt: devnode.built }));
  return result;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/** The printed table. */
export function report(result: EndToEndResult, sizes: { transfers: number; warmup: number; channels: number; perChannel: number; devnodeBuilt: boolean }): string {
  const rows: string[] = ['', 'end to end, devnode in its own process, 2 clients per channel in this process:'];
  const head = `  ${'scenario'.padEnd(34)}${'client'.padEnd(11)}${'transfers/s'.padStart(12)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'cpu ms/transfer'.padStart(17)}${'devnode cpu ms'.padStart(16)}`;
  rows.push(head);
  const scenarios: [string, { aechannel?: Figures; sdk?: Figures }][] = [
    [`1 channel x ${sizes.transfers} transfers`, result.single],
    [`${sizes.channels} channels x ${sizes.perChannel} in parallel`, result.parallel],
  ];
  for (const [name, figs] of scenarios) {
    for (const side of ['aechannel', 'sdk'] as const) {
      const f = figs[side];
      if (f === undefined) continue;
      rows.push(`  ${name.padEnd(34)}${(side === 'sdk' ? 'aepp-sdk' : side).padEnd(11)}${fmt(f.perSecond).padStart(12)}${fmt(f.p50, 2).padStart(9)}${fmt(f.p99, 2).padStart(9)}${fmt(f.cpuPerTransferMs, 3).padStart(17)}${fmt(f.devnodeCpuPerTransferMs, 2).padStart(16)}`);
    }
    if (figs.aechannel !== undefined && figs.sdk !== undefined) {
      rows.push(
        `  ${''.padEnd(34)}${'ratio'.padEnd(11)}${`${fmt(figs.aechannel.perSecond / figs.sdk.perSecond, 2)}x`.padStart(12)}${`${fmt(figs.sdk.p50 / figs.aechannel.p50, 2)}x`.padStart(9)}${`${fmt(figs.sdk.p99 / figs.aechannel.p99, 2)}x`.padStart(9)}${`${fmt(figs.sdk.cpuPerTransferMs / figs.aechannel.cpuPerTransferMs, 2)}x`.padStart(17)}`,
      );
    }
  }
  rows.push(
    `  (one channel: measured after ${sizes.warmup} warm-up transfers per SDK; devnode: ${sizes.devnodeBuilt ? 'the built package' : 'the source through tsx (pnpm build for the built one)'})`,
    "  (cpu: this process, both clients of a channel; devnode cpu: the devnode process, per transfer, from /proc at 10 ms resolution)",
    "  (ratio: aechannel throughput over aepp-sdk's; latency and CPU: aepp-sdk's over aechannel's)",
    '',
  );
  return rows.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [transfers, channels, only] = process.argv.slice(2);
  const warmup = process.env['AECHANNEL_BENCH_E2E_WARMUP'];
  await runEndToEnd({
    transfers: transfers === undefined ? 2000 : Number(transfers),
    ...(warmup === undefined ? {} : { warmup: Number(warmup) }),
    channels: channels === undefined ? 100 : Number(channels),
    only: (only ?? 'both') as Sides,
  });
  process.exit(0);
}
