import { describe, expect, it } from 'vitest';
import { loadFixtures } from './fixtures.js';
import { parseTranscript } from './parseTranscript.js';
import { writeTranscript } from './writeTranscript.js';

describe('parseTranscript', () => {
  const fixtures = loadFixtures();

  it('reads every fixture into sections of both roles', () => {
    for (const fixture of fixtures) {
      const kinds = new Set(fixture.sections.map((s) => s.kind));
      expect(kinds.has('send'), fixture.name).toBe(true);
      expect(kinds.has('receive'), fixture.name).toBe(true);
      expect(new Set(fixture.sections.map((s) => s.role))).toEqual(new Set(['initiator', 'responder']));
    }
  });

  it('counts the markdown headings exactly', () => {
    for (const fixture of fixtures.filter((f) => f.name.endsWith('.md'))) {
      const headings = fixture.text.split('\n').filter((line) => line.startsWith('#### ')).length;
      expect(fixture.sections.length, fixture.name).toBe(headings);
    }
  });

  it('reads the plain-text rendering: reconnect attempts, info lines and closes', () => {
    const fixture = fixtures.find((f) => f.name.endsWith('.txt'))!;
    const connects = fixture.sections.filter((s) => s.kind === 'connect');
    expect(connects).toHaveLength(7);
    expect(connects.filter((s) => s.role === 'responder')).toHaveLength(6);
    expect(fixture.sections.filter((s) => s.kind === 'close')).toHaveLength(7);
    const info = fixture.sections.find((s) => s.kind === 'info');
    expect(info).toMatchObject({ kind: 'info', text: 'The local fsm has been started' });
    const first = fixture.sections[0]!;
    expect(first).toMatchObject({ kind: 'connect', role: 'initiator' });
  });

  it('parses integers beyond 2^53 exactly', () => {
    const all = fixtures.flatMap((f) => f.sections);
    const ids = all.flatMap((s) => (s.kind === 'send' || s.kind === 'receive') && typeof s.message === 'object' && s.message !== null && !Array.isArray(s.message) && 'id' in s.message ? [s.message.id] : []);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => id !== null).every((id) => typeof id === "bigint")).toBe(true);
    expect(ids).toContain(-576460752303422107n);
  });

  it('round-trips through writeTranscript', () => {
    for (const fixture of fixtures) {
      const again = parseTranscript(writeTranscript(fixture.sections, fixture.name));
      expect(again.map(({ line: _line, ...rest }) => ('raw' in rest ? { ...rest, raw: undefined } : rest))).toEqual(
        fixture.sections.map(({ line: _line, ...rest }) => ('raw' in rest ? { ...rest, raw: undefined } : rest)),
      );
    }
  });

  it('names the line of a broken section', () => {
    expect(() => parseTranscript('#### initiator ---> node\n```\n{"a":\n```\n')).toThrowError(/line 1/);
    expect(() => parseTranscript('#### initiator opens a WebSocket connection\n\n')).toThrowError(/no URL/);
  });
});
