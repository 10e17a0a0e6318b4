/**
 * The README's contracts example runs as written, against the scripted contract node.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it, vi } from 'vitest';
import { Channel, type OpenChannelOptions } from '../src/Channel.js';
import type { ContractAci } from '../src/contractAci.js';
import { createContractNode, nodeChannelParams } from './contractNode.js';
import { COUNTER } from './fixtures/contracts.js';

it('runs the README contracts example', async () => {
  const packageDir = fileURLToPath(new URL('..', import.meta.url));
  const readme = readFileSync(`${packageDir}/README.md`, 'utf8');
  const section = readme.slice(readme.indexOf('## Off-chain contracts'));
  const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(snippet).toContain('export async function counterDemo');
  const file = `${packageDir}/test/.readme-contracts.ts`;
  writeFileSync(file, snippet!);
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))).join(' '));
  });
  try {
    const { counterDemo } = (await import(/* @vite-ignore */ file)) as { counterDemo: (channel: Channel, code: `cb_${string}`, aci: ContractAci) => Promise<void> };
    const node = await createContractNode({ role: 'initiator' });
    const channel = await Channel.open({ ...nodeChannelParams(node, { role: 'initiator' }), signer: node.clientSigner, transport: node.transport, reconnect: false } as OpenChannelOptions);
    await counterDemo(channel, COUNTER.code, COUNTER.aci);
    channel.dispose();
  } finally {
    log.mockRestore();
    rmSync(file, { force: true });
  }
  expect(lines[0]).toMatch(/^created ct_\w+ in round 2$/);
  expect(lines[1]).toBe('add(3) -> ok 8, events [["Added"]]');
  expect(lines[2]).toBe('get() -> 8 (verified: true)');
  expect(lines[3]).toMatch(/^state \{"value":"8n","owner":"ak_\w+"\}$/);
  expect(lines[4]).toBe('add(0) -> revert: n must be positive');
});
