import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as cli from './cliEntry.js';
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
      "conflictError",
      "contractFunctionOf",
      "createConsoleLogger",
      "createEmitter",
      "createFileStore",
      "createIndexedDbStore",
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
      "isChannelError",
      "nodeError",
      "peerUpdateRefusal",
      "silentLogger",
      "toChannelError",
      "toContractCallResult",
      "toPrintable",
      "verifyChannelRecord",
    ]
  `);
});


it('aechannel/cli exports the command-line tools, which the main entry does not', () => {
  expect(Object.keys(cli).sort()).toEqual(['cliUsage', 'runCli']);
  for (const name of Object.keys(cli)) expect(name in entry).toBe(false);
});

it('exports what the READMEs and the docs name: every value they import from aechannel, and isChannelError', () => {
  const texts = ['../README.md', '../../../README.md', '../../../docs/architecture.md'].map((path) => readFileSync(new URL(path, import.meta.url), 'utf8'));
  const imported = texts.flatMap((text) =>
    [...text.matchAll(/import \{([^}]*)\} from 'aechannel'/g)].flatMap((m) =>
      m[1]!
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== '' && !name.startsWith('type ')), // (type-only names are checked by the snippets' typecheck)
    ),
  );
  expect(imported).toContain('Channel');
  for (const name of imported) expect(Object.keys(entry), name).toContain(name);
  expect(texts[0]).toContain('isChannelError(');
  expect(Object.keys(entry)).toContain('isChannelError');
});
