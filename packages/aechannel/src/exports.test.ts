import { expect, it } from 'vitest';
import * as browser from './browser.js';
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
      "INDEXEDDB_STORE_DATABASE",
      "MAX_STATE_CHECK_INTERVAL_MS",
      "assertIsStoreKey",
      "channelStoreKey",
      "channelUrl",
      "cliUsage",
      "conflictError",
      "createConsoleLogger",
      "createEmitter",
      "createFileStore",
      "createIndexedDbStore",
      "createMemoryStore",
      "createTranscriptRecorder",
      "createWatcher",
      "decodeChannelRecord",
      "defaultPeerUpdatePolicy",
      "encodeChannelRecord",
      "inspectEncoded",
      "invalidArgument",
      "nodeError",
      "peerUpdateRefusal",
      "runCli",
      "silentLogger",
      "toChannelError",
      "toPrintable",
      "verifyChannelRecord",
    ]
  `);
});

// `aechannel/browser` is the main entry without the tools. A name added to the main entry
// fails here until it is added to `browser.ts` too (or listed as a tool).
const TOOLS = ['cliUsage', 'runCli'];
it('aechannel/browser exports the main entry minus the CLI', () => {
  expect(Object.keys(browser).sort()).toEqual(Object.keys(entry).filter((name) => !TOOLS.includes(name)).sort());
  for (const name of Object.keys(browser)) expect((browser as Record<string, unknown>)[name]).toBe((entry as Record<string, unknown>)[name]);
});
