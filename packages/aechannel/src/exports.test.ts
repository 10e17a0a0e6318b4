import { expect, it } from 'vitest';
import * as entry from './index.js';

// Every change of the public API shows up here in review (and needs a changeset).
it('exports', () => {
  expect(Object.keys(entry).sort()).toMatchInlineSnapshot(`
    [
      "CHANNEL_RECORD_FORMAT",
      "Channel",
      "ChannelError",
      "DEFAULT_OPERATION_TIMEOUTS",
      "FILE_STORE_FORMAT",
      "MAX_STATE_CHECK_INTERVAL_MS",
      "assertIsStoreKey",
      "channelStoreKey",
      "channelUrl",
      "cliUsage",
      "conflictError",
      "contractFunctionOf",
      "createConsoleLogger",
      "createEmitter",
      "createFileStore",
      "createMemoryStore",
      "createTranscriptRecorder",
      "createWatcher",
      "decodeChannelRecord",
      "decodeContractState",
      "defaultPeerUpdatePolicy",
      "encodeCallData",
      "encodeChannelRecord",
      "inspectEncoded",
      "invalidArgument",
      "nodeError",
      "peerUpdateRefusal",
      "runCli",
      "silentLogger",
      "toChannelError",
      "toContractCallResult",
      "toPrintable",
      "verifyChannelRecord",
    ]
  `);
});
