/**
 * VERIFY_SIG against libsodium, the library the node's check goes through: every case of
 * `test/fixtures/ed25519-libsodium.json` (RFC 8032 vectors and crafted edge cases, answered
 * by libsodium 1.0.18, see `scripts/ed25519-vectors.mjs`) gives libsodium's verdict, alone
 * and as the VERIFY_SIG instruction.
 */
import { readFileSync } from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { imm, st } from '../test/asm.js';
import { runCode } from '../test/run.js';
import { ed25519VerifyDetached } from './ed25519.js';
import { T } from './types.js';
import { fBytes, fObject } from './values.js';

interface Case {
  name: string;
  msg: string;
  pk: string;
  sig: string;
  valid: boolean;
}
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/ed25519-libsodium.json', import.meta.url), 'utf8')) as { source: string; cases: Case[] };

function verifySig(c: Case, vm: number): { type: string; value: string } {
  const code: [string, ...never[]][] = [
    ['VERIFY_SIG', st, imm(fBytes(hexToBytes(c.msg))), imm(fObject('address', hexToBytes(c.pk))), imm(fBytes(hexToBytes(c.sig)))] as never,
    ['RETURN'] as never,
  ];
  const r = runCode([{ name: 'f', args: [], ret: T.any, code }], 'f', [], { vm, consensus: vm >= 8 ? 6 : 5 });
  if (r.type === 'ok') return { type: r.type, value: r.returnValue[0] === 0xff ? 'true' : 'false' };
  // The node prints the arguments in the message; one wider than a line is refused (README).
  return { type: r.type, value: r.unsupported !== undefined ? 'refused: wide message' : new TextDecoder().decode(r.returnValue).split(':')[0]! };
}

describe('Ed25519 as libsodium checks it', () => {
  it('the fixture holds valid and invalid cases', () => {
    expect(fixture.source).toMatch(/^libsodium /);
    expect(fixture.cases.filter((c) => c.valid).length).toBeGreaterThanOrEqual(4);
    expect(fixture.cases.filter((c) => !c.valid).length).toBeGreaterThanOrEqual(40);
  });
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(ed25519VerifyDetached(hexToBytes(c.sig), hexToBytes(c.msg), hexToBytes(c.pk))).toBe(c.valid);
    // FATE_03 takes a message of any length.
    expect(verifySig(c, 8)).toEqual({ type: 'ok', value: String(c.valid) });
    // FATE_01/02 take 32-byte messages only.
    if (c.msg.length === 64) expect(verifySig(c, 7)).toEqual({ type: 'ok', value: String(c.valid) });
    else expect(verifySig(c, 7)).toMatchObject({ type: 'error', value: expect.stringMatching(/^(Bad arguments to verify_sig|refused: wide message)$/) });
  });
});
