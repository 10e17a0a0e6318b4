/**
 * The ACI helpers on a compiled contract (test/aci/counter.aes, compiled by aesophia_cli
 * 8.0.0): calldata from the ACI runs the contract, results, reverts and events decode.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode, isAechannelError, Tag, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { decodeCallResult, decodeEvent, encodeCallData, type Aci } from './aci.js';
import { applyUpdate, createdContractId } from './channel.js';
import { treesFromBalances } from './trees.js';
import { errorOf } from '../test/errorOf.js';

const dir = (f: string) => fileURLToPath(new URL(`../test/aci/${f}`, import.meta.url));
const aci = JSON.parse(readFileSync(dir('counter.aci.json'), 'utf8')) as Aci;
const code = decode(readFileSync(dir('counter.cb'), 'utf8').trim(), 'cb');
const I = 'ak_11111111111111111111111111111118qjnEr' as Encoded<'ak'>;
const R = 'ak_1111111111111111111111111111111Hrt6FG' as Encoded<'ak'>;

describe('ACI helpers', () => {
  const trees0 = treesFromBalances({ [I]: 1_000_000n, [R]: 1_000_000n });
  const created = applyUpdate(trees0, {
    tag: Tag.ChannelOffChainUpdateCreateContract, version: 1, owner: I, ctVersion: 0x80003n, code, deposit: 0n,
    callData: encodeCallData(aci, 'Counter', 'init', [5]),
  }, { round: 2n, reserve: 0n });
  const ct = createdContractId(I, 2n);
  const call = (fn: string, args: unknown[], round: bigint) =>
    applyUpdate(created.trees, {
      tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: R, contract: ct, abiVersion: 3n, amount: 0n, gas: 1_000_000n,
      gasPrice: 1n, callData: encodeCallData(aci, 'Counter', fn, args), callStack: [],
    }, { round, reserve: 0n }).calls[0]!;

  it('encodes init calldata that creates the contract', () => {
    expect(created.calls[0]!.returnType).toBe('ok');
  });

  it('decodes an ok result, with the event the call emitted', () => {
    const c = call('tick', [3], 3n);
    expect(decodeCallResult(aci, 'Counter', 'tick', c)).toEqual({ type: 'ok', value: 8n });
    expect(c.log).toHaveLength(1);
    expect(decodeEvent(aci, 'Counter', c.log[0]!)).toEqual({ Ticked: [8n, 'tick'] });
  });

  it('decodes tuples and addresses', () => {
    expect(decodeCallResult(aci, 'Counter', 'get', call('get', [], 3n))).toEqual({ type: 'ok', value: [5n, I] });
  });

  it('decodes a revert message', () => {
    expect(decodeCallResult(aci, 'Counter', 'tick', call('tick', [0], 3n))).toEqual({ type: 'revert', message: 'by must be positive' });
  });

  it('refuses arguments that do not fit the ACI with a typed error', () => {
    const err = errorOf(() => encodeCallData(aci, 'Counter', 'tick', ['not an int']));
    expect(isAechannelError(err, 'FATE_INVALID_ARGUMENT')).toBe(true);
  });
});
