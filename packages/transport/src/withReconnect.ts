/**
 * A reconnecting {@link Transport}: when the link is lost, open a new one from a factory,
 * with exponential backoff, jitter and a bound on consecutive failed attempts.
 *
 * The wrapper reconnects the socket only. What to send after a reconnect (e.g. a
 * reconnect URL with `existing_fsm_id`, §6.3, or nothing) is the caller's decision: the
 * factory gets the attempt number and builds whatever transport it wants, and the
 * `reconnected` event tells the layer above that a fresh socket is up.
 *
 * Events: `open` once (the first socket), `reconnecting` each time a socket is lost or an
 * attempt fails (with the delay before the next attempt), `reconnected` when a new socket
 * opens, `close` once at the very end (a local `close`, an abort, a close the policy does
 * not retry, or giving up after `TRANSPORT_RECONNECT_FAILED`). While reconnecting,
 * `readyState` is `connecting` and `send` throws `TRANSPORT_NOT_OPEN`.
 *
 * Delay before attempt n (1-based): `min(maxDelayMs, baseDelayMs * 2^(n-1))`, reduced by
 * up to `jitter` of itself: `delay * (1 - jitter * random())`. `random` is injectable.
 */
import { isAechannelError, type JsonValue } from '@aechannel/codec';
import { createTransportCore } from './createTransportCore.js';
import { transportError, type TransportError } from './errors.js';
import type { Transport, TransportCloseEvent, TransportEvents } from './transport.js';

/** The `reconnecting` event. */
export interface ReconnectingEvent {
  /** The attempt about to be made (1-based, counts consecutive failures). */
  attempt: number;
  /** Delay before it, in ms. */
  delayMs: number;
  /** How the previous socket closed. */
  close: TransportCloseEvent;
}

/** The `reconnected` event. */
export interface ReconnectedEvent {
  /** The attempt that succeeded. */
  attempt: number;
}

/** Events of a {@link ReconnectingTransport}. */
export interface ReconnectingTransportEvents extends TransportEvents {
  reconnecting: ReconnectingEvent;
  reconnected: ReconnectedEvent;
}

/** A transport that reconnects. */
export interface ReconnectingTransport extends Transport<ReconnectingTransportEvents> {
  /** The socket in use, if any. */
  readonly current: Transport | undefined;
}

/** What the factory receives. */
export interface ReconnectContext {
  /** 0 for the first connection, then the attempt number. */
  attempt: number;
  /** Aborted when the reconnecting transport closes. */
  signal: AbortSignal;
}

/** Options of {@link withReconnect}. */
export interface ReconnectOptions {
  /** Consecutive failed attempts before giving up (default 5). */
  attempts?: number | undefined;
  /** Delay before the first retry (default 500 ms). */
  baseDelayMs?: number | undefined;
  /** Largest delay (default 30 000 ms). */
  maxDelayMs?: number | undefined;
  /** Fraction of the delay randomly taken off, 0..1 (default 0.5; 1 = "full jitter"). */
  jitter?: number | undefined;
  /** Aborting closes the transport and stops reconnecting. */
  signal?: AbortSignal | undefined;
  /** Random source in [0, 1) (default `Math.random`). */
  random?: (() => number) | undefined;
  /**
   * Whether to reconnect after this close. Default: every close that was not requested
   * locally, except a clean close with code 1000 (the node ended the session on purpose).
   * If it (or `random`) throws, the transport gives up: `TRANSPORT_RECONNECT_FAILED` with the
   * exception as `cause`, then `close`.
   */
  shouldReconnect?: ((event: TransportCloseEvent) => boolean) | undefined;
  /** Timer functions (injectable for tests). */
  setTimeout?: ((callback: () => void, ms: number) => unknown) | undefined;
  clearTimeout?: ((handle: unknown) => void) | undefined;
}

/** What {@link withReconnect} returns. */
export type WithReconnectReturnType = ReconnectingTransport;

/** Errors {@link withReconnect} throws or reports (besides those of the inner transports). */
export type WithReconnectErrorType = 'TRANSPORT_INVALID_OPTIONS' | 'TRANSPORT_CONNECT_FAILED' | 'TRANSPORT_RECONNECT_FAILED';

function check(option: string, value: number, ok: boolean): void {
  if (!ok) {
    throw transportError('TRANSPORT_INVALID_OPTIONS', `Invalid reconnect option ${option}: ${value}.`, {
      context: { option, value },
    });
  }
}

/**
 * Creates a transport that reopens its link through `factory` when it is lost.
 *
 * @param factory - builds one underlying transport (called at once for attempt 0)
 * @param options - attempts, backoff, jitter, random source, abort signal, timers
 * @returns the reconnecting transport
 * @throws {AechannelError} `TRANSPORT_INVALID_OPTIONS` for out-of-range options; whatever the
 *   factory throws on its first call (later throws count as failed attempts and are reported
 *   as `error` events).
 *   Reports `TRANSPORT_RECONNECT_FAILED` (an `error` event, context `{ attempts, lastClose }`)
 *   before the final `close` when it gives up; `opened` then rejects with `TRANSPORT_CONNECT_FAILED`
 *   if no socket ever opened.
 * @example
 * const transport = withReconnect(
 *   ({ attempt }) => withKeepalive(webSocketTransport(attempt === 0 ? openUrl : reconnectUrl())),
 *   { attempts: 5, baseDelayMs: 500, maxDelayMs: 10_000, jitter: 0.5 },
 * );
 * transport.on('reconnected', () => console.log('socket is back'));
 */
export function withReconnect(
  factory: (context: ReconnectContext) => Transport,
  options: ReconnectOptions = {},
): ReconnectingTransport {
  const attempts = options.attempts ?? 5;
  const baseDelayMs = options.baseDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const jitter = options.jitter ?? 0.5;
  check('attempts', attempts, Number.isSafeInteger(attempts) && attempts >= 0);
  check('baseDelayMs', baseDelayMs, baseDelayMs >= 0 && Number.isFinite(baseDelayMs));
  check('maxDelayMs', maxDelayMs, maxDelayMs >= baseDelayMs && Number.isFinite(maxDelayMs));
  check('jitter', jitter, jitter >= 0 && jitter <= 1);
  const random = options.random ?? Math.random;
  const shouldReconnect = options.shouldReconnect ?? ((event) => !(event.wasClean && event.code === 1000));
  const setTimer = options.setTimeout ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimeout ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));

  const lifetime = new AbortController();
  let current: Transport | undefined;
  let detach: (() => void)[] = [];
  let failures = 0;
  let everOpened = false;
  let stopping: TransportCloseEvent | undefined;
  let timer: unknown;

  const core = createTransportCore<ReconnectingTransportEvents, { readonly current: Transport | undefined }>(
    {
      send(message: JsonValue) {
        if (current === undefined) throw transportError('TRANSPORT_NOT_OPEN', 'Reconnecting.', { context: { readyState: 'connecting' } });
        current.send(message);
      },
      close(code, reason) {
        stop({ code, reason, wasClean: true }, (t) => t.close(code, reason));
      },
      terminate() {
        stop({ code: 1006, reason: '', wasClean: false }, (t) => t.terminate());
      },
    },
    {
      signal: options.signal,
      extra: {
        get current() {
          return current;
        },
      },
    },
  );

  /** Ends everything: no more attempts; the current socket (if any) closes and its close event is ours. */
  function stop(event: TransportCloseEvent, closeCurrent: (transport: Transport) => void): void {
    if (stopping !== undefined) return;
    stopping = event;
    if (timer !== undefined) clearTimer(timer);
    timer = undefined;
    lifetime.abort(core.aborted ? options.signal?.reason : undefined);
    if (current !== undefined) closeCurrent(current);
    else queueMicrotask(() => finish(event));
  }

  function finish(event: TransportCloseEvent): void {
    for (const off of detach) off();
    detach = [];
    current = undefined;
    lifetime.abort();
    core.closed(event);
  }

  function delayFor(attempt: number): number {
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    return Math.round(exponential * (1 - jitter * random()));
  }

  function lost(event: TransportCloseEvent): void {
    for (const off of detach) off();
    detach = [];
    current = undefined;
    if (stopping !== undefined) return finish(event);
    // The policy and the random source are user code: if either throws, the policy gave
    // up (reported, then closed) instead of leaving the transport open with no socket.
    let delayMs: number;
    try {
      if (!shouldReconnect(event)) return finish(event);
      failures += 1;
      if (failures > attempts) {
        const error: TransportError = transportError(
          'TRANSPORT_RECONNECT_FAILED',
          `Gave up after ${attempts} reconnect attempt${attempts === 1 ? '' : 's'}.`,
          { context: { attempts, lastClose: event } },
        );
        core.error(error);
        return finish(event);
      }
      delayMs = delayFor(failures);
    } catch (cause) {
      core.error(
        transportError('TRANSPORT_RECONNECT_FAILED', 'The reconnect policy (shouldReconnect or random) threw.', {
          cause,
          context: { attempts: failures, lastClose: event },
        }),
      );
      return finish(event);
    }
    core.setState('connecting');
    core.emit('reconnecting', { attempt: failures, delayMs, close: event });
    if (stopping !== undefined) return; // a listener closed us
    timer = setTimer(() => {
      timer = undefined;
      connect(failures);
    }, delayMs);
  }

  function connect(attempt: number): void {
    if (stopping !== undefined) return;
    let transport: Transport;
    try {
      transport = factory({ attempt, signal: lifetime.signal });
    } catch (cause) {
      // The first call runs inside withReconnect: a factory that cannot even build a
      // transport (bad URL, bad options) is the caller's bug, so it throws there.
      if (attempt === 0) {
        // Nobody will ever see this transport: abort what the factory may have started and
        // drop the core's listener on the caller's AbortSignal before throwing.
        lifetime.abort(cause);
        core.closed({ code: 1006, reason: 'factory failed', wasClean: false });
        throw cause;
      }
      core.error(
        isAechannelError(cause)
          ? (cause as TransportError)
          : transportError('TRANSPORT_CONNECT_FAILED', 'The transport factory threw.', { cause }),
      );
      queueMicrotask(() => lost({ code: 1006, reason: 'factory failed', wasClean: false }));
      return;
    }
    current = transport;
    const onOpen = (): void => {
      const succeeded = failures;
      failures = 0;
      if (!everOpened) {
        everOpened = true;
        core.open();
      } else {
        core.setState('open');
        core.emit('reconnected', { attempt: succeeded });
      }
    };
    detach = [
      transport.on('open', onOpen),
      transport.on('message', (message) => core.message(message)),
      transport.on('error', (error) => core.error(error)),
      transport.on('close', (event) => lost(event)),
    ];
    // A factory may hand back a transport that is already open or already closed.
    if (transport.readyState === 'open') onOpen();
    else if (transport.readyState === 'closed') void transport.closed.then(lost);
  }

  connect(0);
  return core.transport;
}
