/**
 * The package's shape: what src imports, what the entry exports, determinism on the
 * recordings, and serializable state.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import * as fsm from '../src/index.js';
import { replayRole } from './replay.js';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const sources = readdirSync(srcDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => ({ file: f, text: readFileSync(srcDir + f, 'utf8') }));

describe('package boundaries', () => {
  it('src imports nothing but @aechannel/codec, @aechannel/fate (pure) and its own files', () => {
    const specifiers = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => ({ file, specifier: m[1] ?? m[2]! })),
    );
    expect(specifiers.length).toBeGreaterThan(10);
    const foreign = specifiers.filter(({ specifier }) => specifier !== '@aechannel/codec' && specifier !== '@aechannel/fate' && !/^\.\/[A-Za-z]+\.js$/.test(specifier));
    expect(foreign).toEqual([]);
  });

  it('src uses no clock, randomness, timers, storage or process globals', () => {
    const banned = /\b(Date\.now|new Date\(|Math\.random|setTimeout|setInterval|setImmediate|queueMicrotask|localStorage|sessionStorage|indexedDB|process\.|require\(|crypto\.|performance\.now|fetch\()/;
    const offenders = sources.flatMap(({ file, text }) =>
      text
        .split('\n')
        .map((line, i) => ({ file, line: i + 1, text: line }))
        .filter(({ text }) => !/^\s*(\*|\/\/)/.test(text) && banned.test(text)),
    );
    expect(offenders).toEqual([]);
  });

  it('package.json depends on @aechannel/codec and @aechannel/fate only', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(['@aechannel/codec', '@aechannel/fate']);
  });

  it('exports (snapshot: a change here needs a changeset)', () => {
    expect(Object.keys(fsm).sort()).toMatchInlineSnapshot(`
      [
        "COMMAND_RULES",
        "DEFAULT_CLIENT_TIMEOUTS",
        "DEFAULT_MAX_FEE_MULTIPLIER",
        "DEFAULT_REFUSAL_CODE",
        "FSM_CLOSE_CODE",
        "FsmErrorCode",
        "INFO_EVENTS",
        "NOTIFICATIONS",
        "OFF_CHAIN_CALL_GAS",
        "OFF_CHAIN_CALL_GAS_PRICE",
        "REPLY_METHOD",
        "TRANSITIONS",
        "UNHANDLED",
        "VERIFICATION_ABORT_CODE",
        "buildConnectQuery",
        "chainEnvProblem",
        "commandFromRequest",
        "createInitialState",
        "defaultMaxFee",
        "deserializeState",
        "expectedNonceRange",
        "fsmError",
        "getBalances",
        "getChannelId",
        "getFsmId",
        "getLatestState",
        "getPersistedChannel",
        "getPhase",
        "getRound",
        "getStatus",
        "initialBalances",
        "maxPeerTtl",
        "nextDeadline",
        "nextTimer",
        "ownContractUpdate",
        "parseUpdate",
        "serializeState",
        "start",
        "step",
        "verifyForcedProgress",
        "verifySignRequest",
      ]
    `);
  });
});

describe('determinism', () => {
  it.each(['opening_ping_pong.md', 'abort_withdraw.md', 'client_reconnect_responder.txt'])('replaying %s twice gives identical effects and states', (name) => {
    const fixture = loadFixture(name);
    for (const role of ['initiator', 'responder'] as const) {
      const a = replayRole(fixture, role);
      const b = replayRole(fixture, role);
      const plain = (r: typeof a): unknown => r.effects.map((e) => (e.type === 'settle' && !e.ok ? { ...e, error: [e.error.code, e.error.message] } : e.type === 'emit' && e.event.type === 'error' ? [e.event.error.code, e.event.error.message] : e));
      expect(plain(b)).toEqual(plain(a));
      expect(b.state).toEqual(a.state);
      expect(fsm.deserializeState(fsm.serializeState(a.state))).toEqual(a.state);
    }
  });
});
