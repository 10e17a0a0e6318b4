/**
 * The opcode table (data) against the reference table of CONTRACTS.md §4.3, parsed from the
 * markdown: every row's byte, mnemonic, operand kinds, flags, base gas (Iris+ and Lima) and
 * first FATE version, and no opcode the reference lacks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OPCODE_BY_BYTE, OPCODES } from './opcodes.js';

const reference = fileURLToPath(new URL('../../../../shared/reference/CONTRACTS.md', import.meta.url));
const copy = fileURLToPath(new URL('../test/opcode-table.md', import.meta.url));
const md = readFileSync(existsSync(reference) ? reference : copy, 'utf8');

interface Row { op: number; name: string; args: string[]; endBB: boolean; offChain: boolean; inAuth: boolean; gas: number; limaGas: number; vm: string }

function parse(text: string): Row[] {
  const start = text.indexOf('| Op | Mnemonic |');
  const rows: Row[] = [];
  for (const line of text.slice(start).split('\n').slice(2)) {
    if (!line.startsWith('| 0x')) break;
    const c = line.split('|').slice(1, -1).map((x) => x.trim());
    const gas = /^(\d+)(?: \(Lima: (\d+)\))?$/.exec(c[6]!)!;
    rows.push({
      op: parseInt(c[0]!, 16), name: c[1]!.replace(/`/g, ''), args: c[2] === '—' ? [] : c[2]!.split(' '),
      endBB: c[3] === 'Y', offChain: c[4] === 'Y', inAuth: c[5] === 'Y', gas: Number(gas[1]), limaGas: Number(gas[2] ?? gas[1]), vm: c[7]!,
    });
  }
  return rows;
}

const rows = parse(md);

describe('opcode table (CONTRACTS.md §4.3)', () => {
  it('parses the whole reference table', () => {
    expect(rows.length).toBe(191);
  });

  it.each(rows.map((r) => [`0x${r.op.toString(16)} ${r.name}`, r]))('%s matches', (_n, r) => {
    const o = OPCODE_BY_BYTE[r.op];
    expect(o).toBeDefined();
    expect(o!.name).toBe(r.name);
    expect(o!.args).toEqual(r.args);
    expect([o!.endBB, o!.offChain, o!.inAuth]).toEqual([r.endBB, r.offChain, r.inAuth]);
    expect([o!.gas, o!.limaGas]).toEqual([r.gas, r.limaGas]);
    const vm = r.vm === '—' ? 0 : Number(r.vm.slice(0, 2));
    expect(o!.vm).toBe(vm);
    expect(o!.onlyV1 === true).toBe(r.vm === '01 only');
    expect(o!.noVmCheck === true).toBe(r.vm === '02*');
  });

  it('has no opcode the reference lacks', () => {
    expect(OPCODES.map((o) => o.op).sort((a, b) => a - b)).toEqual(rows.map((r) => r.op).sort((a, b) => a - b));
  });
});
