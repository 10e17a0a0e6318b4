// Aliases from every workspace package entry (its `source` export condition) to its
// TypeScript source, so tests run against `src/` and never wait for a build.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const packagesDir = join(root, 'packages');

type ExportEntry = string | { source?: string };

export const alias: { find: RegExp; replacement: string }[] = readdirSync(packagesDir).flatMap((dir) => {
  let manifest: { name: string; exports?: Record<string, ExportEntry> };
  try {
    manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
  } catch {
    return [];
  }
  return Object.entries(manifest.exports ?? {}).flatMap(([subpath, entry]) => {
    if (typeof entry === 'string' || entry.source === undefined) return [];
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`;
    const escaped = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    return [{ find: new RegExp(`^${escaped}$`), replacement: resolve(packagesDir, dir, entry.source) }];
  });
});

/**
 * Per-test time limits for every package. Property tests and end-to-end runs over real
 * sockets are CPU-bound; on a loaded 2-core machine vitest's 5 s default is too tight.
 * These are limits against hangs, never timing assertions.
 */
export const timeouts = { testTimeout: 60_000, hookTimeout: 60_000 } as const;
