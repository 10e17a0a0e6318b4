/** Small helpers shared by the transport tests. */
import { parseJson, type JsonValue } from '@aechannel/codec';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { Transport, TransportEvents } from '../src/index.js';

/** Resolves with the next payload of `event`. */
export function nextEvent<E extends TransportEvents, K extends keyof E>(transport: Transport<E>, event: K): Promise<E[K]> {
  return new Promise((resolve) => {
    const off = transport.on(event, (payload) => {
      off();
      resolve(payload);
    });
  });
}

/** Collects every payload of `event`. */
export function collect<E extends TransportEvents, K extends keyof E>(transport: Transport<E>, event: K): E[K][] {
  const items: E[K][] = [];
  transport.on(event, (payload) => items.push(payload));
  return items;
}

/** A queue of parsed messages a server-side socket received. */
export class Inbox {
  private readonly items: JsonValue[] = [];
  private readonly waiters: ((value: JsonValue) => void)[] = [];

  push(value: JsonValue): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(value);
    else this.items.push(value);
  }

  next(): Promise<JsonValue> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** A `ws` server on 127.0.0.1, random port, that hands out each accepted socket. */
export interface LoopbackServer {
  url: string;
  server: WebSocketServer;
  /** Resolves with the next accepted socket and an inbox of its parsed messages. */
  accept(): Promise<{ socket: ServerSocket; inbox: Inbox; url: string }>;
  close(): Promise<void>;
}

export async function startServer(): Promise<LoopbackServer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const accepted: { socket: ServerSocket; inbox: Inbox; url: string }[] = [];
  const waiters: ((c: { socket: ServerSocket; inbox: Inbox; url: string }) => void)[] = [];
  server.on('connection', (socket, request) => {
    const inbox = new Inbox();
    socket.on('message', (data, isBinary) => {
      if (!isBinary) inbox.push(parseJson(data.toString()));
    });
    const connection = { socket, inbox, url: request.url ?? '' };
    const waiter = waiters.shift();
    if (waiter) waiter(connection);
    else accepted.push(connection);
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    server,
    accept() {
      const c = accepted.shift();
      if (c) return Promise.resolve(c);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close() {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Lets pending microtasks and immediate I/O callbacks run. */
export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Deterministic timers to inject as `setTimeout`/`clearTimeout`. */
export function fakeTimers() {
  let now = 0;
  let nextHandle = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout: (callback: () => void, ms: number): unknown => {
      const handle = nextHandle++;
      timers.set(handle, { at: now + ms, callback });
      return handle;
    },
    clearTimeout: (handle: unknown): void => {
      timers.delete(handle as number);
    },
    /** Moves time forward, firing due timers in order (each one after pending microtasks). */
    async advance(ms: number): Promise<void> {
      const end = now + ms;
      for (;;) {
        await new Promise((resolve) => setImmediate(resolve));
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= end && (due === undefined || entry[1].at < due[1].at)) due = entry;
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = end;
      await new Promise((resolve) => setImmediate(resolve));
    },
    get pending(): number {
      return timers.size;
    },
    get now(): number {
      return now;
    },
  };
}
