/**
 * vitest global setup: compiles the workspace packages to `dist` (`tsc -b`, incremental:
 * about a second when nothing changed), because the page and the entry bundles resolve the
 * packages as an application does, through the `default` condition of their `exports`.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const solution = fileURLToPath(new URL('../../../tsconfig.json', import.meta.url));
  execFileSync(process.execPath, [tsc, '-b', solution], { stdio: 'inherit' });
}
