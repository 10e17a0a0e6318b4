/**
 * The transport contract suite (STYLE.md "Contract suites"): every transport
 * implementation must pass it. `make` returns a fresh transport plus control of the other
 * end of its link (a node-side peer).
 */
import { isAechannelError, type JsonValue } from '@aechannel/codec';
import { afterEach, describe, expect, it } from 'vitest';
import type { Transport, TransportCloseEvent } from '../src/index.js';
import { collect, nextEvent } from './helpers.js';

/** The other end of the link, as the contract suite drives it. */
export interface TransportPeer {
  /** Sends a value to the transport under test. */
  send(value: JsonValue): void;
  /** Sends raw text (e.g. malformed JSON). */
  sendRaw(text: string): void;
  /** The next value the peer received from the transport under test. */
  next(): Promise<JsonValue>;
  /** Closes from the peer side with a close frame. */
  close(code: number, reason: string): void;
  /** Loses the link abruptly (no close frame). */
  drop(): void;
  /** Resolves with what the peer saw when the link closed. */
  closed(): Promise<{ code: number; reason: string }>;
}

export interface TransportHarness {
  transport: Transport;
  peer: TransportPeer;
  cleanup(): Promise<void>;
}

export interface MakeOptions {
  maxFrameBytes?: number;
  signal?: AbortSignal;
}

/** Runs the contract against `make`. */
export function describeTransport(name: string, make: (options?: MakeOptions) => Promise<TransportHarness>): void {
  describe(`Transport contract: ${name}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    const open = async (options?: MakeOptions): Promise<TransportHarness> => {
      const harness = await make(options);
      cleanups.push(harness.cleanup);
      return harness;
    };
    afterEach(async () => {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    });

    it('opens: readyState, opened and the open event agree', async () => {
      const { transport } = await open();
      await transport.opened;
      expect(transport.readyState).toBe('open');
    });

    it('sends values bigint-safe: 10^30 and the id -576460752303422107', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const message = { jsonrpc: '2.0', id: -576460752303422107n, method: 'channels.update.new', params: { amount: 10n ** 30n } };
      transport.send(message);
      expect(await peer.next()).toEqual(message);
    });

    it('receives values bigint-safe, as events and through the async iterator', async () => {
      const { transport, peer } = await open();
      const iterator = transport.messages();
      const viaEvent = nextEvent(transport, 'message');
      await transport.opened;
      const message = { jsonrpc: '2.0', id: -576460752303422107n, result: [{ balance: 10n ** 30n, fraction: 0.5 }] };
      peer.send(message);
      expect(await viaEvent).toEqual(message);
      expect(await iterator.next()).toEqual({ value: message, done: false });
      await iterator.return?.();
    });

    it('settles every next() asked for before any value arrived, in order; the rest end at close', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const iterator = transport.messages();
      const asked = [iterator.next(), iterator.next(), iterator.next()];
      peer.send({ n: 1n });
      peer.send({ n: 2n });
      expect(await Promise.all(asked.slice(0, 2))).toEqual([
        { value: { n: 1n }, done: false },
        { value: { n: 2n }, done: false },
      ]);
      peer.close(4001, 'bye');
      expect(await asked[2]).toEqual({ value: undefined, done: true });
    });

    it('keeps order over many frames in both directions', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const received = collect(transport, 'message');
      for (let i = 0n; i < 50n; i++) transport.send({ n: i });
      for (let i = 0n; i < 50n; i++) expect(await peer.next()).toEqual({ n: i });
      for (let i = 0n; i < 50n; i++) peer.send({ n: i });
      const iterator = transport.messages();
      peer.send({ n: 'last' });
      for await (const value of iterator) if ((value as { n: unknown }).n === 'last') break;
      expect(received.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => ({ n: BigInt(i) })));
    });

    it('reports a frame that is not JSON as TRANSPORT_INVALID_JSON and keeps working', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const error = nextEvent(transport, 'error');
      peer.sendRaw('{"jsonrpc": "2.0", oops');
      expect(isAechannelError(await error, 'TRANSPORT_INVALID_JSON')).toBe(true);
      const message = nextEvent(transport, 'message');
      peer.send({ still: 'alive' });
      expect(await message).toEqual({ still: 'alive' });
      transport.send({ ok: true });
      expect(await peer.next()).toEqual({ ok: true });
    });

    it('refuses an oversized frame: TRANSPORT_FRAME_TOO_LARGE, then the link closes with 1009 and nothing after it arrives', async () => {
      const { transport, peer } = await open({ maxFrameBytes: 1024 });
      await transport.opened;
      const errors = collect(transport, 'error');
      const messages = collect(transport, 'message');
      peer.send({ small: 1n });
      peer.send({ big: 'x'.repeat(2000) });
      peer.send({ after: 1n });
      const closed = await transport.closed;
      expect(closed.code).toBe(1009);
      expect(messages).toEqual([{ small: 1n }]);
      expect(errors.map((e) => e.code)).toEqual(['TRANSPORT_FRAME_TOO_LARGE']);
      expect(errors[0]!.context).toMatchObject({ limit: 1024 });
      expect((await peer.closed()).code).toBe(1009);
    });

    it('accepts a frame of exactly maxFrameBytes', async () => {
      const { transport, peer } = await open({ maxFrameBytes: 1024 });
      await transport.opened;
      const message = nextEvent(transport, 'message');
      const exact = { pad: 'x'.repeat(1024 - '{"pad":""}'.length) };
      peer.send(exact);
      expect(await message).toEqual(exact);
      expect(transport.readyState).toBe('open');
    });

    it('surfaces a peer close: code, reason, wasClean; iterator ends; send then throws', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const iterator = transport.messages();
      const closeEvent = nextEvent(transport, 'close');
      peer.close(4001, 'bye');
      const expected: TransportCloseEvent = { code: 4001, reason: 'bye', wasClean: true };
      expect(await closeEvent).toEqual(expected);
      expect(await transport.closed).toEqual(expected);
      expect(transport.readyState).toBe('closed');
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
      expect(() => transport.send({})).toThrowError(expect.objectContaining({ code: 'TRANSPORT_NOT_OPEN' }));
    });

    it('surfaces an abrupt loss as code 1006, wasClean false', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      peer.drop();
      const event = await transport.closed;
      expect(event.wasClean).toBe(false);
      expect(event.code).toBe(1006);
    });

    it('closes locally with the given code and reason, seen by the peer', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const closeEvents = collect(transport, 'close');
      transport.close(4000, 'done');
      expect(transport.readyState).toBe('closing');
      expect(await peer.closed()).toEqual({ code: 4000, reason: 'done' });
      expect(await transport.closed).toMatchObject({ code: 4000, reason: 'done', wasClean: true });
      transport.close(); // already closed: nothing happens
      expect(closeEvents).toHaveLength(1);
    });

    it('rejects invalid close codes with a typed error', async () => {
      const { transport } = await open();
      await transport.opened;
      expect(() => transport.close(1006)).toThrowError(expect.objectContaining({ code: 'TRANSPORT_INVALID_OPTIONS' }));
      expect(transport.readyState).toBe('open');
    });

    it('terminate() drops the link: close 1006, wasClean false', async () => {
      const { transport } = await open();
      await transport.opened;
      transport.terminate();
      expect(await transport.closed).toMatchObject({ code: 1006, wasClean: false });
    });

    it('unsubscribes listeners; no error listener is fine', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      const seen: JsonValue[] = [];
      const off = transport.on('message', (m) => seen.push(m));
      off();
      off();
      peer.sendRaw('not json'); // nobody listens to `error`: must not throw anywhere
      const next = nextEvent(transport, 'message');
      peer.send({ a: 1n });
      await next;
      expect(seen).toEqual([]);
    });

    it('isolates a throwing listener: others still run, TRANSPORT_LISTENER_FAILED is reported', async () => {
      const { transport, peer } = await open();
      await transport.opened;
      transport.on('message', () => {
        throw new Error('boom');
      });
      const error = nextEvent(transport, 'error');
      const message = nextEvent(transport, 'message');
      peer.send({ a: 1n });
      expect(await message).toEqual({ a: 1n });
      const reported = await error;
      expect(reported.code).toBe('TRANSPORT_LISTENER_FAILED');
      expect((reported.cause as Error).message).toBe('boom');
    });

    it('closes when its AbortSignal aborts', async () => {
      const controller = new AbortController();
      const { transport } = await open({ signal: controller.signal });
      await transport.opened;
      controller.abort();
      expect(await transport.closed).toMatchObject({ code: 1000, reason: 'aborted' });
    });

    it('never opens when its AbortSignal is already aborted: opened rejects with TRANSPORT_ABORTED', async () => {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      const { transport } = await open({ signal: controller.signal });
      await expect(transport.opened).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
      await transport.closed;
      expect(transport.readyState).toBe('closed');
      expect(() => transport.send({})).toThrowError(expect.objectContaining({ code: 'TRANSPORT_NOT_OPEN' }));
    });

    it('ends an iterator on signal with TRANSPORT_ABORTED', async () => {
      const { transport } = await open();
      await transport.opened;
      const controller = new AbortController();
      const iterator = transport.messages({ signal: controller.signal });
      const pending = iterator.next();
      const second = iterator.next();
      controller.abort();
      await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_ABORTED' });
      expect(await second).toEqual({ value: undefined, done: true });
      expect(await iterator.next()).toEqual({ value: undefined, done: true });
    });
  });
}
