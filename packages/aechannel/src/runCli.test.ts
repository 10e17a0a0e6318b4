import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPoi, encode, packCallsTree, packStateTrees, parseJson, type JsonValue } from '@aechannel/codec';
import { devnodeUsage, runDevnodeCli } from '@aechannel/devnode';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it, vi } from 'vitest';
import { runCli, type CliIo } from './runCli.js';

function capture(untilStopped?: () => Promise<void>): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
    ...(untilStopped === undefined ? {} : { untilStopped }),
  };
  return io;
}

/** Every `signed_tx`/`state` value the node sent in a fixture. */
function fixtureTxs(name: string): string[] {
  const out: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string' && value.startsWith('tx_')) out.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  for (const section of loadFixture(name).sections) if (section.kind === 'receive') walk(section.message);
  return [...new Set(out)];
}

describe('aechannel CLI', () => {
  it('prints usage on stdout for --help, and on stderr with exit code 2 without a command', async () => {
    const help = capture();
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: aechannel <command>');
    expect(help.out).toContain('decode');
    expect(help.err).toBe('');
    const none = capture();
    expect(await runCli([], none)).toBe(2);
    expect(none.out).toBe('');
    expect(none.err).toContain('Usage: aechannel <command>');
  });

  it('rejects an unknown command or option with exit code 2, usage on stderr', async () => {
    const io = capture();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.err).toContain('unknown command "frobnicate"');
    expect(io.err).toContain('Usage: aechannel <command>');
    expect(io.out).toBe('');
    const option = capture();
    expect(await runCli(['--frobnicate'], option)).toBe(2);
    expect(option.err).toContain('unknown option "--frobnicate"');
    expect(option.out).toBe('');
  });

  it('prints the package version for --version and -v', async () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-v']) {
      const io = capture();
      expect(await runCli([flag], io)).toBe(0);
      expect(io.out).toBe(`${version}\n`);
    }
  });

  it('decodes every transaction of a fixture to JSON, integers exact and bytes as hex', async () => {
    const txs = fixtureTxs('abort_withdraw.md');
    expect(txs.length).toBeGreaterThan(3);
    for (const tx of txs) {
      const io = capture();
      expect(await runCli(['decode', tx], io)).toBe(0);
      const decoded = parseJson(io.out) as { type: string; hash: string; tx: { tag: bigint; encodedTx: Record<string, JsonValue>; signatures: string[] } };
      expect(decoded.hash.startsWith('th_')).toBe(true);
      expect(decoded.type).toMatch(/^channel_/);
      expect(decoded.tx.tag).toBe(11n);
      for (const signature of decoded.tx.signatures) expect(signature).toMatch(/^0x[0-9a-f]{128}$/);
    }
    // a create tx: amounts printed as exact integers
    const create = capture();
    await runCli(['decode', txs[0]!], create);
    expect(create.out).toMatch(/"initiatorAmount": \d+/);
  });

  it('decodes state trees, calls trees, proofs of inclusion and plain ids', async () => {
    const a = encode(new Uint8Array(32).fill(7), 'ak');
    const b = encode(new Uint8Array(32).fill(9), 'ak');
    const balances = { [a]: 12345678901234567890123n, [b]: 7n };
    const trees = capture();
    expect(await runCli(['decode', packStateTrees({ accounts: balances })], trees)).toBe(0);
    const decodedTrees = parseJson(trees.out) as { balances: Record<string, bigint> };
    expect(decodedTrees.balances).toEqual(balances);
    const poi = capture();
    expect(await runCli(['decode', buildPoi(balances, [a])], poi)).toBe(0);
    expect(poi.out).toContain('"accounts"');
    const calls = capture();
    expect(await runCli(['decode', packCallsTree([{ key: Uint8Array.of(0xab, 0xcd), value: Uint8Array.of(1, 2, 3) }]), packCallsTree([])], calls)).toBe(0);
    expect(calls.err).toBe('');
    expect(calls.out).toContain('"0xabcd"');
    expect(calls.out).toContain('"0x010203"');
    const id = capture();
    expect(await runCli(['decode', a, b], id)).toBe(0);
    expect(id.out.trim().split('\n').filter((line) => line.startsWith('"'))).toEqual([`"0x${'07'.repeat(32)}"`, `"0x${'09'.repeat(32)}"`]);
  });

  it('reports undecodable values with the codec error code and exit code 1', async () => {
    const io = capture();
    expect(await runCli(['decode', 'tx_notbase64!!'], io)).toBe(1);
    expect(io.err).toMatch(/\[CODEC_[A-Z_]+\]/);
    const prefix = capture();
    expect(await runCli(['decode', 'zz_abc'], prefix)).toBe(1);
    expect(prefix.err).toContain('CHANNEL_INVALID_ARGUMENT');
    const missing = capture();
    expect(await runCli(['decode'], missing)).toBe(2);
    expect(missing.out).toBe('');
    expect(missing.err).toContain('aechannel decode: give at least one value');
  });

  it('starts a devnode, prints its URL, network id and accounts, and stops when interrupted', async () => {
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const io = capture(() => stopped);
    const running = runCli(['devnode', '--port', '0', '--accounts', '2', '--json'], io);
    for (let i = 0; i < 200 && io.out === ''; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const info = parseJson(io.out) as { url: string; networkId: string; accounts: { address: string; secretKey: string; balance: bigint }[] };
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/channel$/);
    expect(typeof info.networkId).toBe('string');
    expect(info.accounts).toHaveLength(2);
    expect(info.accounts[0]!.address.startsWith('ak_')).toBe(true);
    expect(info.accounts[0]!.balance).toBeGreaterThan(0n);
    stop();
    expect(await running).toBe(0);
  });

  it('validates devnode flags: usage errors on stderr with exit code 2', async () => {
    const io = capture();
    expect(await runCli(['devnode', '--port', 'x'], io)).toBe(2);
    expect(io.err).toContain('aechannel devnode: --port expects a port number');
    expect(io.out).toBe('');
    const help = capture();
    expect(await runCli(['devnode', '--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: aechannel devnode');
  });

  it('devnode is the same command as aechannel-devnode: same options, same output', async () => {
    const help = capture();
    await runCli(['devnode', '--help'], help);
    expect(help.out).toBe(devnodeUsage('aechannel devnode'));
    expect(help.out.replaceAll('aechannel devnode', 'aechannel-devnode')).toBe(devnodeUsage());
    for (const option of ['--host', '--seed', '--balance', '--blocks', '--protocol', '--compat', '--json', '--version']) expect(help.out).toContain(option);
    const run = async (command: (args: string[], io: CliIo) => Promise<number>): Promise<string> => {
      let stop: () => void = () => {};
      const io = capture(() => new Promise<void>((resolve) => (stop = resolve)));
      const running = command(['--port', '0', '--accounts', '2', '--seed', 'same', '--blocks', 'manual', '--json'], io);
      for (let i = 0; i < 200 && io.out === ''; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      stop();
      expect(await running).toBe(0);
      return io.out.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:PORT');
    };
    const viaAechannel = await run((args, io) => runCli(['devnode', ...args], io));
    const viaDevnode = await run((args, io) => runDevnodeCli(args, io));
    expect(viaAechannel).toBe(viaDevnode);
    expect(parseJson(viaAechannel)).toMatchObject({ networkId: 'ae_devnet', blockMode: 'manual' });
  });

  it('dispatches examples and conformance to their commands', async () => {
    const io = capture();
    // their usage goes to the process's stdout; the exit code comes back through runCli
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await runCli(['examples', '--help'], io)).toBe(0);
      expect(await runCli(['conformance', '--help'], io)).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toContain('Usage: aechannel examples');
    expect(written.join('')).toContain('Usage: aechannel conformance');
  });

  it('runs as an executable with a shebang', () => {
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', cli, '--help'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: aechannel <command>');
  });
});
