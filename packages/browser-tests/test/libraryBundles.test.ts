/**
 * Every library entry a web app imports bundles for the browser with no flags, and the
 * bundle holds no `node:*` module (nor any other Node builtin), no `ws` and no devnode code.
 *
 * Each entry is bundled twice with esbuild, from the packages' `dist` as an application
 * gets them (`exports` conditions `browser`/`import`/`default`; no `source`):
 *
 * 1. as an application would: bundle, platform browser, ESM, nothing else. It must succeed.
 * 2. instrumented, to name the offenders even when (1) fails: a plugin records every import
 *    of a Node builtin or `ws` (and leaves it external, so the build goes on), and the
 *    bundle's inputs show devnode modules.
 *
 * Every entry of every published package is classified below, so a new entry fails this
 * test until someone says whether a browser app may import it. Sizes are printed.
 */
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type BuildOptions, type Message, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = join(here, '..', '..');

/** Entries a browser app imports: each must bundle clean. */
const BROWSER_ENTRIES = [
  'aechannel',
  '@aechannel/codec',
  '@aechannel/signer',
  '@aechannel/signer/testing',
  '@aechannel/fsm',
  '@aechannel/transport',
  '@aechannel/fate',
  '@aechannel/transcript',
];

/** Entries for Node only, with the reason; never bundled for a browser. */
const NODE_ONLY: Record<string, string> = {
  '@aechannel/signer/node': 'the node:crypto signer backend',
  '@aechannel/transcript/fixtures': 'reads the recordings from disk',
  'aechannel/cli': 'the command-line tools: examples runner, conformance and devnode command',
  '@aechannel/devnode': 'the node simulator: a ws server on node:http',
};

/** Entries known not to bundle for the browser, with their exact offenders (none today). */
const KNOWN_FAILURES: Record<string, string[]> = {};

/** Marks the recorder's own resolve calls so it does not intercept them again. */
const RESOLVING = Symbol('resolving');

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || builtins.has(specifier) || builtins.has(specifier.split('/')[0]!);

/** The application build: no flags beyond bundle, platform and format. */
const appBuild = (entry: string): BuildOptions => ({
  stdin: { contents: `export * from '${entry}';`, resolveDir: here, loader: 'js', sourcefile: 'app.js' },
  bundle: true,
  platform: 'browser',
  format: 'esm',
  write: false,
  logLevel: 'silent',
});

interface EntryReport {
  entry: string;
  /** The files in the bundle (absolute paths). */
  inputs: string[];
  /** Errors of the application build (none for a clean entry). */
  errors: string[];
  /** Node builtins, `ws` and devnode modules the entry reaches, sorted. */
  offenders: string[];
  bytes: number;
  minifiedBytes: number;
  gzipBytes: number;
}

async function bundleEntry(entry: string): Promise<EntryReport> {
  const errors = await build(appBuild(entry)).then(
    () => [] as string[],
    (failure: { errors?: Message[] }) => (failure.errors ?? []).map((error) => `${error.location?.file ?? '?'}: ${error.text}`),
  );

  const reached = new Set<string>();
  const recorder: Plugin = {
    name: 'record-node-modules',
    setup(plugin) {
      plugin.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === RESOLVING) return undefined;
        if (args.path.startsWith('node:')) {
          reached.add(args.path);
          return { path: args.path, external: true };
        }
        if (isBuiltin(args.path)) {
          // A bare builtin name is fine when a package of that name resolves (the browser
          // `buffer` package that aepp-calldata's safe-buffer requires): a bundler uses it.
          const resolved = await plugin.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: RESOLVING });
          if (resolved.errors.length === 0 && resolved.path.includes('/node_modules/') && !resolved.external) return resolved;
          reached.add(`node:${args.path}`);
          return { path: args.path, external: true };
        }
        if (args.path === 'ws' || args.path.startsWith('ws/')) {
          reached.add('ws');
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
  const instrumented = await build({ ...appBuild(entry), metafile: true, plugins: [recorder] });
  // Metafile paths are relative to the working directory.
  const inputs = Object.keys(instrumented.metafile!.inputs).map((input) => resolve(input));
  for (const input of inputs) {
    if (input.startsWith(join(packagesDir, 'devnode') + '/') || input.includes('/node_modules/@aechannel/devnode/')) reached.add('@aechannel/devnode');
    if (/\/node_modules\/ws\//.test(input)) reached.add('ws');
  }
  const text = instrumented.outputFiles![0]!.contents;
  const minified = await build({ ...appBuild(entry), minify: true, plugins: [recorder] });
  const minifiedContents = minified.outputFiles![0]!.contents;
  return {
    entry,
    inputs,
    errors,
    offenders: [...reached].sort(),
    bytes: text.byteLength,
    minifiedBytes: minifiedContents.byteLength,
    gzipBytes: gzipSync(minifiedContents).byteLength,
  };
}

/** Every `exports` entry of every published workspace package, as an import specifier, with its package directory. */
function publishedEntries(): [specifier: string, dir: string][] {
  return readdirSync(packagesDir).flatMap((dir) => {
    let manifest: { name: string; private?: boolean; exports?: Record<string, unknown> };
    try {
      manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as typeof manifest;
    } catch {
      return [];
    }
    if (manifest.private === true) return [];
    return Object.keys(manifest.exports ?? {})
      .filter((subpath) => subpath !== './package.json')
      .map((subpath): [string, string] => [subpath === '.' ? manifest.name : `${manifest.name}${subpath.slice(1)}`, join(packagesDir, dir)]);
  });
}

const entries = publishedEntries();
const distOf = (entry: string): string => `${entries.find(([specifier]) => specifier === entry)?.[1] ?? '?'}/dist/`;
const reports: EntryReport[] = [];
afterAll(() => {
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  const lines = reports.map(
    (r) =>
      `${r.entry.padEnd(28)} ${kib(r.bytes).padStart(11)} ${kib(r.minifiedBytes).padStart(11)} ${kib(r.gzipBytes).padStart(11)}  ${
        r.offenders.length === 0 ? 'clean' : `reaches ${r.offenders.join(', ')}`
      }`,
  );
  console.log(['browser bundles (esbuild, platform browser, ESM)', `${'entry'.padEnd(28)} ${'bundle'.padStart(11)} ${'minified'.padStart(11)} ${'min+gzip'.padStart(11)}`, ...lines].join('\n'));
});

describe('library entries in a browser bundle', () => {
  it('classifies every published entry as browser or Node-only', () => {
    const classified = [...BROWSER_ENTRIES, ...Object.keys(NODE_ONLY)].sort();
    expect(entries.map(([specifier]) => specifier).sort()).toEqual(classified);
  });

  for (const entry of BROWSER_ENTRIES) {
    const known = KNOWN_FAILURES[entry];
    if (known === undefined) {
      it(`${entry} bundles with no flags and reaches no node:*, ws or devnode module`, async () => {
        const report = await bundleEntry(entry);
        reports.push(report);
        expect(report.errors).toEqual([]);
        expect(report.offenders).toEqual([]);
        // It was bundled from the package's dist, as an application gets it.
        expect(report.inputs.some((input) => input.startsWith(distOf(entry)))).toBe(true);
      });
    } else {
      it(`${entry} is the known failure: it reaches exactly the listed modules (until the CLI leaves the main entry)`, async () => {
        const report = await bundleEntry(entry);
        reports.push(report);
        expect(report.offenders).toEqual(known);
        expect(report.errors.length).toBeGreaterThan(0);
      });
    }
  }
});
