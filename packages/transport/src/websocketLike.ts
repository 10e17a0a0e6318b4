/**
 * The part of the WHATWG `WebSocket` API the transport uses. Both `ws` (Node) and the
 * browser's `WebSocket` implement it.
 */

/** A socket event as both implementations deliver it. */
export interface WebSocketLikeEvent {
  /** `message` events: a string for text frames, an ArrayBuffer for binary ones. */
  data?: unknown;
  /** `close` events. */
  code?: number;
  reason?: string;
  wasClean?: boolean;
  /** `error` events: `ws` puts the cause here, browsers give nothing useful. */
  error?: unknown;
  message?: string;
}

/** The WHATWG WebSocket surface the transport relies on. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketLikeEvent) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketLikeEvent) => void): void;
}

/** Options for opening a socket through `#websocket`. */
export interface WebSocketOpenOptions {
  protocols?: string[] | undefined;
  /** Node only: HTTP headers of the upgrade request. */
  headers?: Record<string, string> | undefined;
  /** Node only: the payload size above which `ws` itself closes the socket (1009). */
  maxPayload: number;
}
