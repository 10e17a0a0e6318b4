/**
 * A {@link Transport} that plays the node's side of a recorded connection (the fixture
 * transcripts), for conformance runs of a client.
 *
 * The sections of one role are split into connections: a `connect` section starts one,
 * a `close` section ends it (sections before the first `connect` form a connection
 * without a URL, as in recordings that start with an open channel). One replay plays one
 * connection:
 *
 * - on open, it delivers the recorded node -> client messages up to the first recorded
 *   client message;
 * - each `send` is recorded in `sent`, consumes the next recorded client message, and
 *   delivers the node messages that follow it, up to the next recorded client message;
 * - when only a recorded `close` remains, the replay closes the link (code 1000), unless
 *   `closeAtEnd` is false.
 *
 * The replay does not judge what the client sends: compare `sent` with `recordedSends`.
 * JSON-RPC ids are client-chosen, so by default a recorded response whose `id` equals the
 * id of the recorded request is rewritten to the id the client actually used.
 * Node messages are delivered one per microtask; `settled()` waits for all of them.
 */
import type { JsonValue } from '@aechannel/codec';
import { createTransportCore } from './createTransportCore.js';
import { transportError } from './errors.js';
import type { Transport } from './transport.js';

/**
 * The structural part of a transcript section the replay reads (a `Section` of
 * `@aechannel/transcript` fits), so the transport needs no transcript code at runtime.
 */
export interface ReplaySection {
  kind: string;
  role: string;
  message?: JsonValue;
  url?: string;
}

/** Options of {@link replayTransport}. */
export interface ReplayTransportOptions {
  /** Whose connection to play. */
  role: 'initiator' | 'responder';
  /** Which connection of that role (0-based, default 0). */
  connection?: number | undefined;
  /** Rewrite recorded response ids to the ids the client used (default true). */
  mapIds?: boolean | undefined;
  /** Close the link when the recording reaches this connection's `close` (default true). */
  closeAtEnd?: boolean | undefined;
  /** Aborting closes the transport. */
  signal?: AbortSignal | undefined;
}

/** A replaying transport: a {@link Transport} plus what it has seen and what is left. */
export interface ReplayTransport extends Transport {
  /** The recorded URL of this connection (`undefined` for a connection without `connect`). */
  readonly url: string | undefined;
  /** Every message the client sent, in order. */
  readonly sent: readonly JsonValue[];
  /** Every recorded client message of this connection. */
  readonly recordedSends: readonly JsonValue[];
  /** Recorded client messages not yet matched by a `send`. */
  readonly expected: readonly JsonValue[];
  /** Recorded node messages the replay has not reached yet (those already due may still be in delivery; see `settled`). */
  readonly pending: readonly JsonValue[];
  /** True when every recorded message of the connection was played and every client message seen. */
  readonly done: boolean;
  /** Resolves once every node message due so far has been delivered. */
  settled(): Promise<void>;
  /**
   * Delivers the node messages recorded right after the next expected client message (up
   * to the one after it), while that client message stays expected: for a client that
   * holds a message back (a queued command) until node messages that were already on the
   * wire when the recorded client sent it have arrived. Each recorded message is delivered
   * once.
   * @returns how many node messages it delivered (0: none was left before the next client message)
   */
  deliverAhead(): number;
}

/** What {@link replayTransport} returns. */
export type ReplayTransportReturnType = ReplayTransport;

/** Errors {@link replayTransport} throws or reports. */
export type ReplayTransportErrorType = 'TRANSPORT_INVALID_OPTIONS' | 'TRANSPORT_REPLAY_UNEXPECTED_SEND' | 'TRANSPORT_NOT_OPEN';

type Step = { kind: 'receive'; message: JsonValue } | { kind: 'send'; message: JsonValue } | { kind: 'close' };

interface Connection {
  url: string | undefined;
  steps: Step[];
}

/** Splits one role's sections into connections. */
function connectionsOf(sections: readonly ReplaySection[], role: string): Connection[] {
  const connections: Connection[] = [];
  let current: Connection | undefined;
  for (const section of sections) {
    if (section.role !== role) continue;
    if (section.kind === 'connect') {
      current = { url: section.url, steps: [] };
      connections.push(current);
      continue;
    }
    if (section.kind !== 'send' && section.kind !== 'receive' && section.kind !== 'close') continue;
    if (current === undefined) {
      current = { url: undefined, steps: [] };
      connections.push(current);
    }
    if (section.kind === 'close') {
      current.steps.push({ kind: 'close' });
      current = undefined;
    } else if (section.message !== undefined) {
      current.steps.push({ kind: section.kind, message: section.message });
    }
  }
  return connections;
}

const isObject = (value: unknown): value is { [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const idKey = (id: JsonValue | undefined): string | undefined =>
  typeof id === 'bigint' || typeof id === 'number' ? `n:${String(id)}` : typeof id === 'string' ? `s:${id}` : undefined;

/**
 * Plays one recorded connection of `role` as a transport.
 * @param sections - transcript sections (`Section[]` of `@aechannel/transcript` or the same shape)
 * @param options - role, connection index, id mapping, close behaviour, abort signal
 * @returns the replaying transport; it opens on the next microtask
 * @throws {AechannelError} `TRANSPORT_INVALID_OPTIONS` when the role has no such connection.
 *   Reports `TRANSPORT_REPLAY_UNEXPECTED_SEND` (an `error` event) for client messages beyond the recording.
 * @example
 * const { sections } = loadFixture('opening_ping_pong.md');
 * const replay = replayTransport(sections, { role: 'initiator' });
 * replay.on('message', (message) => driver.feed(message));
 * await replay.opened;
 */
export function replayTransport(sections: readonly ReplaySection[], options: ReplayTransportOptions): ReplayTransport {
  const index = options.connection ?? 0;
  const connections = connectionsOf(sections, options.role);
  const connection = connections[index];
  if (connection === undefined) {
    throw transportError(
      'TRANSPORT_INVALID_OPTIONS',
      `The recording has no connection ${index} for ${options.role} (it has ${connections.length}).`,
      { context: { option: 'connection', value: index, available: connections.length } },
    );
  }
  const mapIds = options.mapIds ?? true;
  const closeAtEnd = options.closeAtEnd ?? true;
  const steps = connection.steps;
  const recordedSends = steps.flatMap((step) => (step.kind === 'send' ? [step.message] : []));
  const sent: JsonValue[] = [];
  const idMap = new Map<string, JsonValue>();
  let cursor = 0;
  let delivery: Promise<void> = Promise.resolve();

  const rewrite = (message: JsonValue): JsonValue => {
    if (!mapIds || !isObject(message)) return message;
    const key = idKey(message['id']);
    const mapped = key === undefined ? undefined : idMap.get(key);
    let out = message;
    if (mapped !== undefined) out = { ...out, id: mapped };
    const error = out['error'];
    if (isObject(error) && isObject(error['request'])) {
      const requestKey = idKey(error['request']['id']);
      const requestMapped = requestKey === undefined ? undefined : idMap.get(requestKey);
      if (requestMapped !== undefined) out = { ...out, error: { ...error, request: { ...error['request'], id: requestMapped } } };
    }
    return out;
  };

  /** Steps delivered ahead of the cursor (see `deliverAhead`). */
  const deliveredAhead = new Set<number>();

  /** Delivers node messages from the cursor up to the next recorded client message. */
  const advance = (): void => {
    while (cursor < steps.length) {
      if (deliveredAhead.has(cursor)) {
        cursor += 1;
        continue;
      }
      const step = steps[cursor]!;
      if (step.kind === 'send') return;
      cursor += 1;
      if (step.kind === 'close') {
        if (closeAtEnd) delivery = delivery.then(() => void core.transport.close(1000, ''));
        return;
      }
      const message = rewrite(step.message);
      delivery = delivery.then(() => core.message(message));
    }
  };

  const core = createTransportCore(
    {
      send(message) {
        sent.push(message);
        const step = steps[cursor];
        if (step === undefined || step.kind !== 'send') {
          core.error(
            transportError('TRANSPORT_REPLAY_UNEXPECTED_SEND', 'The client sent a message the recording does not have here.', {
              context: { message, position: cursor },
            }),
          );
          return;
        }
        cursor += 1;
        if (mapIds && isObject(step.message) && isObject(message)) {
          const recordedKey = idKey(step.message['id']);
          const actual = message['id'];
          if (recordedKey !== undefined && actual !== undefined && actual !== null) idMap.set(recordedKey, actual);
        }
        advance();
      },
      close(code, reason) {
        delivery = delivery.then(() => core.closed({ code, reason, wasClean: true }));
      },
      terminate() {
        queueMicrotask(() => core.closed({ code: 1006, reason: '', wasClean: false }));
      },
    },
    {
      signal: options.signal,
      extra: {
        get url() {
          return connection.url;
        },
        get sent(): readonly JsonValue[] {
          return sent;
        },
        recordedSends,
        get expected(): readonly JsonValue[] {
          return steps.slice(cursor).flatMap((step) => (step.kind === 'send' ? [step.message] : []));
        },
        get pending(): readonly JsonValue[] {
          return steps.slice(cursor).flatMap((step) => (step.kind === 'receive' ? [step.message] : []));
        },
        get done() {
          return steps.slice(cursor).every((step) => step.kind === 'close');
        },
        settled() {
          return delivery;
        },
        deliverAhead() {
          let index = cursor;
          // Past the held-back client message(s) at the cursor, to the node messages recorded after them.
          while (index < steps.length && steps[index]!.kind === 'send') index += 1;
          let count = 0;
          for (; index < steps.length; index += 1) {
            const step = steps[index]!;
            if (deliveredAhead.has(index)) continue;
            if (step.kind !== 'receive') break;
            deliveredAhead.add(index);
            const message = rewrite(step.message);
            delivery = delivery.then(() => core.message(message));
            count += 1;
          }
          return count;
        },
      },
    },
  );

  queueMicrotask(() => {
    core.open();
    if (core.state === 'open') advance();
  });
  return core.transport as ReplayTransport;
}
