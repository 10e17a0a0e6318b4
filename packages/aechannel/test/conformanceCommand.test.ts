import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './captureOutput.js';
import { runConformanceCommand } from '../src/conformance/index.js';

const { out, err } = captureOutput();

describe('aechannel conformance (command)', () => {
  it('prints one line per transcript and mode and a total, exit 0 when all pass', async () => {
    const code = await runConformanceCommand(['--mode', 'client', '--fixtures']);
    const lines = out.join('').trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 5).every((line) => /^pass {2}\S+ {2}client {2}\(/.test(line))).toBe(true);
    expect(lines[5]).toBe('5 checks: 5 passed, 0 failed');
    expect(code).toBe(0);
  });

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
      /^FAIL {2}edited\.md {2}client {2}responder ---> #2 \(line 79\): params\.error expected nothing, got 1; recorded: channels\.withdraw_tx \{"signed_tx":"tx\(inner [0-9a-f]{8}…[0-9a-f]{8}\)"\}; actual: channels\.withdraw_tx \{"error":1\}$/m,
    );
    expect(text).toContain('1 checks: 0 passed, 1 failed');
  });

  it('fails a run that checked nothing: files without transcript sections or without any message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recordings-'));
    writeFileSync(join(dir, 'notes.md'), '# Notes\n\nNo recording here.\n');
    writeFileSync(join(dir, 'info-only.md'), '#### initiator info\n> The local fsm has been started\n');
    const code = await runConformanceCommand([join(dir, 'notes.md'), join(dir, 'info-only.md')]);
    const text = out.join('');
    expect(text).toContain('skip  notes.md  (no transcript messages)');
    expect(text).toContain('skip  info-only.md  (no transcript messages)');
    expect(text).toContain('0 checks: 0 passed, 0 failed');
    expect(err.join('')).toContain('nothing was checked');
    expect(code).toBe(1);
  });

  it('reports an unreadable file as a failure and still checks the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recordings-'));
    const code = await runConformanceCommand(['--mode', 'client', join(dir, 'missing.md'), fixturePath('opening_ping_pong.md')]);
    const lines = out.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^FAIL {2}missing\.md {2}read {2}/);
    expect(lines[1]).toMatch(/^pass {2}opening_ping_pong\.md {2}client {2}\(/);
    expect(lines[2]).toBe('2 checks: 1 passed, 1 failed');
    expect(code).toBe(1);
  });

  it('exits 2 on bad usage', async () => {
    expect(await runConformanceCommand([])).toBe(2);
    expect(await runConformanceCommand(['--mode', 'both', '--fixtures'])).toBe(2);
    expect(err.join('')).toContain('--mode must be client or devnode');
  });
});
