import { describe, expect, it } from 'vitest';
import { encode } from '@aechannel/codec';
import { parseChannelParams } from './params.js';

const a = encode(new Uint8Array(32).fill(1), 'ak');
const b = encode(new Uint8Array(32).fill(2), 'ak');
const base = {
  protocol: 'json-rpc',
  role: 'responder',
  initiator_id: a,
  responder_id: b,
  initiator_amount: '10',
  responder_amount: '10',
  push_amount: '1',
  channel_reserve: '2',
  lock_period: '10',
  port: '1234',
};
const parse = (extra: Record<string, string | undefined>) => {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...base, ...extra })) if (v !== undefined) query.set(k, v);
  return parseChannelParams(query);
};

describe('parseChannelParams (§6.2–§6.4)', () => {
  it('reads an open with defaults', () => {
    const result = parse({});
    expect(result.outcome).toBe('params');
    if (result.outcome !== 'params' || result.params.kind !== 'open') throw new Error('open expected');
    expect(result.params).toMatchObject({ role: 'responder', port: 1234n, pushAmount: 1n, keepRunning: true, logKeep: 10n });
    expect(result.params.report).toMatchObject({ info: true, debug: false });
  });

  it('lets a responder accept any initiator, not an initiator', () => {
    expect(parse({ initiator_id: 'any' }).outcome).toBe('params');
    expect(parse({ initiator_id: 'any', role: 'initiator', host: 'h' }).outcome).toBe('silent-close');
  });

  it.each([
    ['missing protocol', { protocol: undefined }],
    ['bad role', { role: 'both' }],
    ['ill-typed amount', { initiator_amount: '1.5' }],
    ['broken account', { responder_id: 'ak_1' }],
    ['bad boolean', { report_info: 'yes' }],
    ['bad strategy', { minimum_depth_strategy: 'fast' }],
    ['initiator without host', { role: 'initiator' }],
    ['broken channel id', { existing_channel_id: 'ch_zz', existing_fsm_id: 'ba_x' }],
  ])('closes silently on %s', (_name, extra) => {
    expect(parse(extra).outcome).toBe('silent-close');
  });

  it.each([
    [{ channel_reserve: '-1' }, 105],
    [{ push_amount: '-1' }, 105],
    [{ initiator_amount: '2', push_amount: '1' }, 105],
    [{ existing_channel_id: encode(new Uint8Array(32), 'ch') }, 2000],
    [{ existing_channel_id: encode(new Uint8Array(32), 'ch'), existing_fsm_id: 'Invalid' }, 1016],
    [{ existing_channel_id: encode(new Uint8Array(32), 'ch'), existing_fsm_id: encode(new Uint8Array(8), 'ba') }, 1016],
  ])('answers %o with data code %i', (extra, code) => {
    const result = parse(extra);
    expect(result.outcome).toBe('error');
    if (result.outcome === 'error') expect(result.error.data?.[0]?.code).toBe(code);
  });

  it.each([
    ['port 0', { port: '0' }, { code: -32603 }],
    ['port 65536', { port: '65536' }, { code: -32603 }],
    ['a negative port', { port: '-1' }, { code: -32603 }],
    ['a negative port on reconnect', { port: '-1', existing_channel_id: encode(new Uint8Array(32), 'ch'), existing_fsm_id: encode(new Uint8Array(32), 'ba') }, { code: -32603 }],
    ['initiator_id == responder_id', { responder_id: a }, { code: 3, data: 1003 }],
    ['a negative ttl', { ttl: '-1' }, { code: 3, data: 105 }],
    ['a negative ttl on reconnect', { ttl: '-5', existing_channel_id: encode(new Uint8Array(32), 'ch'), existing_fsm_id: encode(new Uint8Array(32), 'ba') }, { code: 3, data: 105 }],
    ['a negative fee', { fee: '-1' }, { code: 3, data: 105 }],
    ['a negative gas_price', { gas_price: '-1000000000' }, { code: 3, data: 105 }],
    ['a negative nonce', { nonce: '-2' }, { code: 3, data: 105 }],
  ])('refuses %s with the node\'s open-time error', (_name, extra, expected) => {
    const result = parse(extra);
    expect(result.outcome).toBe('error');
    if (result.outcome !== 'error') return;
    expect(result.error.code).toBe(expected.code);
    if ('data' in expected) expect(result.error.data?.map((d) => d.code)).toEqual([expected.data]);
    else expect(result.error.data).toBeUndefined();
  });

  it('accepts ports 1 and 65535 and zero ttl, fee, gas_price and nonce', () => {
    expect(parse({ port: '1' }).outcome).toBe('params');
    expect(parse({ port: '65535', ttl: '0', fee: '0', gas_price: '0', nonce: '0' }).outcome).toBe('params');
  });

  it('falls back to the block-hash window defaults on a bad window (§10.3)', () => {
    const result = parse({ bh_delta_not_newer_than: '5', bh_delta_not_older_than: '2' });
    if (result.outcome !== 'params') throw new Error('params expected');
    expect([result.params.bhDeltaNotNewerThan, result.params.bhDeltaNotOlderThan, result.params.bhDeltaPick]).toEqual([0n, 10n, 0n]);
  });
});
