import { isAechannelError } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { loadNodeFs as loadInBrowser } from './nodeFs.browser.js';
import { loadNodeFs as loadInNode } from './nodeFs.node.js';
import { loadNodeFs } from '#nodeFs';

describe('#nodeFs', () => {
  it('resolves to node:fs under the node condition (these tests)', async () => {
    expect(loadNodeFs).toBe(loadInNode);
    expect(typeof (await loadNodeFs()).rename).toBe('function');
  });

  it('its browser twin rejects with CHANNEL_STORE_UNAVAILABLE naming the browser alternatives', async () => {
    const error = await loadInBrowser().catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_STORE_UNAVAILABLE')).toBe(true);
    expect((error as { details: string }).details).toMatch(/createIndexedDbStore/);
  });
});
