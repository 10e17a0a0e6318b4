/**
 * Where `aechannel examples` finds its scenarios. In a checkout of the repository the
 * runner reads the repository's `examples/`; an installed package has no repository around
 * it, so it reads the copies packed into the package (`scenarios/`, written by the
 * `prepack` script) and writes no transcripts unless `--transcripts` says where.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This package's folder (`src/` and `dist/` both sit right below it). */
function packageDir(): string {
  return fileURLToPath(new URL('..', import.meta.url));
}

/**
 * Whether this package is the `packages/aechannel` folder of a repository checkout (and
 * not a copy installed in some project's `node_modules`): its folder is `packages/aechannel`
 * and the repository's `examples/` sits two levels up.
 * @returns true in a checkout
 */
export function isRepositoryCheckout(): boolean {
  const here = realpathSync(packageDir());
  return basename(here) === 'aechannel' && basename(dirname(here)) === 'packages' && existsSync(join(here, '..', '..', 'examples'));
}

/** The scenarios packed into the package. */
export function shippedScenarioDir(): string {
  return fileURLToPath(new URL('../scenarios/', import.meta.url));
}

const hasOption = (args: readonly string[], name: string): boolean => args.some((arg) => arg === name || arg.startsWith(`${name}=`));

/**
 * The arguments to run the examples runner with: as given in a checkout or with `--dir`;
 * otherwise with the shipped scenarios (`--dir`) and, unless `--transcripts` or
 * `--no-transcripts` is given, `--no-transcripts` (never write into the installed package).
 * @param args - the arguments after `examples`
 * @param checkout - whether this is a repository checkout (default: {@link isRepositoryCheckout})
 * @returns the arguments for `runExamplesCommand`
 */
export function examplesArguments(args: readonly string[], checkout: boolean = isRepositoryCheckout()): string[] {
  if (checkout || hasOption(args, '--dir') || args.includes('--help') || args.includes('-h')) return [...args];
  const transcripts = hasOption(args, '--transcripts') || args.includes('--no-transcripts') ? [] : ['--no-transcripts'];
  return ['--dir', shippedScenarioDir(), ...transcripts, ...args];
}

/** What `aechannel examples --help` adds about an installed package. */
export const shippedScenariosHelp = `
Installed from a package registry (no repository around it), the default directory is the
copy of the scenarios shipped in the package, and transcripts are written only with
--transcripts PATH. Give --dir PATH to run scenarios of your own.
`;
