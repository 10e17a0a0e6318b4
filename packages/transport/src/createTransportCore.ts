/**
 * The machinery every transport shares: listener sets, the ready-state machine, the
 * `opened`/`closed` promises, async iterators, AbortSignal wiring and frame decoding.
 *
 * A concrete transport (WebSocket, memory, replay, a wrapper) supplies three hooks
 * (`send`, `close`, `terminate`) and reports what happened to its link through the core
 * (`open()`, `frame()`/`message()`, `error()`, `closed()`). The core enforces the
 * contract of `transport.ts`: events in order, `open` at most once, `close` exactly once,
 * `send` only while open, nothing thrown out of an event, listeners isolated from each
 * other.
 */
import { parseJson, stringifyJson, type JsonValue } from '@aechannel/codec';
import { abortedError, transportError, type TransportError } from './errors.js';
import type {
  Transport,
  TransportCloseEvent,
  TransportEvents,
  TransportListener,
  TransportMessagesOptions,
  TransportReadyState,
} from './transport.js';

/** What a concrete transport does when the core asks. */
export interface TransportCoreHooks {
  /** Writes one value; called only while open. May throw a {@link TransportError}. */
  send(message: JsonValue): void;
  /** Starts the closing handshake; called at most once, from `connecting` or `open`. */
  close(code: number, reason: string): void;
  /** Drops the link at once; the implementation must then report `closed(...)`. */
  terminate(): void;
}

/** The controller side of a transport, held by its implementation. */
export interface TransportCore<E extends TransportEvents, X extends object = object> {
  /** The public object. */
  readonly transport: Transport<E> & X;
  /** Current state. */
  readonly state: TransportReadyState;
  /** True once the signal given at creation aborted. */
  readonly aborted: boolean;
  /** Reports the link open (emits `open` the first time only). */
  open(): void;
  /** Moves between `connecting` and `open` without events (used by reconnecting wrappers). */
  setState(state: 'connecting' | 'open'): void;
  /**
   * Decodes one incoming text/binary frame and emits `message`, or an `error` event. A
   * frame over `maxFrameBytes` is refused: `TRANSPORT_FRAME_TOO_LARGE`, then the link is
   * closed with 1009 and later frames are dropped.
   */
  frame(data: unknown, maxFrameBytes: number): void;
  /**
   * Reports a frame the implementation refused as too large (`size` unknown when it
   * stopped at the header) and closes the link with 1009, as `frame` does.
   */
  frameTooLarge(size: number | undefined, limit: number): void;
  /** Emits `message` with an already-parsed value. */
  message(value: JsonValue): void;
  /** Emits `error`. */
  error(error: TransportError): void;
  /** Emits any event of the map (for wrappers with extra events). */
  emit<K extends keyof E>(event: K, payload: E[K]): void;
  /** Reports the link closed: resolves/rejects the promises, emits `close`, ends iterators. Idempotent. */
  closed(event: TransportCloseEvent): void;
}

/** Options of {@link createTransportCore}. */
export interface TransportCoreOptions<X extends object> {
  /** Aborting closes the transport (code 1000, reason `aborted`). */
  signal?: AbortSignal | undefined;
  /** Extra properties (getters are kept) copied onto the public object. */
  extra?: X;
}

interface IteratorSink {
  push(value: JsonValue): void;
  end(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Close codes a peer may send (RFC 6455 §7.4): 1000-1003, 1007-1014, 3000-4999. */
export function isValidCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
  );
}

/** Writes a value as JSON text for the wire. */
export function encodeFrame(message: JsonValue): string {
  try {
    return stringifyJson(message);
  } catch (cause) {
    throw transportError('TRANSPORT_INVALID_MESSAGE', 'The message cannot be written as JSON.', { cause });
  }
}

/** UTF-8 size of `text`, computed only when the length alone cannot decide against `limit`. */
function exceedsLimit(text: string, limit: number): { size: number; exceeds: boolean } {
  // A UTF-16 code unit is 1 to 3 UTF-8 bytes, so the length brackets the byte size.
  if (text.length > limit) return { size: text.length, exceeds: true };
  if (text.length * 3 <= limit) return { size: text.length, exceeds: false };
  const size = encoder.encode(text).byteLength;
  return { size, exceeds: size > limit };
}

/**
 * Creates the shared state of one transport.
 * @param hooks - what the concrete transport does on send/close/terminate
 * @param options - abort signal and extra public properties
 * @returns the controller; `core.transport` is the public object
 */
export function createTransportCore<E extends TransportEvents = TransportEvents, X extends object = object>(
  hooks: TransportCoreHooks,
  options: TransportCoreOptions<X> = {},
): TransportCore<E, X> {
  let state: TransportReadyState = 'connecting';
  let wasOpened = false;
  /** Set once a frame was refused as too large: nothing more is delivered. */
  let refusing = false;
  let aborted = false;
  const listeners = new Map<keyof E, Set<(payload: never) => void>>();
  const sinks = new Set<IteratorSink>();

  let resolveOpened!: () => void;
  let rejectOpened!: (error: unknown) => void;
  const opened = new Promise<void>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  // Rejection is part of the API, but must not count as unhandled when nobody awaits it.
  opened.catch(() => {});
  let resolveClosed!: (event: TransportCloseEvent) => void;
  const closedPromise = new Promise<TransportCloseEvent>((resolve) => {
    resolveClosed = resolve;
  });

  const { signal } = options;
  const onAbort = (): void => {
    aborted = true;
    transport.close(1000, 'aborted');
  };

  function emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = listeners.get(event);
    if (set === undefined || set.size === 0) return;
    for (const listener of Array.from(set)) {
      if (!set.has(listener)) continue; // removed by an earlier listener of this event
      try {
        (listener as (payload: E[K]) => void)(payload);
      } catch (cause) {
        if (event === 'error') {
          // A failing error listener has nowhere left to report to: surface it like an
          // uncaught exception, outside our call stack, so delivery continues.
          queueMicrotask(() => {
            throw cause;
          });
        } else {
          emit(
            'error',
            transportError('TRANSPORT_LISTENER_FAILED', `A "${String(event)}" listener threw.`, {
              cause,
              context: { event: String(event) },
            }) as E['error'],
          );
        }
      }
    }
  }

  function message(value: JsonValue): void {
    if (state === 'closed') return;
    for (const sink of sinks) sink.push(value);
    emit('message', value as E['message']);
  }

  function error(err: TransportError): void {
    if (state === 'closed') return;
    emit('error', err as E['error']);
  }

  function frame(data: unknown, maxFrameBytes: number): void {
    if (refusing) return;
    let text: string;
    if (typeof data === 'string') {
      const { size, exceeds } = exceedsLimit(data, maxFrameBytes);
      if (exceeds) return frameTooLarge(size, maxFrameBytes);
      text = data;
    } else {
      // Binary frames are not used by the node (§6.1: text frames); read them as UTF-8.
      const bytes =
        data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : undefined;
      if (bytes === undefined) {
        return error(
          transportError('TRANSPORT_INVALID_JSON', 'Received a frame of an unknown type.', {
            context: { type: typeof data },
          }),
        );
      }
      if (bytes.byteLength > maxFrameBytes) return frameTooLarge(bytes.byteLength, maxFrameBytes);
      try {
        text = decoder.decode(bytes);
      } catch (cause) {
        return error(
          transportError('TRANSPORT_INVALID_JSON', 'Received a binary frame that is not UTF-8.', {
            cause,
            context: { length: bytes.byteLength },
          }),
        );
      }
    }
    let value: JsonValue;
    try {
      value = parseJson(text);
    } catch (cause) {
      return error(
        transportError('TRANSPORT_INVALID_JSON', 'Received a frame that is not JSON.', {
          cause,
          context: { length: text.length, preview: text.slice(0, 80) },
        }),
      );
    }
    message(value);
  }

  function frameTooLarge(size: number | undefined, limit: number): void {
    if (refusing) return;
    refusing = true;
    error(
      transportError(
        'TRANSPORT_FRAME_TOO_LARGE',
        `Refused an incoming frame of ${size === undefined ? 'more than ' : ''}${size ?? limit} bytes (limit ${limit}); closing with 1009.`,
        { context: { size, limit } },
      ),
    );
    // RFC 6455 §7.4.1: 1009, the message is too big to process. What the peer said is lost,
    // so the link cannot go on as if nothing happened.
    if (state === 'connecting' || state === 'open') {
      state = 'closing';
      hooks.close(1009, 'frame too large');
    }
  }

  function closed(reported: TransportCloseEvent): void {
    if (state === 'closed') return;
    // `ws` stops reading at a refused frame, so it never sees the peer's answer to its 1009
    // and reports 1006; the close was still ours, for that reason.
    const event = refusing && reported.code === 1006 ? { code: 1009, reason: 'frame too large', wasClean: false } : reported;
    state = 'closed';
    signal?.removeEventListener('abort', onAbort);
    if (!wasOpened) {
      rejectOpened(
        aborted && signal !== undefined
          ? abortedError(signal, 'Connecting')
          : transportError('TRANSPORT_CONNECT_FAILED', 'The link closed before it opened.', {
              context: { ...event },
            }),
      );
    }
    for (const sink of sinks) sink.end();
    sinks.clear();
    resolveClosed(event);
    emit('close', event as E['close']);
    listeners.clear();
  }

  function messages(iterOptions: TransportMessagesOptions = {}): AsyncIterableIterator<JsonValue> {
    const buffer: JsonValue[] = [];
    let ended = state === 'closed';
    let failure: { error: unknown } | undefined;
    // Every `next()` not yet answered, oldest first: callers may ask for several values
    // before awaiting any (`Promise.all([it.next(), it.next()])`), and each must settle.
    const waiting: { resolve: (r: IteratorResult<JsonValue>) => void; reject: (e: unknown) => void }[] = [];
    const iterSignal = iterOptions.signal;

    const finish = (): void => {
      sinks.delete(sink);
      iterSignal?.removeEventListener('abort', onIterAbort);
    };
    const sink: IteratorSink = {
      push(value) {
        const w = waiting.shift();
        if (w !== undefined) w.resolve({ value, done: false });
        else buffer.push(value);
      },
      end() {
        ended = true;
        finish();
        for (const w of waiting.splice(0)) w.resolve({ value: undefined, done: true });
      },
    };
    const onIterAbort = (): void => {
      const err = abortedError(iterSignal!, 'Iterating messages');
      buffer.length = 0;
      ended = true;
      finish();
      if (waiting.length > 0) {
        // The first pending `next()` gets the abort; the others see the iteration end.
        const [first, ...rest] = waiting.splice(0);
        first!.reject(err);
        for (const w of rest) w.resolve({ value: undefined, done: true });
      } else failure = { error: err };
    };
    if (!ended) {
      if (iterSignal?.aborted) onIterAbort();
      else {
        sinks.add(sink);
        iterSignal?.addEventListener('abort', onIterAbort, { once: true });
      }
    }

    const iterator: AsyncIterableIterator<JsonValue> = {
      next() {
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
        if (failure !== undefined) {
          const { error: err } = failure;
          failure = undefined;
          return Promise.reject(err);
        }
        if (ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          waiting.push({ resolve, reject });
        });
      },
      return() {
        buffer.length = 0;
        failure = undefined;
        sink.end();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  const base: Transport<E> = {
    get readyState() {
      return state;
    },
    opened,
    closed: closedPromise,
    send(value) {
      if (state !== 'open') {
        throw transportError('TRANSPORT_NOT_OPEN', `Cannot send while the transport is ${state}.`, {
          context: { readyState: state },
        });
      }
      hooks.send(value);
    },
    on(event, listener) {
      if (state === 'closed') return () => {};
      let set = listeners.get(event);
      if (set === undefined) {
        set = new Set();
        listeners.set(event, set);
      }
      const entry = listener as (payload: never) => void;
      set.add(entry);
      return () => {
        listeners.get(event)?.delete(entry);
      };
    },
    close(code = 1000, reason = '') {
      if (!isValidCloseCode(code)) {
        throw transportError('TRANSPORT_INVALID_OPTIONS', `Invalid close code ${code}.`, {
          context: { option: 'code', code },
        });
      }
      if (encoder.encode(reason).byteLength > 123) {
        throw transportError('TRANSPORT_INVALID_OPTIONS', 'The close reason is longer than 123 bytes.', {
          context: { option: 'reason' },
        });
      }
      if (state === 'closing' || state === 'closed') return;
      state = 'closing';
      hooks.close(code, reason);
    },
    terminate() {
      if (state === 'closed') return;
      state = 'closing';
      hooks.terminate();
    },
    messages,
    [Symbol.asyncIterator]() {
      return messages();
    },
  };
  const transport = base as Transport<E> & X;
  if (options.extra !== undefined) {
    Object.defineProperties(transport, Object.getOwnPropertyDescriptors(options.extra));
  }

  if (signal !== undefined) {
    if (signal.aborted) queueMicrotask(onAbort);
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  return {
    transport,
    get state() {
      return state;
    },
    get aborted() {
      return aborted;
    },
    open() {
      if (state !== 'connecting') return;
      state = 'open';
      if (wasOpened) return;
      wasOpened = true;
      resolveOpened();
      emit('open', undefined as E['open']);
    },
    setState(next) {
      if (state === 'closed' || state === 'closing') return;
      state = next;
    },
    frame,
    frameTooLarge,
    message,
    error,
    emit,
    closed,
  };
}
