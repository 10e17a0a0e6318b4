/**
 * Package conditions: a browser bundle resolves `#websocket` to the global WebSocket and
 * never contains `ws`; a Node bundle resolves it to `ws`.
 */
import { build, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

async function bundle(platform: 'browser' | 'node'): Promise<{ inputs: string[]; metafile: Metafile; text: string }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform,
    format: 'esm',
    conditions: ['source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    ...(platform === 'node' ? { external: ['ws'] } : {}),
  });
  return { inputs: Object.keys(result.metafile.inputs), metafile: result.metafile, text: result.outputFiles[0]!.text };
}

describe('#websocket conditions', () => {
  it('a browser bundle takes websocket.browser.ts and no part of ws', async () => {
    const { inputs, text } = await bundle('browser');
    expect(inputs.some((path) => path.endsWith('src/websocket.browser.ts'))).toBe(true);
    expect(inputs.some((path) => path.endsWith('src/websocket.node.ts'))).toBe(false);
    expect(inputs.filter((path) => /(^|\/)ws[@/]/.test(path))).toEqual([]);
    expect(text).not.toMatch(/from\s*["']ws["']/);
  });

  it('a Node bundle takes websocket.node.ts, which imports ws', async () => {
    const { inputs, metafile } = await bundle('node');
    const node = inputs.find((path) => path.endsWith('src/websocket.node.ts'));
    expect(node).toBeDefined();
    expect(metafile.inputs[node!]!.imports.map((i) => i.path)).toContain('ws');
    expect(inputs.some((path) => path.endsWith('src/websocket.browser.ts'))).toBe(false);
  });
});
