import { describe, expect, it } from 'vitest';
import * as codec from './index.js';

// The names other packages code against (docs/architecture.md); removing one is a breaking change.
const contract = [
  'Tag', 'unpackTx', 'packTx', 'serializeObject', 'deserializeObject', 'schemas', 'schemaOf',
  'decodeSignedTx', 'buildSignedTx', 'addSignatures', 'signingPayload', 'hashSigningPayload',
  'hash', 'txHash', 'computeChannelId', 'computeContractId', 'idTag', 'encodeId', 'decodeId', 'decodeFsmId',
  'txTypeName', 'MIN_MINER_GAS_PRICE', 'PROTOCOL_MIN_GAS_PRICE', 'baseGas', 'minFee', 'fixFee',
  'splitCloseMutualFee', 'minimumDepth', 'encode', 'decode', 'parseJson', 'stringifyJson',
  'AechannelError', 'isAechannelError',
  'unwrapSignedTx', 'wrapInGaMeta', 'buildUnwrappedTx', 'addInnerSignatures', 'authId', 'gaAuthTxHash', 'authMode',
  'authenticatedBytes', 'MAX_GA_LAYERS', 'GA_AUTH_DATA_PROTOCOL', 'passesLibsodiumChecks',
];

describe('@aechannel/codec entry', () => {
  it('exports the contract names', () => {
    const exported = Object.keys(codec);
    for (const name of contract) expect(exported, name).toContain(name);
    expect(codec.Tag.ChannelOffChainUpdateTransfer).toBe(570);
    expect(codec.MIN_MINER_GAS_PRICE).toBe(1_000_000_000n);
  });
});
