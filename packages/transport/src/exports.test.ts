import { expect, it } from 'vitest';
import * as entry from './index.js';

it('exports exactly these names', () => {
  expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_CHANNEL_URL",
      "DEFAULT_MAX_FRAME_BYTES",
      "JsonRpcError",
      "buildChannelUrl",
      "createJsonRpcClient",
      "createMemoryTransportPair",
      "parseChannelUrl",
      "replayTransport",
      "webSocketTransport",
      "withKeepalive",
      "withReconnect",
    ]
  `);
});
