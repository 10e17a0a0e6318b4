/**
 * The WebSocket implementation under the `default` condition of the private `#websocket`
 * import (package.json `imports`): the platform's global `WebSocket` (browsers, Deno, Bun,
 * Node >= 22). It imports nothing, so browser bundles never see `ws`.
 */
import { transportError } from './errors.js';
import type { WebSocketLike, WebSocketOpenOptions } from './websocketLike.js';

/** Which implementation this build uses. */
export const websocketImplementation = 'global' as const;

/**
 * Opens a socket with `globalThis.WebSocket`. Headers and payload limits cannot be set
 * there; the transport still refuses frames above its own `maxFrameBytes` (after reading them).
 * @throws {AechannelError} `TRANSPORT_WEBSOCKET_UNAVAILABLE` when the runtime has no WebSocket
 */
export function openWebSocket(url: string, options: WebSocketOpenOptions): WebSocketLike {
  const Impl = (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => WebSocketLike }).WebSocket;
  if (Impl === undefined) {
    throw transportError('TRANSPORT_WEBSOCKET_UNAVAILABLE', 'This runtime has no global WebSocket.');
  }
  const socket = new Impl(url, options.protocols ?? []);
  socket.binaryType = 'arraybuffer';
  return socket;
}

/**
 * A browser socket cannot be dropped without a handshake: start a normal close and tell
 * the caller to report the abnormal close itself.
 */
export function terminateWebSocket(socket: WebSocketLike): boolean {
  try {
    socket.close();
  } catch {
    // Already closing.
  }
  return false;
}
