/**
 * The contract-suite harness for `webSocketTransport` against a `ws` server on 127.0.0.1
 * (random port). Shared by the Node (`ws`) and the browser (global `WebSocket`) runs; which
 * implementation `webSocketTransport` uses is up to the test file (`vi.mock('#websocket')`).
 */
import { stringifyJson } from '@aechannel/codec';
import { webSocketTransport } from '../src/index.js';
import type { MakeOptions, TransportHarness } from './describeTransport.js';
import { startServer } from './helpers.js';

export async function loopbackHarness(options: MakeOptions = {}): Promise<TransportHarness> {
  const loopback = await startServer();
  const transport = webSocketTransport(loopback.url, options);
  const accepted = loopback.accept();
  const peerClosed = accepted.then(
    ({ socket }) =>
      new Promise<{ code: number; reason: string }>((resolve) =>
        socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      ),
  );
  return {
    transport,
    peer: {
      send: (value) => void accepted.then(({ socket }) => socket.send(stringifyJson(value))),
      sendRaw: (text) => void accepted.then(({ socket }) => socket.send(text)),
      next: () => accepted.then(({ inbox }) => inbox.next()),
      close: (code, reason) => void accepted.then(({ socket }) => socket.close(code, reason)),
      drop: () => void accepted.then(({ socket }) => socket.terminate()),
      closed: () => peerClosed,
    },
    cleanup: async () => {
      transport.terminate();
      await loopback.close();
    },
  };
}
