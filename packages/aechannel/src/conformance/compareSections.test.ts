import { buildSignedTx, decodeSignedTx, parseJson, stringifyJson, type JsonValue } from '@aechannel/codec';
import { loadFixture, loadFixtures } from '@aechannel/transcript/fixtures';
import type { Section } from '@aechannel/transcript';
import { describe, expect, it } from 'vitest';
import { compareClientMessage, compareNodeMessage, nodeMessageShape } from './compareMessages.js';
import { compareSections, formatDifference, type ConformanceMode } from './compareSections.js';

const clone = (sections: Section[]): Section[] => sections.map((s) => ({ ...s }));
const modes: ConformanceMode[] = ['client', 'devnode'];
/** The message with one piece of its JSON text replaced (bigint-safe). */
const edit = (message: JsonValue, from: string, to: string): JsonValue => {
  const text = stringifyJson(message);
  if (!text.includes(from)) throw new Error(`no ${from} in the message`);
  return parseJson(text.replace(from, to));
};

/** Index of the n-th section of a role and kind matching `where`. */
function find(sections: Section[], where: (s: Section) => boolean, nth = 0): number {
  const indexes = sections.flatMap((s, i) => (where(s) ? [i] : []));
  const index = indexes[nth];
  if (index === undefined) throw new Error('no such section');
  return index;
}

const method = (s: Section): unknown => (s.kind === 'send' || s.kind === 'receive' ? (s.message as { method?: unknown }).method : undefined);
const event = (s: Section): unknown =>
  s.kind === 'receive' ? ((s.message as { params?: { data?: { event?: unknown } } }).params?.data?.event ?? undefined) : undefined;

describe('compareSections', () => {
  it('finds no difference between a fixture and itself, in both modes', () => {
    for (const fixture of loadFixtures()) {
      for (const mode of modes) expect(compareSections(fixture.sections, clone(fixture.sections), { mode }), `${fixture.name} ${mode}`).toBeUndefined();
    }
  });

  it('sets aside ids and signatures, but not the signed inner tx', () => {
    const fixture = loadFixture('abort_withdraw.md');
    const index = find(fixture.sections, (s) => s.kind === 'send' && method(s) === 'channels.initiator_sign');
    const original = fixture.sections[index] as Section & { kind: 'send' };
    const message = original.message as { id: bigint; params: { signed_tx: `tx_${string}` } };
    const { innerBytes } = decodeSignedTx(message.params.signed_tx);
    const resigned = { ...message, id: 7n, params: { signed_tx: buildSignedTx(innerBytes, [new Uint8Array(64).fill(9)]) } };
    expect(compareClientMessage(original.message, resigned as unknown as JsonValue)).toBeUndefined();

    const tampered = Uint8Array.from(innerBytes);
    tampered[tampered.length - 1]! ^= 1;
    const otherTx = { ...message, params: { signed_tx: buildSignedTx(tampered, [new Uint8Array(64).fill(9)]) } };
    const difference = compareClientMessage(original.message, otherTx as unknown as JsonValue);
    expect(difference?.path).toBe('params.signed_tx');
  });

  it('catches a changed event name and names both events (devnode mode)', () => {
    const fixture = loadFixture('abort_withdraw.md');
    const recorded = clone(fixture.sections);
    const index = find(recorded, (s) => s.role === 'responder' && event(s) === 'open');
    const section = recorded[index] as Section & { kind: 'receive' };
    section.message = edit(section.message, '"open"', '"opened"');
    const difference = compareSections(recorded, fixture.sections, { mode: 'devnode' });
    expect(difference).toMatchObject({ role: 'responder', direction: '<---', line: section.line, field: { path: 'event', expected: 'opened', actual: 'open' } });
    expect(formatDifference(difference!)).toBe(
      `responder <--- #${difference!.index} (line ${section.line}): event expected "opened", got "open"; recorded: channels.info {"event":"opened"}; actual: channels.info {"event":"open"}`,
    );
  });

  it('catches a missing client message (client mode)', () => {
    const fixture = loadFixture('opening_ping_pong.md');
    const recorded = clone(fixture.sections);
    const index = find(recorded, (s) => s.role === 'responder' && s.kind === 'send' && method(s) === 'channels.message');
    const [removed] = recorded.splice(index, 1);
    const difference = compareSections(recorded, fixture.sections, { mode: 'client' });
    expect(difference).toMatchObject({ role: 'responder', direction: '--->' });
    const line = formatDifference(difference!);
    expect(line).toContain('method expected "channels.system", got "channels.message"');
    expect(line).toContain('actual: channels.message {"info":"Hello back"');
    expect(removed?.line).toBeLessThan(difference!.line!);
  });

  it('catches a reordered pair of node messages (devnode mode)', () => {
    const fixture = loadFixture('client_reconnect_responder.txt');
    const recorded = clone(fixture.sections);
    const a = find(recorded, (s) => s.role === 'initiator' && event(s) === 'closed_confirmed');
    const b = find(recorded, (s) => s.role === 'initiator' && event(s) === 'died');
    [recorded[a], recorded[b]] = [recorded[b]!, recorded[a]!];
    const difference = compareSections(recorded, fixture.sections, { mode: 'devnode' });
    expect(formatDifference(difference!)).toMatch(/^initiator <--- #\d+ \(line \d+\): event expected "died", got "closed_confirmed"; recorded: channels.info \{"event":"died"\}; actual: channels.info \{"event":"closed_confirmed"\}$/);
  });

  it('catches a changed amount in a client message (client mode) and in an update (devnode mode)', () => {
    const fixture = loadFixture('conflict_two_withdrawals.md');
    const recorded = clone(fixture.sections);
    const index = find(recorded, (s) => s.role === 'initiator' && method(s) === 'channels.withdraw');
    const section = recorded[index] as Section & { kind: 'send' };
    section.message = { ...(section.message as object), params: { amount: 3n } } as JsonValue;
    expect(formatDifference(compareSections(recorded, fixture.sections, { mode: 'client' })!)).toBe(
      `initiator ---> #1 (line ${section.line}): params.amount expected 3, got 1; recorded: channels.withdraw {"amount":3}; actual: channels.withdraw {"amount":1}`,
    );

    const signRequest = find(recorded, (s) => s.role === 'initiator' && method(s) === 'channels.sign.withdraw_tx');
    const request = recorded[signRequest] as Section & { kind: 'receive' };
    request.message = edit(request.message, '"amount":1', '"amount":3');
    const difference = compareSections(recorded, fixture.sections, { mode: 'devnode' });
    expect(difference?.field).toEqual({ path: 'updates[0].amount', expected: 3n, actual: 1n });
  });

  it('reports messages the run did not produce, and extra ones', () => {
    const fixture = loadFixture('conflict_two_withdrawals.md');
    const run = clone(fixture.sections);
    const last = run.map((s) => s.role === 'initiator' && s.kind === 'receive').lastIndexOf(true);
    run.splice(last, 1);
    const missing = compareSections(fixture.sections, run, { mode: 'devnode' });
    expect(formatDifference(missing!)).toMatch(/^initiator <--- #6 \(line \d+\): missing; recorded: result \{"result":"ok"\}; actual: nothing$/);
    const extra = compareSections(run, fixture.sections, { mode: 'devnode' });
    expect(formatDifference(extra!)).toMatch(/^initiator <--- #6 \(line \d+\): unexpected extra message; recorded: nothing; actual: result \{"result":"ok"\}$/);
  });

  it('names accounts by role when comparing node messages from another chain', () => {
    const recorded = { method: 'channels.sign.withdraw_tx', params: { data: { updates: [{ op: 'OffChainWithdrawal', to: 'ak_a', amount: 2n }] } } };
    const actual = { method: 'channels.sign.withdraw_tx', params: { data: { updates: [{ op: 'OffChainWithdrawal', to: 'ak_b', amount: 2n }] } } };
    expect(compareNodeMessage(recorded, actual)).toMatchObject({ path: 'updates[0].to' });
    const names = { expected: new Map([['ak_a', 'initiator']]), actual: new Map([['ak_b', 'initiator']]) };
    expect(compareNodeMessage(recorded, actual, names)).toBeUndefined();
    expect(nodeMessageShape({ error: { code: 3n, data: [{ code: 1018n, message: 'x' }] } })).toEqual({ kind: 'error', code: 3n, data: [1018n] });
  });
});
