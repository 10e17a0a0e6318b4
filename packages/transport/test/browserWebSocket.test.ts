/**
 * The browser implementation of `#websocket` (global `WebSocket`), exercised in Node by
 * installing `ws`'s WHATWG-compatible class as the global: the contract suite runs over
 * it on loopback, including the synthesized close of `terminate()` (browsers cannot drop
 * a socket).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket as WsWebSocket } from 'ws';
import { webSocketTransport } from '../src/index.js';
import { describeTransport } from './describeTransport.js';
import { loopbackHarness } from './loopbackHarness.js';

vi.mock('#websocket', () => import('../src/websocket.browser.js'));

const globals = globalThis as { WebSocket?: unknown };
let previous: unknown;
beforeAll(() => {
  previous = globals.WebSocket;
  globals.WebSocket = WsWebSocket;
});
afterAll(() => {
  globals.WebSocket = previous;
});

describe('websocket.browser', () => {
  it('is the implementation in use here', async () => {
    const module = await import('#websocket');
    expect(module.websocketImplementation).toBe('global');
  });

  it('reports TRANSPORT_WEBSOCKET_UNAVAILABLE without a global WebSocket', () => {
    globals.WebSocket = undefined;
    try {
      expect(() => webSocketTransport('ws://127.0.0.1:1/channel')).toThrowError(
        expect.objectContaining({ code: 'TRANSPORT_WEBSOCKET_UNAVAILABLE' }),
      );
    } finally {
      globals.WebSocket = WsWebSocket;
    }
  });
});

describeTransport('global WebSocket (browser path) on loopback', loopbackHarness);
