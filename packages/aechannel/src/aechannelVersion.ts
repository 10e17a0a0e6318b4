/**
 * The version of the `aechannel` package, for `aechannel --version`.
 */
import { readFileSync } from 'node:fs';

/**
 * Reads this package's version from its package.json (next to `src/` and `dist/`).
 * @returns the version, e.g. `0.1.0`
 */
export function aechannelVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
