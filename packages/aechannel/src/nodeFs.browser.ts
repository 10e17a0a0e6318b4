/**
 * The private `#nodeFs` import under the `default` condition (package.json `imports`),
 * taken by browser bundles: there is no file system, and nothing here imports `node:fs`.
 * A file store or a transcript file used in a browser fails with a typed error instead
 * of breaking the bundle.
 */
import { ChannelError } from './errors.js';

/**
 * Rejects: this platform has no `node:fs`.
 * @returns never resolves
 * @throws {ChannelError} `CHANNEL_STORE_UNAVAILABLE`
 */
export function loadNodeFs(): Promise<typeof import('node:fs/promises')> {
  return Promise.reject(
    new ChannelError('CHANNEL_STORE_UNAVAILABLE', 'node:fs is not available on this platform.', {
      details: 'Files (createFileStore, a transcript file path) need Node. In a browser use createIndexedDbStore and a transcript sink object.',
    }),
  );
}
