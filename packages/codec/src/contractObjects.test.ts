/**
 * Contract (tag 40) and contract call (tag 41) objects against the node-run vectors of
 * CONTRACTS.md §8.4: a v2 contract object (FATE_02/03) and a call object whose log entry
 * carries the raw 32-byte contract key as its address.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { encode } from './encoding.js';
import { deserializeObject, serializeObject } from './serializeObject.js';
import { Tag } from './tag.js';
import type { ContractCallV2, ContractObjectV2 } from './tx.js';

const pk = hexToBytes('29e7c148a631ac001564a1b6e1a40809c0e649e7336fa22fa6aa88f839cdbec3');
const I = encode(hexToBytes(`${'00'.repeat(31)}01`), 'ak');
const R = encode(hexToBytes(`${'00'.repeat(31)}02`), 'ak');

describe('contract objects (CONTRACTS.md §2.5, §8.4)', () => {
  it('serializes a v2 contract object with an empty code_ref', () => {
    const code = new Uint8Array(129).fill(7);
    const obj: ContractObjectV2 = {
      tag: Tag.Contract, version: 2, owner: I, ctVersion: 0x80003n, code, codeRef: [], log: new Uint8Array(0),
      active: true, referrers: [], deposit: 10n,
    };
    const bytes = serializeObject(obj);
    expect(bytesToHex(bytes)).toBe(`f8b02802a101${'00'.repeat(31)}0183080003b881${'07'.repeat(129)}c08001c00a`);
    expect(deserializeObject(bytes)).toEqual(obj);
  });

  it('serializes the emit(7) call object with its log (address = raw contract key)', () => {
    const topic0 = hexToBytes('97e94b9455ecb224f335a97b41d14f3905cae3c6bd892a3daf78048c184688a1');
    const topic1 = hexToBytes(`${'00'.repeat(31)}07`);
    const call: ContractCallV2 = {
      tag: Tag.ContractCall, version: 2, callerId: R, callerNonce: 6n, height: 6n, contractId: encode(pk, 'ct'),
      gasPrice: 1n, gasUsed: 1726n, returnValue: Uint8Array.of(0x0e), returnType: 0n,
      log: [{ address: pk, topics: [topic0, topic1], data: new TextEncoder().encode('hello') }],
    };
    const bytes = serializeObject(call);
    expect(bytesToHex(bytes)).toBe(
      `f8bd2902a101${'00'.repeat(31)}020606a105${bytesToHex(pk)}018206be0e00f86df86ba0${bytesToHex(pk)}f842a0${bytesToHex(topic0)}a0${bytesToHex(topic1)}8568656c6c6f`,
    );
    expect(deserializeObject(bytes)).toEqual(call);
  });
});
