/**
 * The harness of the browser suite: bundles the page (`page/app.ts`) with esbuild for the
 * browser with no flags beyond entry and output, serves it over HTTP on 127.0.0.1 (a
 * secure context: WebCrypto and IndexedDB work as on any https origin), and drives it in
 * Debian's headless Chromium through playwright-core. Nothing downloads a browser: the
 * executable is `/usr/bin/chromium` (or `AECHANNEL_CHROMIUM`), and a missing one fails the
 * suite with the command that installs it.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { PageResult } from '../page/app.js';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = process.env['AECHANNEL_CHROMIUM'] ?? '/usr/bin/chromium';

/** The flags Chromium runs with (Playwright adds its pipe and a fresh `--user-data-dir`). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The app page's entry. */
export const APP_ENTRY = fileURLToPath(new URL('../page/app.ts', import.meta.url));

/** The shape of a page's `window.app`: each call answers with a `PageResult`. */
export type PageApi = Record<string, (...args: never[]) => Promise<PageResult<unknown>>>;
type Value<R> = Awaited<R> extends PageResult<infer T> ? T : never;

/**
 * Fails with how to install Chromium when it is missing: the suite never skips.
 * @throws Error naming the path and the install command
 */
export function assertChromiumInstalled(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The browser tests need Debian's chromium package: ` +
        'run `apt-get install -y chromium` as root (`.ci/run` does this when `command -v chromium` fails), ' +
        'or point AECHANNEL_CHROMIUM at a Chromium executable. Nothing here downloads a browser.',
    );
  }
}

/**
 * Bundles a browser entry with esbuild: bundle, platform browser, entry and output only.
 * Workspace packages resolve through their `exports` as in an application (their `dist`).
 * @param entry - the entry file
 * @param outfile - where the bundle goes
 */
export async function bundleForBrowser(entry: string, outfile: string): Promise<void> {
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'browser' });
}

/** A running browser with the page served and loaded. */
export interface BrowserHarness<App extends PageApi> {
  page: Page;
  context: BrowserContext;
  /** The page's origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  /** Calls `window.app[name](...args)` in the page; throws with the page's error code when it failed. */
  call<K extends keyof App>(name: K, ...args: Parameters<App[K]>): Promise<Value<ReturnType<App[K]>>>;
  /** Calls it and returns the page's result as is (for calls expected to fail). */
  result<K extends keyof App>(name: K, ...args: Parameters<App[K]>): Promise<Awaited<ReturnType<App[K]>>>;
  /** Reloads the page and waits until the app is ready again. */
  reload(): Promise<void>;
  /** Everything the page printed to its console (for failure messages). */
  console: string[];
  close(): Promise<void>;
}

/**
 * Bundles a page, serves it and opens it in headless Chromium with a fresh profile.
 * @param entry - the page's entry file (it sets `window.app`)
 * @returns the harness
 */
export async function startBrowser<App extends PageApi>(entry: string): Promise<BrowserHarness<App>> {
  assertChromiumInstalled();
  const workDir = await mkdtemp(join(tmpdir(), 'aechannel-browser-'));
  const bundle = join(workDir, 'app.js');
  await bundleForBrowser(entry, bundle);
  const script = await readFile(bundle);
  const html = '<!doctype html><meta charset="utf-8"><title>aechannel page</title><script src="/app.js"></script>';
  const server: Server = createServer((request, response) => {
    if (request.url === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      response.end(script);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(html);
    } else if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 60_000,
    });
  } catch (error) {
    server.close();
    await rm(workDir, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines: string[] = [];
  page.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  const ready = async (): Promise<void> => {
    await page.waitForFunction(() => (globalThis as { app?: unknown }).app !== undefined, undefined, { timeout: 30_000 });
  };
  await page.goto(`${origin}/`);
  await ready();

  const result = (async (name: string, ...args: unknown[]) =>
    page.evaluate(
      ([method, params]) => ((globalThis as unknown as { app: Record<string, (...a: unknown[]) => unknown> }).app[method as string]!(...(params as unknown[])) as Promise<unknown>),
      [name, args] as const,
    )) as BrowserHarness<App>['result'];
  const call = (async (name: string, ...args: unknown[]) => {
    const outcome = await (result as unknown as (n: string, ...a: unknown[]) => Promise<PageResult<unknown>>)(name, ...args);
    if (!outcome.ok) throw new Error(`page app.${name} failed: ${outcome.code}: ${outcome.message}\n${consoleLines.slice(-20).join('\n')}`);
    return outcome.value;
  }) as BrowserHarness<App>['call'];

  return {
    page,
    context,
    origin,
    call,
    result,
    console: consoleLines,
    async reload() {
      await page.reload();
      await ready();
    },
    async close() {
      await context.close().catch(() => {});
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
