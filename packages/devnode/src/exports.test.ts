import { expect, it } from 'vitest';
import * as devnode from './index.js';

it('exports exactly the public API', () => {
  expect(Object.keys(devnode).sort()).toMatchInlineSnapshot(`
    [
      "DevnodeError",
      "compatPresets",
      "createManualClock",
      "deriveAccount",
      "devnodeUsage",
      "devnodeVersion",
      "parseChannelParams",
      "resolveCompat",
      "runDevnodeCli",
      "startDevnode",
      "systemClock",
    ]
  `);
});
