/**
 * A transport factory for tests that cuts the socket at a chosen message boundary: once
 * armed with `n`, the link is dropped abruptly (no close frame, code 1006) right after the
 * n-th message that crosses it, in either direction. Only the connection that is current
 * when `arm` is called is cut; later connections (the reconnects) are left alone.
 */
import { webSocketTransport, type Transport } from '@aechannel/transport';
import type { TransportFactory } from '../src/Channel.js';
import { wrapTransport } from './wrapTransport.js';

export interface CutController {
  /** The factory to pass as the `transport` option. */
  factory: TransportFactory;
  /** Cuts the current connection after `n` more messages (sent or received). */
  arm(n: number): void;
  /** Messages seen on the current connection since the last `arm` (or since it opened). */
  readonly count: number;
  /** How many connections were made. */
  readonly connections: number;
  /** How many cuts happened. */
  readonly cuts: number;
}

export function createCutController(): CutController {
  let current: Transport | undefined;
  let remaining: number | undefined;
  let count = 0;
  let connections = 0;
  let cuts = 0;
  const tick = (transport: Transport): void => {
    if (transport !== current) return;
    count += 1;
    if (remaining === undefined) return;
    remaining -= 1;
    if (remaining === 0) {
      remaining = undefined;
      cuts += 1;
      current = undefined;
      transport.terminate();
    }
  };
  const factory: TransportFactory = (url, { signal }) => {
    const inner = webSocketTransport(url, { signal });
    connections += 1;
    current = inner;
    count = 0;
    inner.on('message', () => tick(inner));
    return wrapTransport(inner, {
      send(message) {
        inner.send(message);
        // A cut "after" a sent message: the frame is on the wire before the link drops.
        queueMicrotask(() => tick(inner));
      },
    });
  };
  return {
    factory,
    arm(n) {
      count = 0;
      remaining = n;
    },
    get count() {
      return count;
    },
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
  };
}
