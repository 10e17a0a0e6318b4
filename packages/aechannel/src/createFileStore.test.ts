import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAechannelError } from '@aechannel/codec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore, type FileStoreFs } from './createFileStore.js';
import { createMemoryStore } from './createMemoryStore.js';
import { describeStore } from '../test/describeStore.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aechannel-store-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStore('createMemoryStore', () => createMemoryStore());
describeStore('createFileStore', () => createFileStore(dir));

describe('createMemoryStore', () => {
  it('starts from initial entries and counts writes', async () => {
    const store = createMemoryStore([['ch_x', 'old']]);
    expect(await store.read('ch_x')).toBe('old');
    await store.write('ch_x', 'new');
    expect(store.writeCount('ch_x')).toBe(1);
    expect(store.entries().get('ch_x')).toBe('new');
  });
});

type Step = 'open' | 'writeFile' | 'sync' | 'close' | 'rename';

/** A file system that "crashes" at a chosen step: half the bytes are written, then everything stops. */
function crashingFs(crashAt: Step): FileStoreFs {
  const real = nodeFs as unknown as FileStoreFs;
  const crash = () => new Error(`simulated crash at ${crashAt}`);
  return {
    mkdir: (p, o) => real.mkdir(p, o),
    readFile: (p, e) => real.readFile(p, e),
    readdir: (p) => real.readdir(p),
    unlink: async () => {
      // a crashed process removes nothing: the temp file stays behind
    },
    rename: async (from, to) => {
      if (crashAt === 'rename') throw crash();
      return real.rename(from, to);
    },
    open: async (path, flags) => {
      if (crashAt === 'open' && path.endsWith('.tmp')) throw crash();
      const handle = await real.open(path, flags);
      return {
        writeFile: async (data, encoding) => {
          if (crashAt === 'writeFile') {
            await handle.writeFile(data.slice(0, Math.floor(data.length / 2)), encoding);
            throw crash();
          }
          return handle.writeFile(data, encoding);
        },
        sync: async () => {
          if (crashAt === 'sync' && path.endsWith('.tmp')) throw crash();
          return handle.sync();
        },
        close: () => handle.close(),
      };
    },
  };
}

describe('createFileStore: crash safety', () => {
  it('a write counts as done when it resolves: a new store instance reads it', async () => {
    await createFileStore(dir).write('ch_done', 'durable');
    expect(await createFileStore(dir).read('ch_done')).toBe('durable');
    const files = await readdir(dir);
    expect(files).toEqual(['ch_done.json']);
  });

  for (const step of ['open', 'writeFile', 'sync', 'rename'] as const) {
    it(`a torn write (crash at ${step}) leaves the previous value readable`, async () => {
      await createFileStore(dir).write('ch_torn', 'previous state');
      const crashing = createFileStore(dir, { fs: crashingFs(step) });
      await expect(crashing.write('ch_torn', 'next state '.repeat(100))).rejects.toSatisfy((e) =>
        isAechannelError(e, 'CHANNEL_STORE_WRITE_FAILED'),
      );
      // "restart": a fresh store over the same directory
      const restarted = createFileStore(dir);
      expect(await restarted.read('ch_torn')).toBe('previous state');
      expect(await restarted.list()).toEqual(['ch_torn']);
      // and it can write again
      await restarted.write('ch_torn', 'after restart');
      expect(await createFileStore(dir).read('ch_torn')).toBe('after restart');
    });
  }

  it('a torn final file (non-atomic file system) is reported as CHANNEL_STORE_CORRUPT, never as a wrong value', async () => {
    const store = createFileStore(dir);
    await store.write('ch_c', 'a value long enough to be cut in half');
    const path = join(dir, 'ch_c.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, Math.floor(text.length / 2)));
    await expect(store.read('ch_c')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_CORRUPT'));
  });

  it('detects a flipped character through the checksum', async () => {
    const store = createFileStore(dir);
    await store.write('ch_f', 'round 7 balance 100');
    const path = join(dir, 'ch_f.json');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('100', '900'));
    await expect(store.read('ch_f')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_CORRUPT'));
  });

  it('rejects files of an unknown format', async () => {
    await writeFile(join(dir, 'ch_u.json'), '{"format":"other","sha256":"","value":""}');
    await expect(createFileStore(dir).read('ch_u')).rejects.toSatisfy((e) => isAechannelError(e, 'CHANNEL_STORE_CORRUPT'));
  });

  it('lists nothing for a directory that does not exist yet', async () => {
    expect(await createFileStore(join(dir, 'missing')).list()).toEqual([]);
  });
});
