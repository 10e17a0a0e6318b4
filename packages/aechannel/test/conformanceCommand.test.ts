import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@aechannel/transcript/fixtures';
import { parseJson } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './captureOutput.js';
import { runConformanceCommand } from '../src/conformance/index.js';

const { out, err } = captureOutput();

describe('aechannel conformance (command)', () => {
  it('prints one line per transcript and mode and a total, exit 0 when all pass', async () => {
    const code = await runConformanceCommand(['--mode', 'client', '--fixtures']);
    const lines = out.join('').trim().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines.slice(0, 7).every((line) => /^pass {2}\S+ {2}client {2}\(/.test(line))).toBe(true);
    // The contract recordings come last, the second one continuing the first.
    expect(lines[5]).toMatch(/^pass {2}contracts_group_open\.md {2}client {2}\(/);
    expect(lines[6]).toMatch(/^pass {2}contracts_basic\.md {2}client {2}\(\d+ ms; continues contracts_group_open\.md; /);
    expect(lines[7]).toBe('7 checks: 7 passed, 0 failed');
    expect(code).toBe(0);
  }, 60_000);

  it('--node-variant plays every recording as that node: the contract recordings fail with today\'s rules', async () => {
    const code = await runConformanceCommand(['--mode', 'client', '--node-variant', 'current', fixturePath('contracts_group_open.md'), fixturePath('contracts_basic.md')]);
    const lines = out.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^pass {2}\S*contracts_group_open\.md {2}client/);
    expect(lines[1]).toMatch(/^FAIL {2}\S*contracts_basic\.md {2}client .*reason: the client refused to sign update: .*the contract rounds ran as on the current node/);
    expect(lines[2]).toBe('2 checks: 1 passed, 1 failed');
    expect(code).toBe(1);
    expect(await runConformanceCommand(['--node-variant', 'newest', '--fixtures'])).toBe(2);
    expect(err.join('')).toContain('--node-variant must be one of current, early-iris, iris-2020-03, iris-2020-01, lima-2019, not newest');
  }, 60_000);

  it('fails a hand-edited file, naming the difference, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recordings-'));
    const original = readFileSync(fixturePath('conflict_two_withdrawals.md'), 'utf8');
    // The initiator's first withdrawal asks for 5 instead of 1.
    const edited = original.replace(/("method": "channels\.withdraw",\n\s+"params": \{\n\s+"amount": )1/, '$15');
    expect(edited).not.toBe(original);
    writeFileSync(join(dir, 'edited.md'), edited);
    const code = await runConformanceCommand(['--mode', 'client', '--network-id', 'local_iris_testnet', join(dir, 'edited.md')]);
    const text = out.join('');
    expect(code).toBe(1);
    // The client asks for 5 as the edited recording says, then refuses to sign the node's
    // withdrawal of 1 (abort code 1, validation) where the recording signs it.
    expect(text).toMatch(
      /^FAIL {2}\S*edited\.md {2}client {2}responder ---> #2 \(line 79\): params\.error expected nothing, got 1; recorded: channels\.withdraw_tx \{"signed_tx":"tx\(inner [0-9a-f]{8}…[0-9a-f]{8}\)"\}; actual: channels\.withdraw_tx \{"error":1\}; reason: the client refused to sign withdraw_tx: .*amount/m,
    );
    expect(text).toContain('1 checks: 0 passed, 1 failed');
  });

  it('fails a run that checked nothing: files without transcript sections or without any message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recordings-'));
    writeFileSync(join(dir, 'notes.md'), '# Notes\n\nNo recording here.\n');
    writeFileSync(join(dir, 'info-only.md'), '#### initiator info\n> The local fsm has been started\n');
    const code = await runConformanceCommand([join(dir, 'notes.md'), join(dir, 'info-only.md')]);
    const text = out.join('');
    expect(text).toContain(`skip  ${join(dir, 'notes.md')}  (no transcript messages)`);
    expect(text).toContain(`skip  ${join(dir, 'info-only.md')}  (no transcript messages)`);
    expect(text).toContain('0 checks: 0 passed, 0 failed');
    expect(err.join('')).toContain('nothing was checked');
    expect(code).toBe(1);
  });

  it('reports an unreadable file as a failure and still checks the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recordings-'));
    const code = await runConformanceCommand(['--mode', 'client', join(dir, 'missing.md'), fixturePath('opening_ping_pong.md')]);
    const lines = out.join('').trim().split('\n');
    expect(lines[0]!.startsWith(`FAIL  ${join(dir, 'missing.md')}  read  `)).toBe(true);
    expect(lines[1]!.startsWith(`pass  ${fixturePath('opening_ping_pong.md')}  client  (`)).toBe(true);
    expect(lines[2]).toBe('2 checks: 1 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('exits 2 on bad usage', async () => {
    expect(await runConformanceCommand([])).toBe(2);
    expect(await runConformanceCommand(['--mode', 'both', '--fixtures'])).toBe(2);
    expect(err.join('')).toContain('--mode must be client or devnode');
  });

  /** A folder tree with the same file name twice (one copy edited to fail) and a non-recording. */
  function recordingTree(): string {
    const dir = mkdtempSync(join(tmpdir(), 'recordings-'));
    const original = readFileSync(fixturePath('conflict_two_withdrawals.md'), 'utf8');
    const edited = original.replace(/("method": "channels\.withdraw",\n\s+"params": \{\n\s+"amount": )1/, '$15');
    expect(edited).not.toBe(original);
    mkdirSync(join(dir, 'group_a'));
    mkdirSync(join(dir, 'group_b', 'deeper'), { recursive: true });
    writeFileSync(join(dir, 'group_a', 'withdrawals.md'), original);
    writeFileSync(join(dir, 'group_b', 'deeper', 'withdrawals.md'), edited);
    writeFileSync(join(dir, 'group_b', 'notes.json'), '{}');
    writeFileSync(join(dir, 'README.md'), '# Recordings\n');
    return dir;
  }

  it('recurses over a folder tree: one line per file and mode with the path as given, and a total', async () => {
    const dir = recordingTree();
    process.env.INIT_CWD = dir;
    try {
      const code = await runConformanceCommand(['--mode', 'client', '--network-id', 'local_iris_testnet', '.']);
      const lines = out.join('').trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(lines[0]).toBe('skip  README.md  (no transcript messages)');
      expect(lines[1]).toMatch(/^pass {2}group_a\/withdrawals\.md {2}client {2}\(/);
      expect(lines[2]).toMatch(/^FAIL {2}group_b\/deeper\/withdrawals\.md {2}client {2}responder ---> #2 \(line 79\): params\.error expected nothing, got 1;/);
      expect(lines[3]).toBe('2 checks: 1 passed, 1 failed');
      expect(code).toBe(1);
    } finally {
      delete process.env.INIT_CWD;
    }
  });

  it('--json prints one object per file and mode, with the first difference and the reason', async () => {
    const dir = recordingTree();
    const code = await runConformanceCommand(['--json', '--mode', 'client', '--network-id', 'local_iris_testnet', join(dir, 'group_b'), join(dir, 'group_a'), join(dir, 'missing.md')]);
    expect(code).toBe(1);
    const text = out.join('');
    // Nothing but the report on stdout.
    const report = parseJson(text) as unknown as {
      checks: { path: string; mode: string; ok: boolean; difference: { role: string; line: number; field: { path: string; expected: string; actual: string } } | null; problem: string | null; reason: string | null }[];
      total: { checks: bigint; passed: bigint; failed: bigint };
    };
    expect(report.checks.map((c) => [c.path, c.mode, c.ok])).toEqual([
      [join(dir, 'missing.md'), 'read', false],
      [join(dir, 'group_b', 'deeper', 'withdrawals.md'), 'client', false],
      [join(dir, 'group_a', 'withdrawals.md'), 'client', true],
    ]);
    const failed = report.checks[1]!;
    expect(failed.difference).toMatchObject({ role: 'responder', line: 79n, field: { path: 'params.error', expected: 'nothing', actual: '1' } });
    // The client refused to sign a withdrawal of 1 when it had asked for 5: that is the reason.
    expect(failed.reason).toMatch(/withdraw/i);
    expect(report.total).toEqual({ checks: 3n, passed: 1n, failed: 2n });
  });
});

describe('aechannel conformance: recordings that continue a channel from an earlier file of their folder', () => {
  /** abort_withdraw.md split in two files: the open (a group's setup file) and the stops that end the channel later. */
  function splitRecording(): { dir: string; opening: string; ending: string } {
    const lines = readFileSync(fixturePath('abort_withdraw.md'), 'utf8').split('\n');
    // Line 501: the first withdrawal, right after both clients saw the channel open (lines 435-486).
    expect(lines[500]).toBe('#### initiator ---> node');
    // Line 794: the responder's `channels.system stop`; both clients stop and the channel dies.
    expect(lines[793]).toBe('#### responder ---> node');
    const dir = mkdtempSync(join(tmpdir(), 'group-'));
    const opening = lines.slice(0, 500).join('\n');
    const ending = lines.slice(793).join('\n');
    writeFileSync(join(dir, 'group_setup.md'), opening);
    writeFileSync(join(dir, 'stop_both.md'), ending);
    return { dir, opening, ending };
  }

  it('takes the channel, accounts, balances and round from the previous file of the same folder', async () => {
    const { dir } = splitRecording();
    const code = await runConformanceCommand([dir]);
    const lines = out.join('').trim().split('\n');
    expect(lines.map((line) => line.replace(/\(\d+ ms/, '(…'))).toEqual([
      `pass  ${join(dir, 'group_setup.md')}  client  (…)`,
      `pass  ${join(dir, 'group_setup.md')}  devnode  (…)`,
      `pass  ${join(dir, 'stop_both.md')}  client  (…; continues group_setup.md)`,
      `pass  ${join(dir, 'stop_both.md')}  devnode  (…; continues group_setup.md)`,
      '4 checks: 4 passed, 0 failed',
    ]);
    expect(code).toBe(0);
  });

  it('prints why it cannot start a recording that continues a channel it cannot find', async () => {
    const { ending } = splitRecording();
    const alone = mkdtempSync(join(tmpdir(), 'alone-'));
    writeFileSync(join(alone, 'stop_both.md'), ending);
    const code = await runConformanceCommand(['--mode', 'client', join(alone, 'stop_both.md')]);
    expect(out.join('')).toContain(
      `FAIL  ${join(alone, 'stop_both.md')}  client  responder ---> #1 (line 1): missing; recorded: channels.system {"action":"stop"}; actual: nothing; reason: cannot start the fragment: the recording does not show both accounts`,
    );
    expect(code).toBe(1);
  });
});
