import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevnode } from '@aechannel/devnode';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './captureOutput.js';
import { runExamplesCommand } from '../src/examples/index.js';

const { out, err } = captureOutput();

describe('aechannel examples (command)', () => {
  it('runs a scenario against a node given by --url with keys from options, and writes its transcript', async () => {
    const devnode = await startDevnode({ port: 0 });
    try {
      const [initiator, responder] = devnode.accounts;
      const transcripts = mkdtempSync(join(tmpdir(), 'transcripts-'));
      const code = await runExamplesCommand([
        '--url', devnode.url,
        '--initiator-key', initiator!.secretKey,
        '--responder-key', responder!.secretKey,
        '--network-id', devnode.networkId,
        '--only', 'messages',
        '--transcripts', transcripts,
        '--peer-port', '15500',
      ]);
      const text = out.join('');
      expect(code, text + err.join('')).toBe(0);
      expect(text).toContain(`against ${devnode.url}`);
      expect(text).toMatch(/messages +pass +10\/10/);
      expect(text).toContain('1/1 scenarios passed');
      const transcript = readFileSync(join(transcripts, 'messages.md'), 'utf8');
      expect(transcript).toContain('"info": "Hello back"');
      expect(transcript).toContain('port=15500');
    } finally {
      await devnode.stop();
    }
  });

  it('exits 1 naming the scenario and step when a scenario fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenarios-'));
    writeFileSync(
      join(dir, 'broken_promise.json'),
      JSON.stringify({
        channel: { initiatorAmount: '70000000000000', responderAmount: '40000000000000', pushAmount: 0, channelReserve: 2, lockPeriod: 10 },
        steps: [{ do: 'open' }, { role: 'responder', do: 'ping', expect: { round: 7 } }],
      }),
    );
    const code = await runExamplesCommand(['--dir', dir, '--no-transcripts']);
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toContain('broken_promise, step 2 (responder ping)\n  expected: round 7\n  actual:   round 1');
    expect(text).toContain('0/1 scenarios passed');
    expect(existsSync(join(dir, 'transcripts'))).toBe(false);
  });

  it('exits 2 on bad usage and 1 on an invalid scenario file, without running anything', async () => {
    expect(await runExamplesCommand(['--url', 'ws://127.0.0.1:1/channel'])).toBe(2);
    expect(err.join('')).toContain('--url needs --initiator-key, --responder-key and --network-id');
    expect(await runExamplesCommand(['--step-timeout', 'soon'])).toBe(2);
    expect(await runExamplesCommand(['--only', 'no_such_scenario'])).toBe(1);
    expect(err.join('')).toContain('no scenario named "no_such_scenario"');
    const dir = mkdtempSync(join(tmpdir(), 'scenarios-'));
    writeFileSync(join(dir, 'bad.json'), '{"channel": {}, "steps": [{"do": "open"}]}');
    expect(await runExamplesCommand(['--dir', dir])).toBe(1);
    expect(err.join('')).toMatch(/bad\.json: "channel\.initiatorAmount" is missing\. \[CHANNEL_SCENARIO_INVALID\]/);
  });
});
