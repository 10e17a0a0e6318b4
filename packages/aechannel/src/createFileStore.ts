/**
 * A durable {@link Store} backed by one file per key in a directory (Node only).
 *
 * **When a write counts as done:** `write(key, value)` resolves only after all of:
 *
 * 1. the value was written to a fresh temporary file `<key>.json.<random>.<n>.tmp` in the
 *    same directory, and that file was `fsync`ed;
 * 2. the temporary file was renamed over `<key>.json` (an atomic replace on POSIX file
 *    systems);
 * 3. the directory was `fsync`ed, so the rename itself survives a power loss.
 *
 * A crash before step 2 leaves the previous `<key>.json` untouched (plus a stray `.tmp`
 * file that is ignored); a crash after it leaves the new one. Each file carries a format
 * tag and the SHA-256 of the value, so a file damaged in any other way (a torn write on a
 * file system without atomic rename, manual edits, disk errors) makes `read` throw
 * `CHANNEL_STORE_CORRUPT` instead of returning a wrong state. Writes to the same key are
 * applied in call order. One directory should be used by one process at a time.
 *
 * `node:fs` is loaded lazily through the private `#nodeFs` import, which a browser bundle
 * resolves to a stand-in without `node:fs`: importing this module in a browser works, and
 * using the store there rejects with `CHANNEL_STORE_UNAVAILABLE` (use
 * `createIndexedDbStore` in a browser).
 */
import { loadNodeFs } from '#nodeFs';
import { ChannelError } from './errors.js';
import { assertIsStoreKey, assertWriteArguments, createKeyQueue, sortedStoreKeys, throwIfAborted, type Store } from './Store.js';
import { FILE_STORE_FORMAT, openStoreValue, sealStoreValue } from './storeEnvelope.js';

export { FILE_STORE_FORMAT };

/** The subset of `node:fs/promises` the file store uses (injectable for crash tests). */
export interface FileStoreFs {
  /** Creates the directory (and parents). */
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  /** Opens a file (`'wx'` for the temp file) or the directory (`'r'`, for its fsync). */
  open(path: string, flags: string): Promise<FileStoreHandle>;
  /** Atomically replaces `to` with `from`. */
  rename(from: string, to: string): Promise<void>;
  /** Reads a whole file as text. */
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** Lists a directory. */
  readdir(path: string): Promise<string[]>;
  /** Removes a file. */
  unlink(path: string): Promise<void>;
}

/** The subset of a `FileHandle` the file store uses. */
export interface FileStoreHandle {
  /** Writes the whole content. */
  writeFile(data: string, encoding: 'utf8'): Promise<void>;
  /** `fsync`: resolves once the data is on the disk. */
  sync(): Promise<void>;
  /** Closes the handle. */
  close(): Promise<void>;
}

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /** File-system implementation; default `node:fs/promises`. */
  fs?: FileStoreFs;
  /**
   * Whether to `fsync` the file and the directory (default `true`). Turning it off makes
   * writes faster and atomic but not durable across a power loss (still across a crash of
   * the process).
   */
  fsync?: boolean;
}

const SUFFIX = '.json';

/**
 * Creates a file store in `dir` (created on first write).
 * @param dir - the directory holding the files
 * @param options - injectable fs, fsync switch
 * @returns a {@link Store}
 * @throws {ChannelError} from its methods: `CHANNEL_STORE_WRITE_FAILED`, `CHANNEL_STORE_CORRUPT`,
 *   `CHANNEL_STORE_INVALID_KEY`
 * @example
 * const store = createFileStore('./.aechannel');
 * const channel = await Channel.reestablish({ store, channelId, signer, url });
 */
export function createFileStore(dir: string, options: FileStoreOptions = {}): Store {
  const fsync = options.fsync ?? true;
  let fsPromise: Promise<FileStoreFs> | undefined;
  const getFs = (): Promise<FileStoreFs> => {
    fsPromise ??= options.fs !== undefined ? Promise.resolve(options.fs) : (loadNodeFs() as Promise<unknown> as Promise<FileStoreFs>);
    return fsPromise;
  };
  let made: Promise<unknown> | undefined;
  let counter = 0;
  const queue = createKeyQueue();
  const pathOf = (name: string): string => `${dir.replace(/[\\/]+$/, '')}/${name}`;

  const writeNow = async (key: string, value: string): Promise<void> => {
    const fs = await getFs();
    made ??= fs.mkdir(dir, { recursive: true });
    try {
      await made;
    } catch (cause) {
      made = undefined;
      throw writeFailed(key, cause);
    }
    const text = await sealStoreValue(value);
    // A random part keeps a restarted process (same pid, fresh counter) clear of the temp
    // files a crashed one left behind.
    const tmp = pathOf(`${key}${SUFFIX}.${randomHex()}.${++counter}.tmp`);
    try {
      const handle = await fs.open(tmp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        if (fsync) await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, pathOf(`${key}${SUFFIX}`));
    } catch (cause) {
      await fs.unlink(tmp).catch(() => {});
      throw writeFailed(key, cause);
    }
    if (fsync) await syncDir(fs, dir);
  };

  return {
    async read(key, callOptions) {
      throwIfAborted(callOptions?.signal);
      assertIsStoreKey(key);
      await queue.settled(key);
      const fs = await getFs();
      let text: string;
      try {
        text = await fs.readFile(pathOf(`${key}${SUFFIX}`), 'utf8');
      } catch (cause) {
        if ((cause as { code?: unknown }).code === 'ENOENT') return undefined;
        throw new ChannelError('CHANNEL_STORE_CORRUPT', `Cannot read store entry ${key}.`, { cause, context: { key, dir } });
      }
      return await openStoreValue(key, text);
    },
    write(key, value, callOptions) {
      try {
        assertWriteArguments(key, value, callOptions?.signal);
      } catch (error) {
        return Promise.reject(error);
      }
      return queue.enqueue(key, () => writeNow(key, value));
    },
    async delete(key, callOptions) {
      throwIfAborted(callOptions?.signal);
      assertIsStoreKey(key);
      await queue.settled(key);
      const fs = await getFs();
      await fs.unlink(pathOf(`${key}${SUFFIX}`)).catch((cause: unknown) => {
        if ((cause as { code?: unknown }).code !== 'ENOENT') throw writeFailed(key, cause);
      });
      if (fsync) await syncDir(fs, dir);
    },
    async list(callOptions) {
      throwIfAborted(callOptions?.signal);
      const fs = await getFs();
      let names: string[];
      try {
        names = await fs.readdir(dir);
      } catch (cause) {
        if ((cause as { code?: unknown }).code === 'ENOENT') return [];
        throw cause;
      }
      return sortedStoreKeys(names.filter((name) => name.endsWith(SUFFIX)).map((name) => name.slice(0, -SUFFIX.length)));
    },
  };
}

function randomHex(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function writeFailed(key: string, cause: unknown): ChannelError {
  return new ChannelError('CHANNEL_STORE_WRITE_FAILED', `Could not write store entry ${key} durably.`, {
    cause,
    details: cause instanceof Error ? cause.message : String(cause),
    context: { key },
  });
}

async function syncDir(fs: FileStoreFs, dir: string): Promise<void> {
  let handle: FileStoreHandle;
  try {
    handle = await fs.open(dir, 'r');
  } catch {
    return; // platforms that cannot open directories (Windows) have no directory fsync
  }
  try {
    await handle.sync();
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    // Some file systems do not support fsync on directories; the rename is still atomic.
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTSUP') throw cause;
  } finally {
    await handle.close().catch(() => {});
  }
}
