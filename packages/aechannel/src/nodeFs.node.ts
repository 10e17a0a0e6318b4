/**
 * The private `#nodeFs` import under the `node` condition (package.json `imports`): the
 * file system of Node, loaded on first use. Its browser twin is `nodeFs.browser.ts`, so
 * a browser bundle of `aechannel` never sees `node:fs`.
 */

/**
 * Loads `node:fs/promises`.
 * @returns the module
 */
export function loadNodeFs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}
