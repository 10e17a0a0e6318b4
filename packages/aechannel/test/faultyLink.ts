/**
 * A link between a client and its node that tests can make misbehave, message by message:
 * lose one inbound message, rewrite it, cut the socket as it arrives (the message is lost
 * with the link, as when a connection drops just as the node sends), or deliver a message
 * the node never sent. Wraps any transport factory (the in-process devnode's `connect`);
 * every connection the client makes (reconnects too) goes through the same rules.
 *
 * Inbound messages and the close after them pass through one ordered chain, so a rewrite
 * that takes time (signing) never lets a later message or the close overtake it.
 */
import type { JsonValue } from '@aechannel/codec';
import type { Transport, TransportCloseEvent, TransportError } from '@aechannel/transport';
import type { TransportFactory } from '../src/Channel.js';
import { wrapTransport } from './wrapTransport.js';

type Match = (message: JsonValue) => boolean;

interface Rule {
  match: Match;
  action: 'drop' | 'cut' | ((message: JsonValue) => JsonValue | Promise<JsonValue>);
  resolve: (message: JsonValue) => void;
}

/** See the module doc. */
export interface FaultyLink {
  /** The factory to pass as the channel's `transport` option. */
  factory: TransportFactory;
  /** Loses the next inbound message that matches; resolves with it once it was lost. */
  dropNext(match: Match): Promise<JsonValue>;
  /** Replaces the next inbound message that matches; resolves with the original. */
  rewriteNext(match: Match, rewrite: (message: JsonValue) => JsonValue | Promise<JsonValue>): Promise<JsonValue>;
  /** Cuts the connection abruptly (1006) when the next matching message arrives: it is lost with the link. */
  cutOn(match: Match): Promise<JsonValue>;
  /** Delivers a message on the current connection as if the node had sent it. */
  inject(message: JsonValue): void;
  /** Cuts the current connection abruptly now. */
  cut(): void;
  /** Connections made so far. */
  readonly connections: number;
}

const objectOf = (m: JsonValue): Record<string, JsonValue> | null => (typeof m === 'object' && m !== null && !Array.isArray(m) ? m : null);

/** The JSON-RPC method of a message, if any. */
export const methodOf = (m: JsonValue): unknown => objectOf(m)?.['method'];

/** `params.data` of a notification, if any. */
export function dataOf(m: JsonValue): Record<string, JsonValue> | null {
  const params = objectOf(m)?.['params'];
  return params === undefined ? null : objectOf(objectOf(params)?.['data'] ?? null);
}

/** Matches `channels.info {event}`. */
export const isInfo =
  (event: string): Match =>
  (m) =>
    methodOf(m) === 'channels.info' && dataOf(m)?.['event'] === event;

/** Matches a notification by method. */
export const isMethod =
  (method: string): Match =>
  (m) =>
    methodOf(m) === method;

export function createFaultyLink(connect: (url: string) => Transport): FaultyLink {
  const rules: Rule[] = [];
  let current: { deliver: (m: JsonValue) => void; cut: () => void } | undefined;
  let connections = 0;

  const take = (message: JsonValue): Rule | undefined => {
    const index = rules.findIndex((rule) => rule.match(message));
    if (index < 0) return undefined;
    const [rule] = rules.splice(index, 1);
    rule!.resolve(message);
    return rule;
  };

  const factory: TransportFactory = (url) => {
    const inner = connect(url);
    connections += 1;
    const listeners = {
      message: new Set<(m: JsonValue) => void>(),
      close: new Set<(e: TransportCloseEvent) => void>(),
      open: new Set<(e: undefined) => void>(),
      error: new Set<(e: TransportError) => void>(),
    };
    let chain = Promise.resolve();
    let dead = false;
    const deliver = (m: JsonValue): void => {
      if (dead) return;
      for (const listener of [...listeners.message]) listener(m);
    };
    const cut = (): void => {
      dead = true;
      inner.terminate();
    };
    const link = { deliver, cut };
    current = link;
    inner.on('open', () => {
      for (const listener of [...listeners.open]) listener(undefined);
    });
    inner.on('error', (e) => {
      for (const listener of [...listeners.error]) listener(e);
    });
    inner.on('message', (message) => {
      chain = chain.then(async () => {
        if (dead) return;
        const rule = take(message);
        if (rule === undefined) return deliver(message);
        if (rule.action === 'drop') return;
        if (rule.action === 'cut') return cut();
        deliver(await rule.action(message));
      });
    });
    inner.on('close', (event) => {
      chain = chain.then(() => {
        if (current === link) current = undefined;
        for (const listener of [...listeners.close]) listener(event);
      });
    });
    return wrapTransport(inner, {
      on: ((event: keyof typeof listeners, listener: never) => {
        const set = listeners[event] as Set<unknown>;
        set.add(listener);
        return () => set.delete(listener);
      }) as Transport['on'],
    });
  };

  const rule = (match: Match, action: Rule['action']): Promise<JsonValue> =>
    new Promise((resolve) => {
      rules.push({ match, action, resolve });
    });

  return {
    factory,
    dropNext: (match) => rule(match, 'drop'),
    rewriteNext: (match, rewrite) => rule(match, rewrite),
    cutOn: (match) => rule(match, 'cut'),
    inject(message) {
      if (current === undefined) throw new Error('no connection to inject into');
      current.deliver(message);
    },
    cut() {
      if (current === undefined) throw new Error('no connection to cut');
      current.cut();
    },
    get connections() {
      return connections;
    },
  };
}
