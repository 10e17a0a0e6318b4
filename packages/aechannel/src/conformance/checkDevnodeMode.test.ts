import { randomBytes } from 'node:crypto';
import { encode, parseJson, stringifyJson, type JsonValue } from '@aechannel/codec';
import { generateKeyPair } from '@aechannel/signer';
import type { Role, Section } from '@aechannel/transcript';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { replayTransport } from '@aechannel/transport';
import { describe, expect, it } from 'vitest';
import { analyzeRecording } from './analyzeRecording.js';
import { checkDevnodeMode, type DevnodeTarget } from './checkDevnodeMode.js';
import { formatDifference } from './compareSections.js';
import { urlParams } from './compareMessages.js';

/**
 * A stand-in node that answers from a recording (the replay transport, one connection per
 * connect), with every recorded account, channel id and fsm id translated to fresh values,
 * as a devnode would have its own: it exercises devnode mode's driving (causal waits,
 * substitutions, signing, closes) without a devnode.
 */
function replayNode(recording: readonly Section[]): DevnodeTarget & { urls: string[]; translation: Map<string, string> } {
  const connections: Record<Role, number> = { initiator: 0, responder: 0 };
  const urls: string[] = [];
  const account = () => {
    const pair = generateKeyPair();
    return { address: pair.address, secretKey: pair.secretKey };
  };
  const accounts = { initiator: account(), responder: account() };
  const analysis = analyzeRecording(recording);
  const translation = new Map<string, string>();
  for (const role of ['initiator', 'responder'] as const) translation.set(analysis.accounts[role]!, accounts[role].address);
  const text = recording.map((s) => ('message' in s ? stringifyJson(s.message) : '')).join('\n');
  for (const match of text.matchAll(/"((?:ch|ba)_[0-9A-Za-z+/=]{40,})"/g)) {
    const value = match[1]!;
    if (!translation.has(value)) translation.set(value, encode(randomBytes(32), value.startsWith('ch_') ? 'ch' : 'ba'));
  }
  const translate = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return translation.get(value) ?? value;
    if (Array.isArray(value)) return value.map(translate);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translate(v)]));
    return value;
  };
  return {
    url: 'ws://replay.invalid/channel',
    networkId: 'replay_testnet',
    accounts,
    urls,
    translation,
    connect(url) {
      urls.push(url);
      const role = urlParams(url).role as Role;
      const replay = replayTransport(recording, { role, connection: connections[role]++ });
      return new Proxy(replay, {
        get(target, key, receiver) {
          if (key !== 'on') return Reflect.get(target, key, receiver) as unknown;
          return (event: string, listener: (payload: unknown) => void) =>
            target.on(event as 'message', event === 'message' ? (message) => listener(translate(message)) : listener);
        },
      });
    },
  };
}

function edit(sections: Section[], index: number, from: string, to: string): Section[] {
  const copy = sections.map((s) => ({ ...s }));
  const section = copy[index] as Section & { message: JsonValue };
  const text = stringifyJson(section.message);
  if (!text.includes(from)) throw new Error(`no ${from} at ${index}`);
  section.message = parseJson(text.replace(from, to));
  return copy;
}

describe('checkDevnodeMode (against a replayed node)', () => {
  it.each(['abort_withdraw.md', 'opening_ping_pong.md', 'client_reconnect_responder.txt'])('passes %s', async (name) => {
    const fixture = loadFixture(name);
    const node = replayNode(fixture.sections);
    const result = await checkDevnodeMode(fixture.sections, node, { waitMs: 2000, graceMs: 5 });
    expect(result.problem).toBeUndefined();
    expect(result.difference).toBeUndefined();
    expect(result.ok).toBe(true);
    // The node saw this run's accounts, never the recorded ones.
    const opening = urlParams(node.urls[0]!);
    expect([opening.initiator_id, opening.responder_id]).toEqual([node.accounts.initiator.address, node.accounts.responder.address]);
  });

  it('substitutes the run fsm id when reconnecting, and keeps deliberately wrong ones', async () => {
    const fixture = loadFixture('client_reconnect_responder.txt');
    const node = replayNode(fixture.sections);
    await checkDevnodeMode(fixture.sections, node, { waitMs: 2000, graceMs: 5 });
    const reconnects = node.urls.filter((url) => url.includes('existing_channel_id'));
    expect(node.translation.get('ba_cQiEQGZ/G5WoXg5o0uLYscwXGrxa+WPteqFwxZ7xsmEctG4/')).toMatch(/^ba_/);
    expect(reconnects.map((url) => urlParams(url).existing_channel_id)).toEqual(Array(5).fill(node.translation.get('ch_29rmbxczEmFWBx2JFjD2S8YkhPULNwdUFe6NoZuM3HSA1fEKPC')));
    expect(reconnects.map((url) => urlParams(url).existing_fsm_id)).toEqual([
      undefined,
      'Invalid',
      'ba_0l8E77UMjdvRtTsx',
      node.translation.get('ba_KhTOHOVl3M8xvXcfbJWs4t5asEPIrJcDgsw9t9PyiFJ/ZPT6') ?? 'ba_KhTOHOVl3M8xvXcfbJWs4t5asEPIrJcDgsw9t9PyiFJ/ZPT6',
      // The right fsm id: the one this run's node sent in fsm_up, learned during the run.
      node.translation.get('ba_cQiEQGZ/G5WoXg5o0uLYscwXGrxa+WPteqFwxZ7xsmEctG4/'),
    ]);
  });

  it('names a node message that differs from the recording', async () => {
    const fixture = loadFixture('abort_withdraw.md');
    const index = fixture.sections.findIndex(
      (s) => s.role === 'initiator' && s.kind === 'receive' && stringifyJson(s.message).includes('"aborted_update"'),
    );
    const recorded = edit(fixture.sections, index, '"aborted_update"', '"update_aborted"');
    const result = await checkDevnodeMode(recorded, replayNode(fixture.sections), { waitMs: 2000, graceMs: 5 });
    expect(result.ok).toBe(false);
    expect(formatDifference(result.difference!)).toMatch(
      new RegExp(`^initiator <--- #\\d+ \\(line ${fixture.sections[index]!.line}\\): event expected "update_aborted", got "aborted_update"; recorded: channels.info \\{"event":"update_aborted"\\}; actual: channels.info \\{"event":"aborted_update"\\}$`),
    );
  });

  it('reports a recorded node message that never comes', async () => {
    const fixture = loadFixture('opening_ping_pong.md');
    const node = fixture.sections.filter((s, i) => !(s.role === 'responder' && s.kind === 'receive' && i === fixture.sections.findIndex((x) => x.role === 'responder' && x.kind === 'receive' && stringifyJson(x.message).includes('channels.message'))));
    const result = await checkDevnodeMode(fixture.sections, replayNode(node), { waitMs: 200, graceMs: 5 });
    expect(result.ok).toBe(false);
    expect(formatDifference(result.difference!)).toMatch(/^responder <--- #\d+ \(line \d+\): (missing|method expected "channels.message", got .*); recorded: channels.message \{"info":"Hello"\}/);
  });
});
