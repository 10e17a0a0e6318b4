/**
 * The WebSocket implementation under the `node` condition of the private `#websocket`
 * import (package.json `imports`): the `ws` package. Browsers resolve `#websocket` to
 * `websocket.browser.ts` instead, so `ws` never reaches a browser bundle.
 */
import { WebSocket } from 'ws';
import type { WebSocketLike, WebSocketOpenOptions } from './websocketLike.js';

export { WebSocket };

/** Which implementation this build uses. */
export const websocketImplementation = 'ws' as const;

/**
 * Opens a socket with `ws`.
 * @param url - `ws://` or `wss://` URL
 * @param options - subprotocols, headers, and the hard payload limit `ws` enforces itself
 * @returns the socket, in the WHATWG shape both implementations share
 */
export function openWebSocket(url: string, options: WebSocketOpenOptions): WebSocketLike {
  const socket = new WebSocket(url, options.protocols ?? [], {
    maxPayload: options.maxPayload,
    perMessageDeflate: false,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  });
  socket.binaryType = 'arraybuffer';
  return socket as unknown as WebSocketLike;
}

/** Drops the TCP connection at once; `ws` then emits `close` with code 1006. */
export function terminateWebSocket(socket: WebSocketLike): boolean {
  (socket as unknown as WebSocket).terminate();
  return true;
}
