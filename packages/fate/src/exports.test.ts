import { describe, expect, it } from 'vitest';
import * as fate from './index.js';

describe('@aechannel/fate entry', () => {
  it('exports these names', () => {
    expect(Object.keys(fate).sort()).toMatchInlineSnapshot(`
      [
        "FateError",
        "applyUpdate",
        "applyUpdates",
        "attachGaContract",
        "callId",
        "callKey",
        "callObjectToJson",
        "contractToJson",
        "createdContractId",
        "decodeCallResult",
        "decodeEvent",
        "deserializeValue",
        "dryRun",
        "emptyChain",
        "emptyTrees",
        "encodeCallData",
        "fateRulesPresets",
        "getContractJson",
        "packCtVersion",
        "packTrees",
        "resolveRules",
        "runGaAuth",
        "serializeCallObject",
        "serializeValue",
        "stateHash",
        "treesBalances",
        "treesFromBalances",
        "treesFromStateTrees",
        "treesToStateTrees",
        "withContractStore",
      ]
    `);
  });
});
