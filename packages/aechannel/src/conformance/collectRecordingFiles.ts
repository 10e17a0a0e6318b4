/**
 * Which files `aechannel conformance` checks for the paths given on its command line:
 * a file as it is, a folder recursively (every `.md` and `.txt` file below it, in sorted
 * order), and a `*` / `?` pattern in the last part of a path that the shell left
 * unexpanded. Each file keeps the path the user gave (plus the part found below a folder
 * or by a pattern), so that files of the same name in different folders stay apart in
 * the report.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** A file to check. */
export interface RecordingFile {
  /** The path as the user gave it (for a folder: the folder as given joined with the part below it). */
  path: string;
  /** The absolute path, to read it. */
  fullPath: string;
}

/** Extensions of recording files found in folders (the two fixture formats). */
const RECORDING_EXTENSIONS = ['.md', '.txt'];
/** Folders never entered: dependencies and hidden folders (version control, caches). */
const skippedFolder = (name: string): boolean => name === 'node_modules' || name.startsWith('.');
/** How deep a folder tree is followed (a bound on symlink loops and runaway trees). */
const MAX_DEPTH = 32;

function walk(display: string, full: string, depth: number, out: RecordingFile[]): void {
  if (depth > MAX_DEPTH) return;
  for (const entry of readdirSync(full, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const childFull = join(full, entry.name);
    const childDisplay = join(display, entry.name);
    const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && statSync(childFull, { throwIfNoEntry: false })?.isDirectory() === true);
    if (isDirectory) {
      if (!skippedFolder(entry.name)) walk(childDisplay, childFull, depth + 1, out);
    } else if (RECORDING_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) {
      out.push({ path: childDisplay, fullPath: childFull });
    }
  }
}

/**
 * Expands the paths given on the command line into the files to check.
 * @param paths - files, folders or patterns, relative to one of `bases`
 * @param bases - folders relative paths are tried against, in order (the first is used for
 *   a path that exists under none of them, so that reading it reports it missing)
 * @returns the files, in the order given (folders and patterns sorted)
 * @example
 * collectRecordingFiles(['recordings/'], [process.cwd()])
 * // [{ path: 'recordings/a/open.md', fullPath: '/home/me/recordings/a/open.md' }, …]
 */
export function collectRecordingFiles(paths: readonly string[], bases: readonly string[]): RecordingFile[] {
  const out: RecordingFile[] = [];
  for (const path of paths) out.push(...expandOne(path, bases));
  return out;
}

function expandOne(path: string, bases: readonly string[]): RecordingFile[] {
  for (const base of bases) {
    const full = resolve(base, path);
    if (existsSync(full)) {
      if (!statSync(full).isDirectory()) return [{ path, fullPath: full }];
      const found: RecordingFile[] = [];
      walk(path, full, 0, found);
      return found;
    }
    const name = basename(full);
    if (!/[*?]/.test(name) || !existsSync(dirname(full))) continue;
    const pattern = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const matches = readdirSync(dirname(full))
      .filter((entry) => pattern.test(entry))
      .sort()
      .map((entry) => ({ path: join(dirname(path), entry), fullPath: join(dirname(full), entry) }));
    if (matches.length > 0) return matches;
  }
  return [{ path, fullPath: resolve(bases[0] ?? '.', path) }];
}
