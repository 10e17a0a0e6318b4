import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_RULES, INFO_EVENTS, TRANSITIONS, UNHANDLED, type Phase } from '../src/index.js';
import { readmePath, renderMermaid, withSection } from '../scripts/renderTransitions.js';

describe('the transition table and its rendering', () => {
  it('README.md holds the current rendering (run `npx tsx --conditions=source scripts/renderTransitions.ts`)', () => {
    const readme = readFileSync(readmePath, 'utf8');
    expect(withSection(readme)).toBe(readme);
  });

  it('renders every phase change the table declares, starting from initial', () => {
    const diagram = renderMermaid();
    expect(diagram.split('\n')[0]).toBe('stateDiagram-v2');
    for (const edge of ['initial --> connecting: start', 'opening --> open: info open', 'open --> closing: info closing', 'disconnected --> connecting: command reconnect']) {
      expect(diagram).toContain(edge);
    }
  });

  it('every channels.info phase change is allowed by the nodeMessage cell of each phase it may come from', () => {
    for (const [event, rule] of Object.entries(INFO_EVENTS)) {
      for (const from of rule.phases) {
        const cell = TRANSITIONS[from].nodeMessage;
        expect(cell, `${event} in ${from}`).toBeDefined();
        for (const to of rule.next) if (to !== from) expect(cell!.next, `${event}: ${from} -> ${to}`).toContain(to);
      }
    }
  });

  it('every command kind names the phases that accept it, all of which have a command cell', () => {
    for (const [kind, rule] of Object.entries(COMMAND_RULES)) {
      for (const phase of rule.phases) expect(TRANSITIONS[phase as Phase].command, `${kind} in ${phase}`).toBeDefined();
      expect(rule.flow.length).toBeGreaterThan(5);
    }
  });

  it('every missing cell has one documented outcome', () => {
    for (const cells of Object.values(TRANSITIONS)) {
      for (const [input, cell] of Object.entries(cells)) {
        expect(cell!.flow.length, input).toBeGreaterThan(5);
      }
    }
    expect(Object.keys(UNHANDLED).sort()).toEqual(['command', 'envResolved', 'nodeMessage', 'persisted', 'signRefused', 'signed', 'start', 'timerFired', 'transportClosed', 'transportOpened', 'verifiedState']);
  });
});
