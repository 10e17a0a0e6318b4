import { encode, isAechannelError, type Encoded } from '@aechannel/codec';
import type { PersistedChannel } from '@aechannel/fsm';
import { describe, expect, it } from 'vitest';
import { decodeChannelRecord, encodeChannelRecord } from './channelRecord.js';

const a = encode(new Uint8Array(32).fill(1), 'ak');
const b = encode(new Uint8Array(32).fill(2), 'ak');
const channel: PersistedChannel = {
  options: {
    role: 'initiator',
    initiatorId: a,
    responderId: b,
    initiatorAmount: 10n ** 30n,
    responderAmount: 5n,
    channelReserve: 1n,
    lockPeriod: 10n,
    port: 3333,
    host: 'localhost',
    networkId: 'ae_devnet',
    timeouts: { idle: 600_000 },
    keepRunning: true,
  },
  channelId: encode(new Uint8Array(32).fill(3), 'ch'),
  fsmId: encode(new Uint8Array(32).fill(4), 'ba'),
  latestState: encode(new Uint8Array([248, 0]), 'tx'),
  round: 7n,
  balances: { [a]: 10n ** 30n - 3n, [b]: 8n } as Record<Encoded<'ak'>, bigint>,
  onChainRound: 1n,
};

describe('channel records', () => {
  it('round-trip, keeping bigints as bigints and numbers as numbers', () => {
    const text = encodeChannelRecord({ savedAt: 1234, channel });
    const back = decodeChannelRecord(text);
    expect(back).toEqual({ savedAt: 1234, channel });
    expect(typeof back.channel.options.port).toBe('number');
    expect(typeof back.channel.round).toBe('bigint');
  });

  it('carry the ACIs of the channel\'s contracts; a record with a broken one is corrupt', () => {
    const ct = encode(new Uint8Array(32).fill(5), 'ct');
    const aci = [{ contract: { kind: 'contract_main', name: 'C', functions: [{ name: 'f', arguments: [{ name: 'x', type: { bytes: 32 } }], returns: 'int', payable: false, stateful: false }] } }];
    const text = encodeChannelRecord({ savedAt: 1, channel, acis: { [ct]: aci } });
    expect(decodeChannelRecord(text)).toEqual({ savedAt: 1, channel, acis: { [ct]: aci } });
    // No ACI: no field (records without contracts stay as they were).
    expect(encodeChannelRecord({ savedAt: 1, channel, acis: {} })).toBe(encodeChannelRecord({ savedAt: 1, channel }));
    for (const broken of [text.replace('"kind"', '"kinds"').replace('"name":"C"', '"name":7'), text.replace(ct, 'ct_nope'), text.replace('"acis":{', '"acis":[{').replace(/\}\}$/, '}]}')]) {
      let error: unknown;
      try {
        decodeChannelRecord(broken, 'k');
      } catch (e) {
        error = e;
      }
      expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT'), broken.slice(-200)).toBe(true);
    }
  });

  it('reject anything that is not a valid record with CHANNEL_STORE_CORRUPT', () => {
    const good = encodeChannelRecord({ savedAt: 1, channel });
    const bad = [
      'not json',
      '{"format":"other"}',
      good.replace('"version":{"$number":"1"}', '"version":{"$number":"2"}'),
      good.replace(channel.latestState!, 'tx_broken'),
      good.replace('"round":7', '"round":-1'),
      good.replace(channel.fsmId!, 'ba_'),
    ];
    for (const text of bad) {
      expect(text === good ? 'unchanged' : 'changed').toBe('changed');
      expect(() => decodeChannelRecord(text, 'ch_x')).toThrow(expect.objectContaining({ code: 'CHANNEL_STORE_CORRUPT' }));
    }
    // a record of a channel not created yet carries the signed create tx (issue 14)
    const early = encodeChannelRecord({ savedAt: 1, channel: { ...channel, latestState: null, round: 0n, balances: {}, onChainRound: 0n, signedCreateTx: channel.latestState! } });
    expect(decodeChannelRecord(early).channel.signedCreateTx).toBe(channel.latestState);
    expect(() => decodeChannelRecord(early.replace(channel.latestState!, 'tx_broken'))).toThrow(expect.objectContaining({ code: 'CHANNEL_STORE_CORRUPT', context: expect.objectContaining({ reason: 'invalid field signedCreateTx' }) }));
    try {
      decodeChannelRecord('{}', 'ch_key');
    } catch (error) {
      expect(isAechannelError(error, 'CHANNEL_STORE_CORRUPT')).toBe(true);
      expect((error as { context: { key: string } }).context.key).toBe('ch_key');
    }
  });
});
