/**
 * A {@link Transport} over a WebSocket: the channel endpoint of PROTOCOL.md §6.1 (text
 * frames, one JSON value per frame, bigint-safe JSON per §1.3).
 *
 * The socket class comes from the private `#websocket` import, which package conditions
 * resolve to `ws` under `node` and to `globalThis.WebSocket` everywhere else.
 */
import { openWebSocket, terminateWebSocket } from '#websocket';
import { createTransportCore, encodeFrame } from './createTransportCore.js';
import { transportError } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, type Transport } from './transport.js';
import type { WebSocketLike, WebSocketLikeEvent } from './websocketLike.js';

/** Options of {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /** Aborting closes the socket (code 1000, reason `aborted`); before open, `opened` rejects with `TRANSPORT_ABORTED`. */
  signal?: AbortSignal | undefined;
  /**
   * Largest incoming frame in bytes (default 4 MiB, {@link DEFAULT_MAX_FRAME_BYTES}). A
   * larger frame is refused: a `TRANSPORT_FRAME_TOO_LARGE` error event, then the link
   * closes with 1009. In Node this is `ws`'s `maxPayload`, so the frame is refused at its
   * header and never read; a browser socket has no such limit, so there the frame is read
   * first.
   */
  maxFrameBytes?: number | undefined;
  /** WebSocket subprotocols. */
  protocols?: string[] | undefined;
  /** Node only: extra HTTP headers of the upgrade request. */
  headers?: Record<string, string> | undefined;
}

/** What {@link webSocketTransport} returns. */
export type WebSocketTransportReturnType = Transport;

/** Errors {@link webSocketTransport} throws or reports. */
export type WebSocketTransportErrorType =
  | 'TRANSPORT_INVALID_URL'
  | 'TRANSPORT_INVALID_OPTIONS'
  | 'TRANSPORT_WEBSOCKET_UNAVAILABLE'
  | 'TRANSPORT_CONNECT_FAILED'
  | 'TRANSPORT_SOCKET_ERROR'
  | 'TRANSPORT_INVALID_JSON'
  | 'TRANSPORT_FRAME_TOO_LARGE'
  | 'TRANSPORT_ABORTED';

/**
 * Opens a WebSocket and wraps it as a {@link Transport}. Connecting starts at once; await
 * `transport.opened` (or listen to `open`) before sending.
 *
 * @param url - the channel URL, e.g. from {@link buildChannelUrl}
 * @param options - abort signal, frame limit, subprotocols, headers (Node)
 * @returns the transport
 * @throws {AechannelError} `TRANSPORT_INVALID_URL` when the URL is not `ws:`/`wss:`;
 *   `TRANSPORT_INVALID_OPTIONS` for a bad `maxFrameBytes`;
 *   `TRANSPORT_WEBSOCKET_UNAVAILABLE` in a runtime without WebSocket.
 *   Reports (as `error` events) `TRANSPORT_SOCKET_ERROR`, `TRANSPORT_INVALID_JSON`,
 *   `TRANSPORT_FRAME_TOO_LARGE`; `opened` rejects with `TRANSPORT_CONNECT_FAILED` or `TRANSPORT_ABORTED`.
 * @example
 * const transport = webSocketTransport('ws://localhost:3014/channel?...');
 * transport.on('message', (message) => console.log(message));
 * await transport.opened;
 * transport.send({ jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } });
 */
export function webSocketTransport(url: string | URL, options: WebSocketTransportOptions = {}): Transport {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes <= 0) {
    throw transportError('TRANSPORT_INVALID_OPTIONS', 'maxFrameBytes must be a positive integer.', {
      context: { option: 'maxFrameBytes', value: maxFrameBytes },
    });
  }
  const href = String(url);
  if (!/^wss?:\/\//i.test(href)) {
    throw transportError('TRANSPORT_INVALID_URL', 'A WebSocket URL must start with ws:// or wss://.', {
      context: { url: href },
    });
  }

  let socket: WebSocketLike | undefined;
  let terminated = false;
  const core = createTransportCore(
    {
      send(message) {
        socket?.send(encodeFrame(message));
      },
      close(code, reason) {
        if (socket === undefined) return;
        try {
          socket.close(code, reason);
        } catch {
          // Browsers accept only 1000 and 3000-4999 from a client.
          socket.close(1000, reason);
        }
      },
      terminate() {
        if (socket === undefined || terminated) return;
        terminated = true;
        // `ws` reports close 1006 itself; a browser socket cannot, so we do.
        if (!terminateWebSocket(socket)) core.closed({ code: 1006, reason: '', wasClean: false });
      },
    },
    { signal: options.signal },
  );

  try {
    socket = openWebSocket(href, {
      protocols: options.protocols,
      headers: options.headers,
      maxPayload: maxFrameBytes,
    });
  } catch (cause) {
    // Nobody will ever see this transport: release what the core holds (its listener on
    // the caller's AbortSignal) before throwing.
    core.closed({ code: 1006, reason: '', wasClean: false });
    if ((cause as { code?: unknown }).code === 'TRANSPORT_WEBSOCKET_UNAVAILABLE') throw cause;
    throw transportError('TRANSPORT_INVALID_URL', 'The WebSocket URL was rejected.', { cause, context: { url: href } });
  }

  socket.addEventListener('open', () => core.open());
  socket.addEventListener('message', (event: WebSocketLikeEvent) => core.frame(event.data, maxFrameBytes));
  socket.addEventListener('error', (event: WebSocketLikeEvent) => {
    const cause = event.error ?? event.message;
    if ((cause as { code?: unknown } | undefined)?.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // `ws` refused a frame over maxPayload at its header and is closing with 1009.
      core.frameTooLarge(undefined, maxFrameBytes);
      return;
    }
    const before = core.state === 'connecting';
    core.error(
      transportError(before ? 'TRANSPORT_CONNECT_FAILED' : 'TRANSPORT_SOCKET_ERROR', before ? 'Could not connect.' : 'The socket failed.', {
        cause,
        details: cause instanceof Error ? cause.message : typeof cause === 'string' ? cause : undefined,
        context: { url: href },
      }),
    );
  });
  socket.addEventListener('close', (event: WebSocketLikeEvent) =>
    core.closed({ code: event.code ?? 1006, reason: event.reason ?? '', wasClean: event.wasClean ?? false }),
  );
  return core.transport;
}
