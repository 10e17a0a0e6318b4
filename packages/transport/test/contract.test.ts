/** The transport contract, run against the memory pair and `ws` on loopback. */
import type { JsonValue } from '@aechannel/codec';
import { createMemoryTransportPair } from '../src/index.js';
import { describeTransport, type TransportHarness } from './describeTransport.js';
import { Inbox } from './helpers.js';
import { loopbackHarness } from './loopbackHarness.js';

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

describeTransport('ws on loopback', loopbackHarness);
