import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parseJson } from '@aechannel/codec';
import { deriveAccount } from '@aechannel/devnode';
import { WebSocket } from 'ws';

it('aechannel-devnode starts a devnode and prints its URL, network id and accounts', async () => {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions', 'source', cli, '--port', '0', '--accounts', '2', '--seed', 'cli', '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] as string);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    });
    const info = parseJson(line) as { url: string; networkId: string; accounts: { address: string; secretKey: string }[] };
    expect(info.networkId).toBe('ae_devnet');
    expect(info.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/channel$/);
    expect(info.accounts).toEqual([deriveAccount('cli', 0), deriveAccount('cli', 1)]);
    // It really serves the channel API.
    const socket = new WebSocket(`${info.url}?protocol=json-rpc`);
    const closed = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(closed).toBeGreaterThan(0);
  } finally {
    child.kill('SIGTERM');
  }
}, 20_000);
