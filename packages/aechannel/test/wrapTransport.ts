/**
 * A transport that delegates to another one except where a test replaces `send` or `on`
 * (to watch, cut or rewrite the traffic).
 */
import type { Transport } from '@aechannel/transport';

/** `inner` with `send` and `on` replaced where `overrides` gives them; the rest is `inner`'s. */
export function wrapTransport(inner: Transport, overrides: Partial<Pick<Transport, 'send' | 'on'>>): Transport {
  const on: Transport['on'] = overrides.on ?? ((event, listener) => inner.on(event, listener));
  return {
    get readyState() {
      return inner.readyState;
    },
    opened: inner.opened,
    closed: inner.closed,
    send: overrides.send ?? ((message) => inner.send(message)),
    on,
    close: (code, reason) => inner.close(code, reason),
    terminate: () => inner.terminate(),
    messages: (options) => inner.messages(options),
    [Symbol.asyncIterator]: () => inner[Symbol.asyncIterator](),
  };
}
