/**
 * JSON-RPC 2.0 framing over a {@link Transport} (PROTOCOL.md §7.1, batches §6.1).
 *
 * Requests get ids from a counter (bigint, so they survive the bigint-safe JSON both
 * ways) and are correlated with responses by id, in any order and any number at once.
 * Node notifications (`channels.info`, `channels.sign.*`, `*.reply`, ...) become
 * `notification` events. Error responses become {@link JsonRpcError}s with the node's
 * code, message, `data` list and echoed request. Anything the client cannot place (a
 * response to an unknown id, a value that is not JSON-RPC, an error with `id: null`) is
 * an `error` event, never a throw.
 *
 * The client does not own the transport: it never opens or closes it. When the transport
 * closes, or a reconnecting transport loses its socket (`reconnecting`), pending requests
 * reject with `TRANSPORT_CLOSED`, since their responses died with the socket.
 */
import { AechannelError, type JsonValue } from '@aechannel/codec';
import { abortedError, transportError, type TransportError } from './errors.js';
import type { Transport, TransportCloseEvent, TransportEvents } from './transport.js';

/** A JSON-RPC id as this client writes and reads it. */
export type JsonRpcId = bigint | number | string;

/** Context of a {@link JsonRpcError}. */
export type JsonRpcErrorContext = {
  /** The JSON-RPC error code (e.g. 3 "Rejected", -32601 "Method not found"; §8.8). */
  code: number;
  /** The error message. */
  message: string;
  /** The `data` list, e.g. `[{ code: 1001n, message: 'Insufficient balance' }]`, as sent. */
  data: JsonValue | undefined;
  /** The request the node echoed back (`{}` for open-time errors), as sent. */
  request: JsonValue | undefined;
  /** The response id (`null` when the request had none). */
  id: JsonValue | undefined;
};

/**
 * An error response of the node, as a typed error (`code` is always `TRANSPORT_RPC_ERROR`;
 * the node's own code is `context.code`, the codes of its `data` list are `dataCodes`).
 * @example
 * try {
 *   await rpc.request('channels.update.new', { from, to, amount: 10n });
 * } catch (error) {
 *   if (error instanceof JsonRpcError && error.dataCodes.includes(1001)) console.log('insufficient balance');
 * }
 */
export class JsonRpcError extends AechannelError<'TRANSPORT_RPC_ERROR', JsonRpcErrorContext> {
  override name = 'JsonRpcError';

  constructor(context: JsonRpcErrorContext) {
    super('TRANSPORT_RPC_ERROR', `JSON-RPC error ${context.code}: ${context.message}`, {
      context,
      details: dataCodes(context.data).length > 0 ? `data codes ${dataCodes(context.data).join(', ')}` : undefined,
    });
  }

  /** The `code`s of the `data` list (e.g. `[1001]` for "Insufficient balance"); empty when there is none. */
  get dataCodes(): number[] {
    return dataCodes(this.context.data);
  }
}

function dataCodes(data: JsonValue | undefined): number[] {
  if (!Array.isArray(data)) return [];
  return data.flatMap((entry) => {
    const code = isObject(entry) ? entry['code'] : undefined;
    return typeof code === 'bigint' || typeof code === 'number' ? [Number(code)] : [];
  });
}

/** A notification (a node message with a `method`). */
export interface JsonRpcNotification {
  method: string;
  params: JsonValue | undefined;
  /** The whole message as received. */
  message: { [key: string]: JsonValue };
}

/** Events of a {@link JsonRpcClient}. */
export interface JsonRpcClientEvents {
  notification: JsonRpcNotification;
  /** Messages the client could not place: `TRANSPORT_INVALID_RPC_MESSAGE`, `TRANSPORT_RPC_UNKNOWN_ID`, `TRANSPORT_RPC_ERROR` with `id: null`. */
  error: TransportError;
}

/** Options of one request. */
export interface JsonRpcRequestOptions {
  /** Aborting rejects the request with `TRANSPORT_ABORTED` (the node may still act on it). */
  signal?: AbortSignal | undefined;
  /** Rejects with `TRANSPORT_RPC_TIMEOUT` when no response arrives in time (default: the client's, else none). */
  timeoutMs?: number | undefined;
}

/** One entry of {@link JsonRpcClient.batch}. */
export interface JsonRpcCall {
  method: string;
  params?: JsonValue;
}

/** Options of {@link createJsonRpcClient}. */
export interface JsonRpcClientOptions {
  /** The first request id (default `1n`); later ids count up. */
  firstId?: bigint | undefined;
  /** Default request timeout in ms (default: none). */
  timeoutMs?: number | undefined;
  /** Timer functions (injectable for tests). */
  setTimeout?: ((callback: () => void, ms: number) => unknown) | undefined;
  clearTimeout?: ((handle: unknown) => void) | undefined;
}

/** A JSON-RPC client bound to one transport. */
export interface JsonRpcClient {
  /**
   * Sends a request with a fresh id and waits for its response.
   * @returns the `result`
   * @throws {AechannelError} (rejects) {@link JsonRpcError} `TRANSPORT_RPC_ERROR`, `TRANSPORT_RPC_TIMEOUT`,
   *   `TRANSPORT_ABORTED`, `TRANSPORT_CLOSED`, `TRANSPORT_NOT_OPEN`, `TRANSPORT_INVALID_RPC_MESSAGE`
   */
  request(method: string, params?: JsonValue, options?: JsonRpcRequestOptions): Promise<JsonValue>;
  /**
   * Sends a request without id: the node answers only errors (with `id: null`) or, for
   * queries, a `*.reply` notification (§7.1).
   * @throws {AechannelError} `TRANSPORT_NOT_OPEN`, `TRANSPORT_INVALID_MESSAGE`
   */
  notify(method: string, params?: JsonValue): void;
  /** Sends several requests in one frame (a JSON array, §6.1); one promise per call, in order. */
  batch(calls: readonly JsonRpcCall[], options?: JsonRpcRequestOptions): Promise<JsonValue>[];
  /** Subscribes to `notification` or `error`; returns the unsubscribe function. */
  on<K extends keyof JsonRpcClientEvents>(event: K, listener: (payload: JsonRpcClientEvents[K]) => void): () => void;
  /** Requests waiting for a response. */
  readonly pending: number;
  /** Stops listening to the transport; pending requests reject with `TRANSPORT_CLOSED`. */
  detach(): void;
}

/** What {@link createJsonRpcClient} returns. */
export type CreateJsonRpcClientReturnType = JsonRpcClient;

/** Errors a {@link JsonRpcClient} throws, rejects with or reports. */
export type CreateJsonRpcClientErrorType =
  | 'TRANSPORT_INVALID_OPTIONS'
  | 'TRANSPORT_RPC_ERROR'
  | 'TRANSPORT_RPC_TIMEOUT'
  | 'TRANSPORT_RPC_UNKNOWN_ID'
  | 'TRANSPORT_INVALID_RPC_MESSAGE'
  | 'TRANSPORT_ABORTED'
  | 'TRANSPORT_CLOSED'
  | 'TRANSPORT_NOT_OPEN'
  | 'TRANSPORT_INVALID_MESSAGE'
  | 'TRANSPORT_LISTENER_FAILED';

interface Pending {
  resolve(value: JsonValue): void;
  reject(error: unknown): void;
  cleanup(): void;
}

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ids compare by value whatever their JS type: `5`, `5n` and a parsed `5n` are one id. */
function idKey(id: unknown): string | undefined {
  if (typeof id === 'bigint') return `n:${id}`;
  if (typeof id === 'number' && Number.isInteger(id)) return `n:${id}`;
  if (typeof id === 'string') return `s:${id}`;
  return undefined;
}

/** How many ids of timed-out or aborted requests to remember, so their late replies are not reported. */
const FORGOTTEN_IDS = 1024;

/**
 * Creates a JSON-RPC 2.0 client on a transport.
 * @param transport - any {@link Transport} (plain or wrapped)
 * @param options - first id, default timeout, timers
 * @returns the client
 * @throws {AechannelError} `TRANSPORT_INVALID_OPTIONS` for a negative timeout
 * @example
 * const rpc = createJsonRpcClient(transport);
 * rpc.on('notification', ({ method, params }) => console.log(method, params));
 * const balances = await rpc.request('channels.get.balances', { accounts: [initiator, responder] });
 */
export function createJsonRpcClient<E extends TransportEvents>(
  transport: Transport<E>,
  options: JsonRpcClientOptions = {},
): JsonRpcClient {
  const setTimer = options.setTimeout ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimeout ?? ((handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  checkTimeout(options.timeoutMs);
  const clientTimeout = options.timeoutMs;
  let nextId = options.firstId ?? 1n;
  const pending = new Map<string, Pending>();
  const forgotten = new Set<string>();
  const listeners = { notification: new Set<(n: JsonRpcNotification) => void>(), error: new Set<(e: TransportError) => void>() };
  let detached = false;

  function emit<K extends keyof JsonRpcClientEvents>(event: K, payload: JsonRpcClientEvents[K]): void {
    for (const listener of Array.from(listeners[event] as Set<(p: JsonRpcClientEvents[K]) => void>)) {
      try {
        listener(payload);
      } catch (cause) {
        if (event === 'error') {
          queueMicrotask(() => {
            throw cause;
          });
        } else {
          emit('error', transportError('TRANSPORT_LISTENER_FAILED', `A "${event}" listener threw.`, { cause, context: { event } }));
        }
      }
    }
  }

  function forget(key: string): void {
    forgotten.add(key);
    if (forgotten.size > FORGOTTEN_IDS) forgotten.delete(forgotten.values().next().value!);
  }

  function invalidMessage(message: JsonValue, reason: string): TransportError {
    return transportError('TRANSPORT_INVALID_RPC_MESSAGE', `Not a JSON-RPC 2.0 message: ${reason}.`, {
      context: { message, reason },
    });
  }

  function toRpcError(error: JsonValue, id: JsonValue | undefined, whole: JsonValue): TransportError {
    if (!isObject(error)) return invalidMessage(whole, '"error" is not an object');
    const code = error['code'];
    const message = error['message'];
    if ((typeof code !== 'bigint' && typeof code !== 'number') || typeof message !== 'string') {
      return invalidMessage(whole, '"error" lacks an integer code or a message');
    }
    return new JsonRpcError({ code: Number(code), message, data: error['data'], request: error['request'], id });
  }

  function handleOne(message: JsonValue): void {
    if (!isObject(message)) return emit('error', invalidMessage(message, 'not an object'));
    if (message['jsonrpc'] !== '2.0') return emit('error', invalidMessage(message, '"jsonrpc" is not "2.0"'));
    const method = message['method'];
    if (typeof method === 'string') {
      emit('notification', { method, params: message['params'], message });
      return;
    }
    const hasResult = 'result' in message;
    const hasError = 'error' in message;
    if (!('id' in message) || hasResult === hasError) {
      return emit('error', invalidMessage(message, 'neither a notification nor a response'));
    }
    const id = message['id'];
    if (id === null) {
      // §7.1: errors to requests without id (and open-time errors, §6.4) carry id null.
      const error = hasError ? toRpcError(message['error']!, id, message) : invalidMessage(message, 'a result with id null');
      return emit('error', error);
    }
    const key = idKey(id);
    const entry = key === undefined ? undefined : pending.get(key);
    if (key === undefined || entry === undefined) {
      if (key !== undefined && forgotten.delete(key)) return; // late reply to a timed-out/aborted request
      return emit(
        'error',
        transportError('TRANSPORT_RPC_UNKNOWN_ID', 'Received a response to no pending request.', {
          context: { id, message },
        }),
      );
    }
    pending.delete(key);
    entry.cleanup();
    if (hasResult) entry.resolve(message['result']!);
    else entry.reject(toRpcError(message['error']!, id, message));
  }

  function rejectAll(error: () => unknown): void {
    const entries = Array.from(pending.entries());
    pending.clear();
    for (const [key, entry] of entries) {
      forget(key);
      entry.cleanup();
      entry.reject(error());
    }
  }

  const closedError = (event?: TransportCloseEvent) => () =>
    transportError('TRANSPORT_CLOSED', 'The transport closed before the response arrived.', { context: { ...event } });

  const unsubscribe = [
    transport.on('message', (value: JsonValue) => {
      if (Array.isArray(value)) {
        // A batch reply (§6.1). An empty array answers nothing.
        if (value.length === 0) emit('error', invalidMessage(value, 'an empty batch'));
        for (const item of value) handleOne(item);
      } else handleOne(value);
    }),
    transport.on('close', (event: TransportCloseEvent) => rejectAll(closedError(event))),
    // Reconnecting wrappers: the old socket (and every response on it) is gone.
    (transport as unknown as Transport<TransportEvents & { reconnecting: unknown }>).on('reconnecting', () =>
      rejectAll(closedError()),
    ),
  ];

  function register(method: string, options: JsonRpcRequestOptions): { id: bigint; promise: Promise<JsonValue> } {
    const id = nextId;
    nextId += 1n;
    const key = idKey(id)!;
    const timeoutMs = options.timeoutMs ?? clientTimeout;
    checkTimeout(timeoutMs);
    const { signal } = options;
    const promise = new Promise<JsonValue>((resolve, reject) => {
      if (detached) return reject(closedError()());
      if (signal?.aborted) return reject(abortedError(signal, `Request ${method}`));
      let timer: unknown;
      const onAbort = (): void => {
        if (!pending.delete(key)) return;
        forget(key);
        cleanup();
        reject(abortedError(signal!, `Request ${method}`));
      };
      const cleanup = (): void => {
        if (timer !== undefined) clearTimer(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      pending.set(key, { resolve, reject, cleanup });
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimer(() => {
          if (!pending.delete(key)) return;
          forget(key);
          cleanup();
          reject(
            transportError('TRANSPORT_RPC_TIMEOUT', `No response to ${method} within ${timeoutMs} ms.`, {
              context: { method, id, timeoutMs },
            }),
          );
        }, timeoutMs);
      }
    });
    return { id, promise };
  }

  function fail(id: bigint, error: unknown): void {
    const entry = pending.get(idKey(id)!);
    if (entry === undefined) return;
    pending.delete(idKey(id)!);
    entry.cleanup();
    entry.reject(error);
  }

  return {
    request(method, params = {}, requestOptions = {}) {
      const { id, promise } = register(method, requestOptions);
      if (pending.has(idKey(id)!)) {
        try {
          transport.send({ jsonrpc: '2.0', id, method, params });
        } catch (error) {
          fail(id, error);
        }
      }
      return promise;
    },
    notify(method, params = {}) {
      transport.send({ jsonrpc: '2.0', method, params });
    },
    batch(calls, requestOptions = {}) {
      const entries = calls.map((call) => ({ call, ...register(call.method, requestOptions) }));
      const live = entries.filter(({ id }) => pending.has(idKey(id)!));
      if (live.length > 0) {
        try {
          transport.send(live.map(({ id, call }) => ({ jsonrpc: '2.0', id, method: call.method, params: call.params ?? {} })));
        } catch (error) {
          for (const { id } of live) fail(id, error);
        }
      }
      return entries.map(({ promise }) => promise);
    },
    on(event, listener) {
      const set = listeners[event] as Set<typeof listener>;
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    get pending() {
      return pending.size;
    },
    detach() {
      if (detached) return;
      detached = true;
      for (const off of unsubscribe) off();
      rejectAll(closedError());
    },
  };
}

function checkTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
    throw transportError('TRANSPORT_INVALID_OPTIONS', 'timeoutMs must be a finite number >= 0.', {
      context: { option: 'timeoutMs', value: timeoutMs },
    });
  }
}
