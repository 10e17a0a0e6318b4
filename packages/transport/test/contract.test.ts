/** The transport contract, run against the memory pair and `ws` on loopback. */
import { stringifyJson, type JsonValue } from '@aechannel/codec';
import { createMemoryTransportPair, webSocketTransport } from '../src/index.js';
import { describeTransport, type TransportHarness } from './describeTransport.js';
import { Inbox, startServer } from './helpers.js';

describeTransport('memory pair', async (options = {}) => {
  const { client, server, link } = createMemoryTransportPair(options);
  const inbox = new Inbox();
  server.on('message', (value) => inbox.push(value));
  const harness: TransportHarness = {
    transport: client,
    peer: {
      send: (value: JsonValue) => server.send(value),
      sendRaw: (text) => link.inject('serverToClient', text),
      next: () => inbox.next(),
      close: (code, reason) => server.close(code, reason),
      drop: () => link.cut(),
      closed: () => server.closed.then(({ code, reason }) => ({ code, reason })),
    },
    cleanup: async () => {
      client.terminate();
    },
  };
  return harness;
});

describeTransport('ws on loopback', async (options = {}) => {
  const loopback = await startServer();
  const transport = webSocketTransport(loopback.url, options);
  const accepted = loopback.accept();
  const peerClosed = accepted.then(
    ({ socket }) =>
      new Promise<{ code: number; reason: string }>((resolve) =>
        socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      ),
  );
  const harness: TransportHarness = {
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
  return harness;
});
