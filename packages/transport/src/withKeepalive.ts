/**
 * Keepalive for a {@link Transport} (PROTOCOL.md §6.1, §7.6).
 *
 * Browsers cannot send WebSocket ping frames, so the client sends the JSON
 * `channels.system {action: "ping"}` instead; the node answers with a
 * `channels.system.pong` notification. Any incoming frame proves the link alive (a pong,
 * a notification, even a malformed frame). After `intervalMs` without incoming frames a
 * ping goes out, and again every `intervalMs`; when nothing at all arrives within
 * `timeoutMs` of the first unanswered ping the link is reported dead: an `error` event
 * `TRANSPORT_PONG_TIMEOUT`, then the link is terminated (close code 1006, reason
 * `pong timeout`, `wasClean: false`).
 *
 * Pongs answering the wrapper's own pings are swallowed (one per ping sent), so the
 * layer above sees exactly the traffic it caused. Timers are injectable.
 *
 * With {@link withReconnect}, wrap each socket inside the factory
 * (`withReconnect(() => withKeepalive(webSocketTransport(url)))`): a pong timeout then drops
 * that socket and the wrapper reconnects. Wrapped the other way round, the keepalive restarts
 * its timers on every `reconnected`, but a pong timeout terminates the whole reconnecting
 * transport.
 */
import type { JsonValue } from '@aechannel/codec';
import { createTransportCore } from './createTransportCore.js';
import { transportError } from './errors.js';
import type { Transport, TransportCloseEvent, TransportEvents } from './transport.js';

/** Options of {@link withKeepalive}. */
export interface KeepaliveOptions {
  /** Idle time before a ping, and time between pings (default 10 000 ms, as the JS SDK). */
  intervalMs?: number | undefined;
  /** How long to wait for any frame after a ping before the link counts as dead (default 15 000 ms). */
  timeoutMs?: number | undefined;
  /** The ping message (default `{"jsonrpc":"2.0","method":"channels.system","params":{"action":"ping"}}`). */
  ping?: JsonValue | undefined;
  /** Timer functions (injectable for tests). */
  setTimeout?: ((callback: () => void, ms: number) => unknown) | undefined;
  clearTimeout?: ((handle: unknown) => void) | undefined;
}

/** What {@link withKeepalive} returns. */
export type WithKeepaliveReturnType<E extends TransportEvents> = Transport<E>;

/** Errors {@link withKeepalive} throws or reports (besides those of the inner transport). */
export type WithKeepaliveErrorType = 'TRANSPORT_INVALID_OPTIONS' | 'TRANSPORT_PONG_TIMEOUT';

const DEFAULT_PING: JsonValue = { jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } };

/** §7.6: the notification answering a ping sent without id. */
function isPong(message: JsonValue): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    !Array.isArray(message) &&
    message['method'] === 'channels.system.pong'
  );
}

function checkMs(option: string, value: number): void {
  if (!(value > 0 && Number.isFinite(value))) {
    throw transportError('TRANSPORT_INVALID_OPTIONS', `${option} must be a positive number of milliseconds.`, {
      context: { option, value },
    });
  }
}

/**
 * Adds JSON keepalive pings and dead-link detection to a transport. Wrap right after
 * creating the inner transport; the wrapper forwards every event (and any extra events
 * of the inner one) and owns it (closing the wrapper closes the inner transport).
 *
 * @param transport - the transport to watch
 * @param options - interval, timeout, ping message, timers
 * @returns a transport with the same events
 * @throws {AechannelError} `TRANSPORT_INVALID_OPTIONS` for non-positive times.
 *   Reports `TRANSPORT_PONG_TIMEOUT` as an `error` event before terminating the link.
 * @example
 * const transport = withKeepalive(webSocketTransport(url), { intervalMs: 10_000, timeoutMs: 15_000 });
 */
export function withKeepalive<E extends TransportEvents>(transport: Transport<E>, options: KeepaliveOptions = {}): Transport<E> {
  const intervalMs = options.intervalMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  checkMs('intervalMs', intervalMs);
  checkMs('timeoutMs', timeoutMs);
  const ping = options.ping ?? DEFAULT_PING;
  const setTimer = options.setTimeout ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimeout ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));

  let idleTimer: unknown;
  let deadTimer: unknown;
  let unansweredPings = 0;
  let dead = false;

  const core = createTransportCore<E>({
    send: (message) => transport.send(message),
    close: (code, reason) => transport.close(code, reason),
    terminate: () => transport.terminate(),
  });

  function stop(): void {
    if (idleTimer !== undefined) clearTimer(idleTimer);
    if (deadTimer !== undefined) clearTimer(deadTimer);
    idleTimer = undefined;
    deadTimer = undefined;
  }

  /** Any frame: the link is alive. Re-arm the idle timer, disarm the dead timer. */
  function alive(): void {
    if (dead || core.state === 'closed') return;
    if (deadTimer !== undefined) clearTimer(deadTimer);
    deadTimer = undefined;
    if (idleTimer !== undefined) clearTimer(idleTimer);
    idleTimer = setTimer(onIdle, intervalMs);
  }

  function onIdle(): void {
    idleTimer = undefined;
    if (transport.readyState !== 'open') return;
    try {
      transport.send(ping);
      unansweredPings += 1;
    } catch {
      return; // closing: the close event will stop us
    }
    if (deadTimer === undefined) deadTimer = setTimer(onDead, timeoutMs);
    idleTimer = setTimer(onIdle, intervalMs);
  }

  function onDead(): void {
    deadTimer = undefined;
    stop();
    dead = true;
    core.error(
      transportError('TRANSPORT_PONG_TIMEOUT', `No frame arrived within ${timeoutMs} ms of a keepalive ping.`, {
        context: { timeoutMs, intervalMs },
      }),
    );
    transport.terminate();
  }

  const forward = transport as unknown as Transport<TransportEvents & Record<string, unknown>>;
  forward.on('open', () => {
    core.open();
    alive();
  });
  forward.on('message', (message: JsonValue) => {
    alive();
    if (unansweredPings > 0 && isPong(message)) {
      unansweredPings -= 1;
      return;
    }
    core.message(message);
  });
  forward.on('error', (error) => {
    // A frame that failed to parse still proves the peer is there.
    if (error.code === 'TRANSPORT_INVALID_JSON' || error.code === 'TRANSPORT_FRAME_TOO_LARGE') alive();
    core.error(error);
  });
  forward.on('close', (event: TransportCloseEvent) => {
    stop();
    core.closed(dead ? { ...event, reason: event.reason || 'pong timeout' } : event);
  });
  // Extra events of a reconnecting inner transport pass through unchanged. Its socket
  // changes under us: pings of the lost socket will never be answered, so their timers go
  // with it, and the new socket starts a fresh idle period (without this, a stale dead
  // timer killed the new link early, and an idle timer that fired while reconnecting was
  // never re-armed, so a silent node after a reconnect went unnoticed).
  forward.on('reconnecting', (payload: unknown) => {
    stop();
    unansweredPings = 0;
    core.emit('reconnecting' as keyof E, payload as E[keyof E]);
  });
  forward.on('reconnected', (payload: unknown) => {
    alive();
    core.emit('reconnected' as keyof E, payload as E[keyof E]);
  });
  if (transport.readyState === 'open') {
    core.open();
    alive();
  } else if (transport.readyState === 'closed') {
    void transport.closed.then((event) => core.closed(event));
  }
  return core.transport;
}
