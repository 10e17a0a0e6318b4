import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseJson } from '@aechannel/codec';
import { compatPresets, deriveAccount, runDevnodeCli, startDevnode, type DevnodeCliIo } from '@aechannel/devnode';
import { WebSocket } from 'ws';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function capture(untilStopped?: () => Promise<void>): DevnodeCliIo & { out: string; err: string } {
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

it('aechannel-devnode starts a devnode, prints its URL, network id and accounts, and exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions', 'source', cli, '--port', '0', '--accounts', '2', '--seed', 'cli', '--json'], {
    cwd: packageDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      void exited.then((code) => reject(new Error(`exited ${code}`)));
    });
    const info = parseJson(line) as { url: string; networkId: string; blockMode: string; accounts: { address: string; secretKey: string; balance: bigint }[] };
    expect(info.networkId).toBe('ae_devnet');
    expect(info.blockMode).toBe('instant');
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/channel$/);
    expect(info.accounts).toEqual([0, 1].map((i) => ({ ...deriveAccount('cli', i), balance: 10n ** 24n })));
    // It really serves the channel API.
    const socket = new WebSocket(`${info.url}?protocol=json-rpc`);
    const closed = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(closed).toBeGreaterThan(0);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
}, 20_000);

describe('runDevnodeCli', () => {
  it('prints the same details in text, with the options applied', async () => {
    let stop: () => void = () => {};
    const io = capture(() => new Promise<void>((resolve) => (stop = resolve)));
    const running = runDevnodeCli(['--port=0', '--accounts', '1', '--balance', '5', '--network-id', 'my_net', '--blocks', 'manual'], io, { program: 'aechannel devnode' });
    for (let i = 0; i < 200 && io.out === ''; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const account = deriveAccount('aechannel-devnode', 0);
    expect(io.out).toMatch(/^devnode listening on ws:\/\/127\.0\.0\.1:\d+\/channel\nnetwork id: my_net\nblock mode: manual\n/);
    expect(io.out).toContain(`  0: ${account.address} ${account.secretKey} 5\n`);
    expect(io.out).toContain('Press Ctrl-C to stop.');
    stop();
    expect(await running).toBe(0);
    expect(io.err).toBe('');
  });

  it.each([
    [['--port', 'x'], '--port expects a port number'],
    [['--port', '70000'], '--port expects a port number'],
    [['--accounts', '1001'], '--accounts expects a number from 0 to 1000'],
    [['--balance', '-1'], '--balance expects a whole number'],
    [['--blocks', 'sometimes'], '--blocks expects instant, manual or an interval'],
    [['--protocol', 'lima'], '--protocol expects ceres or iris'],
    [['--compat', 'future'], `--compat expects one of ${Object.keys(compatPresets).join(', ')}, got "future"`],
    [['--seed'], '--seed expects a value'],
    [['--frobnicate'], 'unknown option "--frobnicate"'],
    [['3014'], 'unexpected argument "3014"'],
    [['--json=yes'], '--json takes no value'],
  ])('%j is a usage error on stderr with exit code 2', async (args, message) => {
    const io = capture();
    expect(await runDevnodeCli(args, io, { program: 'aechannel devnode' })).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toContain(`aechannel devnode: ${message}`);
    expect(io.err).toContain('Usage: aechannel devnode [options]');
  });

  it('exits 1 naming the cause when the devnode cannot start', async () => {
    const taken = await startDevnode({ port: 0, accounts: 0 });
    try {
      const port = new URL(taken.url).port;
      const io = capture();
      expect(await runDevnodeCli(['--port', port], io)).toBe(1);
      expect(io.err).toContain(`aechannel-devnode: Cannot listen on 127.0.0.1:${port}. [DEVNODE_LISTEN_FAILED]`);
    } finally {
      await taken.stop();
    }
  });

  it('prints help and the version on stdout', async () => {
    const help = capture();
    expect(await runDevnodeCli(['--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: aechannel-devnode [options]');
    expect(help.out).toContain('--compat <preset>');
    const version = capture();
    expect(await runDevnodeCli(['--version'], version)).toBe(0);
    expect(version.out).toBe(`${(JSON.parse(readFileSync(`${packageDir}/package.json`, 'utf8')) as { version: string }).version}\n`);
  });

  it('the executable writes a usage error to stderr and exits 2', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--conditions', 'source', cli, '--blocks', 'never'], { cwd: packageDir, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('aechannel-devnode: --blocks expects');
  });
});
