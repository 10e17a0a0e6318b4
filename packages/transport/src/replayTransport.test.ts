import type { JsonValue } from '@aechannel/codec';
import { loadFixture, loadFixtures } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { collect } from '../test/helpers.js';
import { replayTransport, type ReplayTransport } from './replayTransport.js';

type Obj = { [key: string]: JsonValue };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A client that answers exactly what the recording says, but with its own request ids. */
async function driveLikeTheRecording(replay: ReplayTransport): Promise<{ received: JsonValue[]; idOf: Map<bigint, bigint> }> {
  const received = collect(replay, 'message');
  const idOf = new Map<bigint, bigint>();
  let ownId = 1n;
  await replay.opened;
  for (;;) {
    await replay.settled();
    const next = replay.expected[0];
    if (next === undefined || replay.readyState !== 'open') break;
    let message = next;
    if (isObj(next) && typeof next['id'] === 'bigint') {
      idOf.set(next['id'], ownId);
      message = { ...next, id: ownId };
      ownId += 1n;
    }
    replay.send(message);
  }
  await replay.settled();
  return { received, idOf };
}

describe('replayTransport', () => {
  for (const fixture of loadFixtures()) {
    for (const role of ['initiator', 'responder'] as const) {
      it(`plays ${fixture.name} for the ${role}: every node message, in order, ids mapped`, async () => {
        const replay = replayTransport(fixture.sections, { role });
        const { received, idOf } = await driveLikeTheRecording(replay);
        // Up to the first close of this role, every recorded receive arrives, in order.
        const mine = fixture.sections.filter((s) => s.role === role);
        const end = mine.findIndex((s, i) => s.kind === 'close' || (s.kind === 'connect' && i > 0));
        const recorded = (end === -1 ? mine : mine.slice(0, end)).flatMap((s) => (s.kind === 'receive' ? [s.message] : []));
        const unmapped = received.map((m) => {
          if (!isObj(m) || typeof m['id'] !== 'bigint') return m;
          const original = [...idOf.entries()].find(([, own]) => own === m['id']);
          return original ? { ...m, id: original[0] } : m;
        });
        expect(unmapped).toEqual(recorded);
        expect(replay.expected).toEqual([]);
        expect(replay.pending).toEqual([]);
        expect(replay.done).toBe(true);
        expect(replay.sent).toHaveLength(replay.recordedSends.length);
      });
    }
  }

  it('deliverAhead: the node messages after a held-back client message arrive once, before and after it is sent', async () => {
    const sections = [
      { role: 'initiator', kind: 'connect', url: 'ws://x/channel' },
      { role: 'initiator', kind: 'receive', message: { n: 1n } },
      { role: 'initiator', kind: 'send', message: { method: 'a' } },
      { role: 'initiator', kind: 'receive', message: { n: 2n } },
      { role: 'initiator', kind: 'receive', message: { n: 3n } },
      { role: 'initiator', kind: 'send', message: { method: 'b' } },
      { role: 'initiator', kind: 'receive', message: { n: 4n } },
    ];
    const replay = replayTransport(sections, { role: 'initiator' });
    const received = collect(replay, 'message');
    await replay.opened;
    await replay.settled();
    expect(received).toEqual([{ n: 1n }]);
    expect(replay.deliverAhead()).toBe(2);
    expect(replay.deliverAhead()).toBe(0); // the next client message comes first
    await replay.settled();
    expect(received).toEqual([{ n: 1n }, { n: 2n }, { n: 3n }]);
    expect(replay.expected).toEqual([{ method: 'a' }, { method: 'b' }]);
    replay.send({ method: 'a' });
    await replay.settled();
    expect(received).toEqual([{ n: 1n }, { n: 2n }, { n: 3n }]);
    replay.send({ method: 'b' });
    await replay.settled();
    expect(received).toEqual([{ n: 1n }, { n: 2n }, { n: 3n }, { n: 4n }]);
  });

  it('steps: nothing beyond the next recorded client message is delivered until the client sends', async () => {
    const { sections } = loadFixture('opening_ping_pong.md');
    const replay = replayTransport(sections, { role: 'initiator' });
    const received = collect(replay, 'message');
    await replay.opened;
    await replay.settled();
    const firstSend = sections.findIndex((s) => s.role === 'initiator' && s.kind === 'send');
    const before = sections.slice(0, firstSend).filter((s) => s.role === 'initiator' && s.kind === 'receive');
    expect(received).toEqual(before.map((s) => (s as { message: JsonValue }).message));
    expect(replay.url).toMatch(/^ws:\/\/localhost:3014\/channel\?.*role=initiator$/);
    // Nothing more arrives on its own.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received).toHaveLength(before.length);
    replay.send(replay.expected[0]!);
    await replay.settled();
    expect(received.length).toBeGreaterThan(before.length);
  });

  it('rewrites recorded response ids (and the echoed request id of errors) to the ids the client used', async () => {
    const sections = [
      { kind: 'connect', role: 'initiator', url: 'ws://x/channel' },
      { kind: 'send', role: 'initiator', message: { jsonrpc: '2.0', id: -5n, method: 'a', params: {} } },
      { kind: 'receive', role: 'initiator', message: { jsonrpc: '2.0', id: -5n, result: 'ok' } },
      { kind: 'receive', role: 'initiator', message: { jsonrpc: '2.0', id: -5n, error: { code: 3n, message: 'Rejected', request: { id: -5n } } } },
      { kind: 'receive', role: 'initiator', message: { jsonrpc: '2.0', id: -6n, result: 'other' } },
    ];
    const replay = replayTransport(sections, { role: 'initiator' });
    const received = collect(replay, 'message');
    await replay.opened;
    replay.send({ jsonrpc: '2.0', id: 77n, method: 'a', params: {} });
    await replay.settled();
    expect(received).toEqual([
      { jsonrpc: '2.0', id: 77n, result: 'ok' },
      { jsonrpc: '2.0', id: 77n, error: { code: 3n, message: 'Rejected', request: { id: 77n } } },
      { jsonrpc: '2.0', id: -6n, result: 'other' },
    ]);
    const raw = replayTransport(sections, { role: 'initiator', mapIds: false });
    const rawReceived = collect(raw, 'message');
    await raw.opened;
    raw.send({ jsonrpc: '2.0', id: 77n, method: 'a', params: {} });
    await raw.settled();
    expect(rawReceived[0]).toEqual({ jsonrpc: '2.0', id: -5n, result: 'ok' });
  });

  it('plays the reconnect recording connection by connection: error then close', async () => {
    const { sections } = loadFixture('client_reconnect_responder.txt');
    const first = replayTransport(sections, { role: 'responder', connection: 1 });
    expect(first.url).toContain('existing_channel_id=');
    expect(first.url).not.toContain('existing_fsm_id=');
    const received = collect(first, 'message');
    const close = await first.closed;
    expect(close).toEqual({ code: 1000, reason: '', wasClean: true });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ error: { data: [{ code: 2000n, message: 'Missing field: existing_fsm_id' }] } });

    const last = replayTransport(sections, { role: 'responder', connection: 5 });
    expect(last.url).toContain('existing_fsm_id=ba_cQiEQGZ%2F');
    expect(last.recordedSends.length).toBeGreaterThan(0);
    expect(() => replayTransport(sections, { role: 'responder', connection: 6 })).toThrowError(
      expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }),
    );
  });

  it('keeps the link open at the recorded close when closeAtEnd is false', async () => {
    const { sections } = loadFixture('client_reconnect_responder.txt');
    const replay = replayTransport(sections, { role: 'responder', connection: 2, closeAtEnd: false });
    await replay.opened;
    await replay.settled();
    expect(replay.readyState).toBe('open');
    expect(replay.done).toBe(true);
    replay.close();
    expect(await replay.closed).toMatchObject({ code: 1000, wasClean: true });
  });

  it('plays recordings that start with an open channel (no connect section)', async () => {
    const { sections } = loadFixture('conflict_two_withdrawals.md');
    const replay = replayTransport(sections, { role: 'initiator' });
    expect(replay.url).toBeUndefined();
    expect(replay.recordedSends.length).toBeGreaterThan(0);
  });

  it('reports a client message beyond the recording as an error event, without throwing', async () => {
    const sections = [
      { kind: 'connect', role: 'responder', url: 'ws://x/channel' },
      { kind: 'receive', role: 'responder', message: { hello: 1n } },
    ];
    const replay = replayTransport(sections, { role: 'responder', closeAtEnd: false });
    const errors = collect(replay, 'error');
    await replay.opened;
    replay.send({ extra: true });
    expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_REPLAY_UNEXPECTED_SEND']);
    expect(replay.sent).toEqual([{ extra: true }]);
  });
});
