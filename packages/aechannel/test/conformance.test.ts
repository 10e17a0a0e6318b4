import { readFileSync } from 'node:fs';
import { parseJson, stringifyJson, txHash, type Encoded, type JsonValue } from '@aechannel/codec';
import type { Section } from '@aechannel/transcript';
import { parseTranscript } from '@aechannel/transcript';
import { loadFixture, loadFixtures } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { analyzeRecording } from '../src/conformance/analyzeRecording.js';
import { checkClientMode } from '../src/conformance/checkClientMode.js';
import { checkTranscripts, formatCheckLine, formatTotal, type ModeRunner, type TranscriptCheck, type TranscriptInput } from '../src/conformance/checkTranscripts.js';
import { formatDifference } from '../src/conformance/compareSections.js';
import { urlParams } from '../src/conformance/compareMessages.js';
import { channelIdOf, channelPointAfter, firstRequestedRound, pickPreviousRecording, startsMidChannel } from '../src/conformance/previousRecording.js';
import { runDevnodeMode } from '../src/conformance/runDevnodeMode.js';

const runners: Record<'client' | 'devnode', ModeRunner> = {
  client: (sections, context) => checkClientMode(sections, { networkId: context.networkId, analysis: context.analysis, previous: context.previous }),
  devnode: (sections, context) => runDevnodeMode(sections, { analysis: context.analysis, networkId: context.networkId, previous: context.previous, waitMs: 1000 }),
};

/** A check as `[mode, ok, problem or formatted difference]`. */
const outcome = (c: TranscriptCheck): [string, boolean, string | undefined] => [c.mode, c.result.ok, c.result.difference === undefined ? c.result.problem : formatDifference(c.result.difference)];
const outcomes = (checks: readonly TranscriptCheck[]) => checks.map(outcome);
const text = (section: Section): string => ('message' in section ? stringifyJson(section.message) : '');
const indexOf = (sections: readonly Section[], where: (s: Section) => boolean): number => {
  const index = sections.findIndex(where);
  if (index < 0) throw new Error('no such section');
  return index;
};
/** A copy of the sections with one message's JSON text edited (bigint-safe). */
function edit(sections: readonly Section[], index: number, from: string, to: string): Section[] {
  const copy = sections.map((s) => ({ ...s }));
  const section = copy[index] as Section & { message: JsonValue };
  const json = stringifyJson(section.message);
  if (!json.includes(from)) throw new Error(`no ${from} in section ${index}`);
  section.message = parseJson(json.replace(from, to));
  return copy;
}

/** Checks a (mutated) recording in both modes and returns the two report lines. */
async function lines(name: string, sections: Section[], networkId: string): Promise<{ client: string; devnode: string; ok: boolean }> {
  const checks = await checkTranscripts([{ name, sections, networkId }], runners);
  const line = (mode: string): string => formatCheckLine(checks.find((c) => c.mode === mode)!);
  return { client: line('client'), devnode: line('devnode'), ok: checks.every((c) => c.result.ok) };
}

describe('conformance: client mode', () => {
  it('passes every fixture recording', async () => {
    const fixtures = loadFixtures();
    const checks = await checkTranscripts(
      fixtures.map((f) => ({ name: f.name, sections: f.sections })),
      { client: runners.client },
    );
    expect(checks.map(formatCheckLine).map((l) => l.replace(/ \(\d+ ms/, ' (…'))).toEqual([
      'pass  abort_withdraw.md  client  (…; line 675: channels.withdraw_tx {"error":42} sent by the harness (the client has nothing pending to abort))',
      'pass  client_reconnect_responder.txt  client  (…)',
      'pass  conflict_two_updates_and_user_abort.md  client  (…)',
      'pass  conflict_two_withdrawals.md  client  (…)',
      'pass  opening_ping_pong.md  client  (…)',
    ]);
    expect(formatTotal(checks)).toBe('5 checks: 5 passed, 0 failed');
    // The client really sent the messages: every recorded client message has a counterpart.
    for (const [i, fixture] of fixtures.entries()) {
      const sent = checks[i]!.result.sections.filter((s) => s.kind === 'send').length;
      expect(sent, fixture.name).toBe(fixture.sections.filter((s) => s.kind === 'send').length);
    }
  });

  it('catches a signing reply removed from the recording (the client answers it)', async () => {
    const fixture = loadFixture('opening_ping_pong.md');
    const sections = fixture.sections.filter((s) => !(s.kind === 'send' && text(s).includes('channels.responder_sign')));
    const result = await checkClientMode(sections, { networkId: fixture.networkId });
    expect(result.ok).toBe(false);
    expect(result.problem ?? '').toBe('responder: the client answers the responder_sign signing request (channels.responder_sign), the recording never does');
  });
});

describe('conformance: devnode mode', () => {
  it('passes every fixture recording', async () => {
    const fixtures = loadFixtures();
    const checks = await checkTranscripts(
      fixtures.map((f) => ({ name: f.name, sections: f.sections })),
      { devnode: runners.devnode },
    );
    expect(checks.map(formatCheckLine).map((l) => l.replace(/ {2}\(\d+ ms\)$/, ''))).toEqual(fixtures.map((f) => `pass  ${f.name}  devnode`));
    // Every recorded node message was matched by one the devnode sent.
    for (const [i, fixture] of fixtures.entries()) {
      const received = checks[i]!.result.sections.filter((s) => s.kind === 'receive').length;
      expect(received, fixture.name).toBe(fixture.sections.filter((s) => s.kind === 'receive').length);
    }
  });
});

describe('conformance catches recordings altered by hand', () => {
  const fixture = loadFixture('abort_withdraw.md');
  const { sections, networkId } = fixture;

  it('a changed event name', async () => {
    const index = indexOf(sections, (s) => s.role === 'responder' && s.kind === 'receive' && text(s).includes('"aborted_update"'));
    const result = await lines(fixture.name, edit(sections, index, '"aborted_update"', '"update_aborted"'), networkId);
    expect(result.ok).toBe(false);
    expect(result.devnode).toBe(
      `FAIL  abort_withdraw.md  devnode  responder <--- #14 (line ${sections[index]!.line}): event expected "update_aborted", got "aborted_update"; recorded: channels.info {"event":"update_aborted"}; actual: channels.info {"event":"aborted_update"}`,
    );
    expect(result.client).toMatch(/^FAIL {2}abort_withdraw\.md {2}client {2}responder ---> /);
  });

  it('a missing client message', async () => {
    const index = indexOf(sections, (s) => s.role === 'responder' && s.kind === 'send' && text(s).includes('Hello back'));
    const result = await lines(fixture.name, sections.filter((_, i) => i !== index), networkId);
    expect(result.ok).toBe(false);
    expect(result.devnode).toMatch(/^FAIL {2}abort_withdraw\.md {2}devnode {2}initiator <--- #8 \(line \d+\): kind expected "channels\.message", got "channels\.info"; recorded: channels\.message \{"info":"Hello back"\}; actual: channels\.info \{"event":"own_funding_locked"\}$/);
  });

  it('a reordered pair of messages', async () => {
    const a = indexOf(sections, (s) => s.role === 'initiator' && s.kind === 'receive' && text(s).includes('"own_funding_locked"'));
    const b = indexOf(sections, (s) => s.role === 'initiator' && s.kind === 'receive' && text(s).includes('"funding_locked"'));
    const swapped = [...sections];
    [swapped[a], swapped[b]] = [sections[b]!, sections[a]!];
    const result = await lines(fixture.name, swapped, networkId);
    expect(result.ok).toBe(false);
    expect(result.devnode).toMatch(
      /^FAIL {2}abort_withdraw\.md {2}devnode {2}initiator <--- #\d+ \(line \d+\): event expected "funding_locked", got "own_funding_locked"; recorded: channels\.info \{"event":"funding_locked"\}; actual: channels\.info \{"event":"own_funding_locked"\}$/,
    );
  });

  it('a changed amount', async () => {
    const index = indexOf(sections, (s) => s.role === 'initiator' && s.kind === 'send' && text(s).includes('"channels.withdraw"'));
    const result = await lines(fixture.name, edit(sections, index, '"amount":2', '"amount":3'), networkId);
    expect(result.ok).toBe(false);
    expect(result.devnode).toMatch(
      /^FAIL {2}abort_withdraw\.md {2}devnode {2}initiator <--- #\d+ \(line \d+\): updates\[0\]\.amount expected 2, got 3; recorded: channels\.sign\.withdraw_tx \{"updates":\[\{"amount":2,.*; actual: channels\.sign\.withdraw_tx \{"updates":\[\{.*"amount":3\}\]\}$/,
    );
    // The client refuses to sign a withdrawal of 2 it did not ask for, instead of the recorded abort 42.
    expect(result.client).toMatch(/^FAIL {2}abort_withdraw\.md {2}client {2}initiator ---> #\d+ \(line \d+\): params\.error expected 42, got \d+/);
  });
});

/** The sections before the first one that `where` picks, then a client-side close for each role. */
function cutBefore(sections: readonly Section[], where: (s: Section) => boolean): Section[] {
  const kept = sections.slice(0, indexOf(sections, where));
  const line = (kept.at(-1)?.line ?? 0) + 1;
  return [...kept, { role: 'initiator', kind: 'close', line }, { role: 'responder', kind: 'close', line: line + 1 }];
}

describe('conformance reads recordings beyond the fixtures', () => {
  it('a recording without a client signature: the default network id, said so, and still checked', async () => {
    // The initiator connects and pings, and leaves before the responder comes: no signature to detect the network by.
    const fixture = loadFixture('opening_ping_pong.md');
    const sections = cutBefore(fixture.sections, (s) => s.role === 'responder' && s.kind === 'connect').filter((s) => s.role === 'initiator');
    expect(sections.some((s) => s.kind === 'send' && text(s).includes('channels.system'))).toBe(true);
    const checks = await checkTranscripts([{ name: 'pings.md', sections }], runners);
    expect(checks.map(formatCheckLine).map((l) => l.replace(/\(\d+ ms; /, '(…; '))).toEqual([
      'pass  pings.md  client  (…; network id unknown (the recording has no client signature): assumed local_iris_testnet; pass --network-id to set it)',
      'pass  pings.md  devnode  (…; network id unknown (the recording has no client signature): assumed local_iris_testnet; pass --network-id to set it)',
    ]);
    // Every recorded client message was played, in both modes.
    for (const check of checks) expect(check.result.sections.filter((s) => s.kind === 'send').length).toBe(sections.filter((s) => s.kind === 'send').length);
  });

  it('a failed open (an account the node does not know, 1011), alone and before a real open', async () => {
    const fixture = loadFixture('opening_ping_pong.md');
    const lines = fixture.text.split('\n');
    const { initiator } = analyzeRecording(fixture.sections).accounts;
    const stranger = 'ak_2QkttUgEyPixKzqXkJ4LX7ugbRjwCDWPBT4p4M2r8brjxUxUYd';
    expect(lines[3]).toContain(`initiator_id=${initiator}`);
    const failed = [
      ...lines.slice(0, 3),
      lines[3]!.replace(initiator!, stranger),
      ...lines.slice(4, 6),
      '#### initiator <--- node',
      '```javascript',
      '{"channel_id": null, "error": {"code": 3, "data": [{"code": 1011, "message": "Participant not found"}], "message": "Rejected", "request": {}}, "id": null, "jsonrpc": "2.0", "version": 1}',
      '```',
      '',
      '#### initiator closes WebSocket connection',
      '',
    ].join('\n');
    const checks = await checkTranscripts(
      [
        { name: 'failed_open.md', sections: parseTranscript(failed) },
        { name: 'failed_then_open.md', sections: parseTranscript(`${failed}\n${fixture.text}`) },
      ],
      runners,
    );
    expect(checks.map((c) => [c.name, ...outcome(c)])).toEqual([
      ['failed_open.md', 'client', true, undefined],
      ['failed_open.md', 'devnode', true, undefined],
      ['failed_then_open.md', 'client', true, undefined],
      ['failed_then_open.md', 'devnode', true, undefined],
    ]);
    expect(checks[0]!.result.notes).toEqual(['network id unknown (the recording has no client signature): assumed local_iris_testnet; pass --network-id to set it']);
    // The devnode answered the unknown account with 1011: it was sent as recorded.
    const refusal = checks[1]!.result.sections.find((s) => s.kind === 'receive');
    expect(stringifyJson((refusal as { message: JsonValue }).message)).toContain('"code":1011');
  });

  it('a recording whose network id is none of the known ones: the default, said so, and still checked', async () => {
    const fixture = loadFixture('conflict_two_withdrawals.md');
    // The recording's signatures verify only under its own network id, left out of the known ones here.
    const checks = await checkTranscripts([{ name: fixture.name, sections: fixture.sections }], runners, undefined, { networkIds: ['ae_mainnet', 'ae_uat'] });
    expect(checks.map((c) => [c.mode, c.result.ok])).toEqual([
      ['client', true],
      ['devnode', true],
    ]);
    for (const check of checks) {
      expect(check.result.notes).toContain('network id unknown (no client signature verifies under a known network id): assumed local_iris_testnet; pass --network-id to set it');
    }
  });
});

/** A fixture's markdown text with sections inserted before the given (1-based) heading line. */
function insertBefore(name: string, line: number, heading: string, sections: readonly { heading: string; body: string }[]): Section[] {
  const lines = loadFixture(name).text.split('\n');
  expect(lines[line - 1]).toBe(heading);
  const added = sections.flatMap((section) => [section.heading, '```javascript', section.body, '```', '']);
  return parseTranscript([...lines.slice(0, line - 1), ...added, ...lines.slice(line - 1)].join('\n'));
}

describe('conformance replays requests sent with invalid values on purpose', () => {
  it('a string where the amount belongs and an unknown account: the node refuses them, the replay sends them as recorded', async () => {
    const { sections } = loadFixture('abort_withdraw.md');
    const { initiator, responder } = analyzeRecording(sections).accounts;
    const channelId = 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1';
    const stranger = 'ak_2QkttUgEyPixKzqXkJ4LX7ugbRjwCDWPBT4p4M2r8brjxUxUYd';
    const request = (id: number, amount: string, from: string): string =>
      `{"id": ${id}, "jsonrpc": "2.0", "method": "channels.update.new", "params": {"amount": ${amount}, "from": "${from}", "to": "${responder}"}}`;
    const refusal = (id: number, amount: string, from: string, code: number, message: string): string =>
      `{"channel_id": "${channelId}", "error": {"code": 3, "data": [{"code": ${code}, "message": "${message}"}], "message": "Rejected", "request": ${request(id, amount, from)}}, "id": ${id}, "jsonrpc": "2.0", "version": 1}`;
    // Right after the channel is open (line 501: the first withdrawal), two transfers the node rejects (§7.2: 1008, 1003).
    const edited = insertBefore('abort_withdraw.md', 501, '#### initiator ---> node', [
      { heading: '#### initiator ---> node', body: request(901, '"abc"', initiator!) },
      { heading: '#### initiator <--- node', body: refusal(901, '"abc"', initiator!, 1008, 'Not a number') },
      { heading: '#### initiator ---> node', body: request(902, '1', stranger) },
      { heading: '#### initiator <--- node', body: refusal(902, '1', stranger, 1003, 'Invalid pubkeys') },
    ]);
    const checks = await checkTranscripts([{ name: 'invalid_values.md', sections: edited }], runners);
    expect(checks.map((c) => [c.mode, c.result.ok, c.result.reason ?? c.result.problem])).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    expect(checks[0]!.result.notes).toEqual([
      'line 501: channels.update.new {"amount":"abc","from":"ak_2MJU325LQVfAu…HTjWYS","to":"ak_cU4JbcvVzqCtt…7gCs7W"} sent by the harness (the client refuses it: FSM_INVALID_COMMAND amount must be an integer (bigint).)',
      'line 511: channels.update.new {"amount":1,"from":"ak_2QkttUgEyPixK…xUxUYd","to":"ak_cU4JbcvVzqCtt…7gCs7W"} sent by the harness (the client refuses it: FSM_INVALID_COMMAND A transfer must go between the two participants.)',
      'line 695: channels.withdraw_tx {"error":42} sent by the harness (the client has nothing pending to abort)',
    ]);
    // The devnode answered each with the recorded error codes.
    const errors = checks[1]!.result.sections.flatMap((s) => (s.kind === 'receive' ? [stringifyJson(s.message as JsonValue)] : [])).filter((t) => t.includes('"error"'));
    expect(errors[0]).toContain('"code":1008');
    expect(errors[1]).toContain('"code":1003');
  });
});

describe('conformance supplies the id of a signing reply the node answered ok', () => {
  // Older recordings lost the id of some signing replies (solo close, slash, settle), though the
  // node answers "ok" only to a request with an id (§7.1).
  const { text: original } = loadFixture('abort_withdraw.md');
  const withId = '  "id": -576460752303422107,\n  "jsonrpc": "2.0",\n  "method": "channels.initiator_sign",';
  const okWithId = '  "channel_id": null,\n  "id": -576460752303422107,\n  "jsonrpc": "2.0",\n  "result": "ok",';
  const requestWithoutId = original.replace(withId, '  "jsonrpc": "2.0",\n  "method": "channels.initiator_sign",');
  const neitherId = requestWithoutId.replace(okWithId, '  "channel_id": null,\n  "jsonrpc": "2.0",\n  "result": "ok",');

  it.each([
    ['the reply has no id, the ok has one', requestWithoutId],
    ['neither the reply nor the ok has an id', neitherId],
  ])('%s', async (_, edited) => {
    expect(edited).not.toBe(original);
    const sections = parseTranscript(edited);
    const checks = await checkTranscripts([{ name: 'reply_without_id.md', sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    for (const check of checks) expect(check.result.notes).toContain("line 102: the node's answer to a client message without an id; the replay supplies the id");
    // The devnode got the reply with an id and answered it.
    const reply = checks[1]!.result.sections.find((s) => s.kind === 'send' && stringifyJson(s.message as JsonValue).includes('channels.initiator_sign'));
    expect((reply as { message: { id?: unknown } }).message.id).toBeDefined();
  });
});

/** A test recording of `test/fixtures/` (see its README). */
const testRecording = (name: string): Section[] => parseTranscript(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

describe('conformance accepts signing-reply aliases (§7.4)', () => {
  it.each(['slash_reply_aliases.md', 'solo_close_reply_aliases.md'])('%s: the client sends the canonical reply, the devnode takes the alias', async (name) => {
    const sections = testRecording(name);
    const aliases = sections.filter((s) => s.kind === 'send' && /"channels\.(slash|settle|close_solo)_tx"/.test(text(s)));
    expect(aliases).toHaveLength(2);
    const checks = await checkTranscripts([{ name, sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    // In devnode mode the aliases went out as recorded.
    const sent = checks[1]!.result.sections.flatMap((s) => (s.kind === 'send' ? [stringifyJson(s.message as JsonValue)] : []));
    expect(sent.filter((t) => /"channels\.(slash|settle|close_solo)_tx"/.test(t))).toHaveLength(2);
  });
});

describe('conformance queues a command the client holds back while node messages still arrive', () => {
  it('a withdrawal sent before the node confirmed the abort of the previous one', async () => {
    // abort_withdraw.md with the initiator's second withdrawal (line 619) moved before the
    // node's `aborted_update` for the first one (line 545): the client queues it until then.
    const lines = loadFixture('abort_withdraw.md').text.split('\n');
    const block = (line: number): [number, number] => {
      let end = line;
      while (end < lines.length && !lines[end]!.startsWith('#### ')) end += 1;
      return [line - 1, end];
    };
    const [a0] = block(545);
    const [b0, b1] = block(619);
    expect([lines[a0], lines[b0], lines[b0 + 4]]).toEqual(['#### initiator <--- node', '#### initiator ---> node', '  "method": "channels.withdraw",']);
    const moved = parseTranscript([...lines.slice(0, a0), ...lines.slice(b0, b1), ...lines.slice(a0, b0), ...lines.slice(b1)].join('\n'));
    const checks = await checkTranscripts([{ name: 'queued.md', sections: moved }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    expect(checks[0]!.result.notes).toContain('line 545: the client queued channels.withdraw until 2 node message(s) recorded after it had arrived');
  });
});

describe('conformance drives the devnode chain and clock from the recorded chain events', () => {
  it('a stale close solo posted by someone else (shown by can_slash): the checker posts one', async () => {
    const sections = testRecording('slash_reply_aliases.md');
    // Without the info line for readers: the checker infers the close from the chain events alone.
    const withoutRemark = sections.filter((s) => !(s.kind === 'info' && s.text.includes('Posted a close solo')));
    expect(withoutRemark.length).toBe(sections.length - 1);
    const [check] = await checkTranscripts([{ name: 'slash.md', sections: withoutRemark }], { devnode: runners.devnode });
    expect(check!.result.problem ?? (check!.result.difference && formatDifference(check!.result.difference))).toBeUndefined();
    expect(check!.result.notes).toContain('line 700: a close solo of round 2 posted to the chain by the responder (out of band, shown by channels.on_chain_tx can_slash)');
  });

  /** opening_ping_pong.md's first lines with a parameter added to URLs, then the given node messages and closes. */
  function timedOut(name: string, endLine: number, urlParam: (url: string) => string, tail: readonly string[]): Section[] {
    const lines = loadFixture(name).text.split('\n').slice(0, endLine - 1).map((line) => (line.startsWith('ws://') ? urlParam(line) : line));
    return parseTranscript([...lines, '', ...tail].join('\n'));
  }
  const info = (channelId: string | null, event: string): string =>
    ['```javascript', `{"jsonrpc": "2.0", "method": "channels.info", "params": {"channel_id": ${channelId === null ? 'null' : `"${channelId}"`}, "data": {"event": "${event}"}}, "version": 1}`, '```', ''].join('\n');

  it('an open that times out (timeout_accept=500, no responder): the clock moves on, not the chain', async () => {
    const sections = timedOut('opening_ping_pong.md', 24, (url) => `${url}&timeout_accept=500`, [
      '#### initiator <--- node', info(null, 'timeout'), '#### initiator <--- node', info(null, 'died'), '#### initiator closes WebSocket connection', '',
    ]);
    expect(sections.map((s) => s.kind)).toEqual(['connect', 'receive', 'info', 'receive', 'receive', 'close']);
    const checks = await checkTranscripts([{ name: 'accept_timeout.md', sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    expect(checks[1]!.result.notes).toContain("the node's clock moved on 0.5 s for the timeouts the recording shows");
  });

  it('minimum depth never reached (timeout_funding_lock=3000 for the initiator): timeout and died', async () => {
    const channelId = 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1';
    // abort_withdraw.md up to the initiator's own_funding_locked (line 363), which never comes.
    const sections = timedOut('abort_withdraw.md', 363, (url) => (url.includes('role=initiator') ? `${url}&timeout_funding_lock=3000` : url), [
      '#### initiator <--- node', info(channelId, 'timeout'), '#### initiator <--- node', info(channelId, 'died'), '#### initiator closes WebSocket connection', '',
      '#### responder <--- node', info(channelId, 'died'), '#### responder closes WebSocket connection', '',
    ]);
    const checks = await checkTranscripts([{ name: 'min_depth_timeout.md', sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    expect(checks[1]!.result.notes).toContain("the node's clock moved on 3 s for the timeouts the recording shows");
  });
});

describe('conformance substitutes transaction hashes learnt from the devnode', () => {
  it('assume_minimum_depth names the create tx by its hash: the run sends the devnode\'s hash', async () => {
    const fixture = loadFixture('abort_withdraw.md');
    const channelId = 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1';
    const createTx = /"info": "funding_signed",\n\s+"tx": "(tx_[^"]+)"/.exec(fixture.text)![1]!;
    const recordedHash = txHash(createTx as Encoded<'tx'>);
    const block = (body: string): string => ['```javascript', body, '```', ''].join('\n');
    // The initiator assumes the minimum depth of the create tx (§7.3) before its own_funding_locked
    // (line 363); the real confirmation comes later as minimum_depth_achieved, before funding_locked (line 417).
    const lines = fixture.text.split('\n');
    expect([lines[362], lines[416]]).toEqual(['#### initiator <--- node', '#### initiator <--- node']);
    const edited = parseTranscript(
      [
        ...lines.slice(0, 362),
        '#### initiator ---> node',
        block(`{"id": 903, "jsonrpc": "2.0", "method": "channels.assume_minimum_depth", "params": {"tx_hash": "${recordedHash}"}}`),
        '#### initiator <--- node',
        block(`{"channel_id": "${channelId}", "id": 903, "jsonrpc": "2.0", "result": "ok", "version": 1}`),
        ...lines.slice(362, 416),
        '#### initiator <--- node',
        block(
          `{"jsonrpc": "2.0", "method": "channels.info", "params": {"channel_id": "${channelId}", "data": {"event": "minimum_depth_achieved", "notice": "already_assumed", "tx_hash": "${recordedHash}", "tx_type": "channel_create_tx"}}, "version": 1}`,
        ),
        ...lines.slice(416),
      ].join('\n'),
    );
    const checks = await checkTranscripts([{ name: 'assume_depth.md', sections: edited }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    const assume = checks[1]!.result.sections.find((s) => s.kind === 'send' && text(s as Section).includes('assume_minimum_depth')) as { message: { params: { tx_hash: string } } };
    expect(assume.message.params.tx_hash).toMatch(/^th_/);
    expect(assume.message.params.tx_hash).not.toBe(recordedHash);
  });
});

describe('conformance keeps channels and connections of one role apart', () => {
  /** Two recordings one after the other: each role closes its channel and opens another one. */
  const concat = (...names: string[]): Section[] => parseTranscript(names.map((name) => loadFixture(name).text).join('\n'));

  it('a channel closed and a new one opened with other accounts', async () => {
    const sections = concat('abort_withdraw.md', 'opening_ping_pong.md');
    expect(sections.filter((s) => s.kind === 'connect').length).toBe(4);
    const checks = await checkTranscripts([{ name: 'two_channels.md', sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    // Every node message of both channels was matched in devnode mode.
    expect(checks[1]!.result.sections.filter((s) => s.kind === 'receive').length).toBe(sections.filter((s) => s.kind === 'receive').length);
  });

  it('a channel left with a signing request unanswered, then a new one: the old request is not the new channel\'s', async () => {
    // abort_withdraw.md up to the initiator's first sign.withdraw_tx (line 512), both clients leave; then a new channel.
    const lines = loadFixture('abort_withdraw.md').text.split('\n');
    expect(lines[533]).toBe('#### initiator ---> node');
    const left = [...lines.slice(0, 533), '#### initiator closes WebSocket connection', '', '#### responder closes WebSocket connection', ''].join('\n');
    const sections = parseTranscript(`${left}\n${loadFixture('opening_ping_pong.md').text}`);
    const checks = await checkTranscripts([{ name: 'left_then_new.md', sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
  });

  it('the same channel recording twice (same accounts, same recorded ids), and reconnects followed by a new channel', async () => {
    const checks = await checkTranscripts(
      [
        { name: 'same_twice.md', sections: concat('abort_withdraw.md', 'abort_withdraw.md') },
        { name: 'reconnect_then_open.txt', sections: concat('client_reconnect_responder.txt', 'opening_ping_pong.md') },
      ],
      runners,
    );
    expect(checks.map((c) => [c.name, c.mode, c.result.ok])).toEqual([
      ['same_twice.md', 'client', true],
      ['same_twice.md', 'devnode', true],
      ['reconnect_then_open.txt', 'client', true],
      ['reconnect_then_open.txt', 'devnode', true],
    ]);
  });
});

describe('conformance solves where a recording that starts mid-channel starts', () => {
  it('from the state hash: the final amounts of a later settle, rolled back through the co-signed updates', async () => {
    // slash_reply_aliases.md from its second transfer (line 535, round 3): the balances after
    // the first transfer are none the recording states, and it continues no earlier file.
    const lines = readFileSync(new URL('./fixtures/slash_reply_aliases.md', import.meta.url), 'utf8').split('\n');
    expect(lines[534]).toBe('#### responder ---> node');
    const sections = parseTranscript(lines.slice(534).join('\n'));
    expect(startsMidChannel(sections)).toBe(true);
    const checks = await checkTranscripts([{ name: 'slash_from_round_3.md', sections }], runners);
    expect(outcomes(checks)).toEqual([
      ['client', true, undefined],
      ['devnode', true, undefined],
    ]);
    // The devnode's channel is numbered from its own open: the stale close is the state before its latest.
    expect(checks[1]!.result.notes).toContain('line 166: a close solo of round 1 posted to the chain by the responder (out of band, shown by channels.on_chain_tx can_slash)');
  });
});

describe('conformance reads the contract recordings (one channel over two files)', () => {
  const open = loadFixture('contracts_group_open.md');
  const basic = loadFixture('contracts_basic.md');

  it('finds where contracts_basic.md starts: the channel, accounts, round and balances of contracts_group_open.md', () => {
    expect(startsMidChannel(basic.sections)).toBe(true);
    expect(startsMidChannel(open.sections)).toBe(false);
    const others = [
      { name: 'abort_withdraw.md', sections: loadFixture('abort_withdraw.md').sections },
      { name: open.name, sections: open.sections },
    ];
    expect(pickPreviousRecording(basic.sections, others)?.name).toBe('contracts_group_open.md');
    const point = channelPointAfter(open.sections, 'initiator');
    if (typeof point === 'string') throw new Error(point);
    expect(point.channelId).toBe(channelIdOf(basic.sections));
    expect(point.state.round).toBe(1n);
    // The participants named by the opening URL are those that sign contracts_basic.md's updates.
    const { initiator_id: initiator, responder_id: responder } = urlParams(point.url!);
    expect(Object.keys(point.balances).sort()).toEqual([initiator, responder].sort());
    expect(firstRequestedRound(basic.sections)).toBe(point.state.round + 1n);
  });

  const both = (): TranscriptInput[] => [
    { name: open.name, sections: open.sections },
    { name: basic.name, sections: basic.sections, previous: { name: open.name, sections: open.sections } },
  ];

  it('tells the node of the contract recordings by its PoIs (vm 7 contracts stored as object v1): early-iris', () => {
    expect(analyzeRecording(basic.sections, basic.networkId).variant).toBe('early-iris');
    // The opening has no contract: nothing tells its node apart from the current one.
    expect(analyzeRecording(open.sections, open.networkId).variant).toBe('current');
    // Every other fixture keeps its variant.
    expect(loadFixtures().map((f) => analyzeRecording(f.sections, f.networkId).variant)).not.toContain('early-iris');
  });

  it('passes both files in both modes with the early-iris rules, the malformed requests sent by the harness', async () => {
    const checks = await checkTranscripts(both(), runners);
    expect(checks.map((c) => [c.name, c.mode, c.result.ok, c.result.problem, c.result.difference])).toEqual([
      ['contracts_group_open.md', 'client', true, undefined, undefined],
      ['contracts_group_open.md', 'devnode', true, undefined, undefined],
      ['contracts_basic.md', 'client', true, undefined, undefined],
      ['contracts_basic.md', 'devnode', true, undefined, undefined],
    ]);
    const [client, devnode] = [checks[2]!, checks[3]!];
    expect(devnode.result.notes).toEqual(['continues contracts_group_open.md']);
    // The requests the recorded clients sent with broken values (the node's 1005/1006/1008/1009)
    // are refused by the client itself and sent by the harness as recorded, each named.
    const harness = (client.result.notes ?? []).filter((note) => note.includes('sent by the harness'));
    expect(harness.length).toBeGreaterThan(20);
    for (const note of harness) expect(note).toMatch(/\(the client refuses it: FSM_INVALID_COMMAND .*\)$/);
    // Everything else the client sent itself: every recorded message of both roles has a counterpart.
    expect(client.result.sections.filter((s) => s.kind === 'send').length).toBe(basic.sections.filter((s) => s.kind === 'send').length);
    expect(devnode.result.sections.filter((s) => s.kind === 'receive').length).toBe(basic.sections.filter((s) => s.kind === 'receive').length);
  }, 120_000);

  it('fails with today\'s contract rules (forced variant current) in both modes, and says with which rules it ran', async () => {
    const checks = await checkTranscripts(both(), runners, undefined, { variant: 'current' });
    expect(checks.map((c) => c.result.ok)).toEqual([true, true, false, false]);
    const rules = 'the contract rounds ran as on the current node (current contract rules; the recording\'s first contract request: channels.update.new_contract, line 2)';
    // The client recomputes the first contract round to another state hash and refuses to sign it.
    expect(checks[2]!.result.reason).toMatch(/^the client refused to sign update: .*state hash/);
    expect(checks[2]!.result.reason).toContain(rules);
    // The devnode's VM gives another gas (Iris gas schedule) for the first call object read back.
    expect(formatCheckLine(checks[3]!)).toMatch(/^FAIL {2}contracts_basic\.md {2}devnode {2}\w+ <--- #\d+ \(line \d+\): call\.gas_used expected \d+, got \d+/);
    expect(checks[3]!.result.reason).toContain(rules);
  }, 120_000);
});
