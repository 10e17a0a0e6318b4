import { describe, expect, it } from 'vitest';
import { decode, encode } from './encoding.js';
import { computeChannelId, computeContractId, hash } from './hash.js';
import { decodeId, encodeId, idPrefix, idTag } from './id.js';
import { txTypeName } from './txTypeName.js';
import { Tag } from './tag.js';
import { codeOf } from '../test/codeOf.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const initiator = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
const responder = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W';
describe('hashes and ids (§4)', () => {
  it('blake2b-256 of the empty string', () => {
    expect(Buffer.from(hash(new Uint8Array())).toString('hex')).toBe('0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  });

  it('channel id: 32-byte big-endian nonce between the two keys', () => {
    const input = new Uint8Array(96);
    input.set(decode(initiator, 'ak'));
    input[63] = 0xb9;
    input.set(decode(responder, 'ak'), 64);
    expect(computeChannelId(initiator, 185n, responder)).toBe(encode(hash(input), 'ch'));
    expect(decode(computeChannelId(initiator, 185n, responder), 'ch')).toEqual(hex('0f38990d561c6b0555d91738f78cc2b33554c8e56492c52349febedcdcc49897'));
    expect(codeOf(() => computeChannelId(initiator, -1n, responder))).toBe('CODEC_INVALID_FIELD');
  });

  it('contract id: owner ++ minimal big-endian round (0 is 00)', () => {
    const owner = decode(initiator, 'ak');
    expect(computeContractId(initiator, 0n)).toBe(encode(hash(Uint8Array.of(...owner, 0)), 'ct'));
    expect(computeContractId(initiator, 258n)).toBe(encode(hash(Uint8Array.of(...owner, 1, 2)), 'ct'));
  });

  it('ids are tag ++ 32 bytes with the prefix of the tag', () => {
    const ch = computeChannelId(initiator, 185n, responder);
    expect(encodeId(initiator)).toEqual(hex('01b1cad54aca6eb950b0c23762397df0c88370b3b0eddb86e050c7f85daccf6fd6'));
    expect(encodeId(ch)[0]).toBe(6);
    expect(decodeId(encodeId(ch))).toBe(ch);
    expect(idTag('ct')).toBe(5);
    expect(idPrefix(4)).toBe('ok');
    expect(codeOf(() => decodeId(Uint8Array.of(7, ...new Uint8Array(32))))).toBe('CODEC_INVALID_ID');
    expect(codeOf(() => decodeId(new Uint8Array(32)))).toBe('CODEC_INVALID_ID');
    expect(codeOf(() => decodeId(encodeId(ch), ['ak']))).toBe('CODEC_INVALID_ID');
    expect(codeOf(() => encodeId(ch, ['ak']))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => encodeId('th_11111111111111111111111111111111273Yts' as never))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => idTag('tx'))).toBe('CODEC_INVALID_ID');
  });

  it('names transaction types as the node does (§8.3)', () => {
    expect(txTypeName(Tag.ChannelCreateTx)).toBe('channel_create_tx');
    expect(txTypeName(Tag.ChannelOffChainTx)).toBe('channel_offchain_tx');
    expect(txTypeName(Tag.ChannelSnapshotSoloTx)).toBe('channel_snapshot_solo_tx');
    expect(codeOf(() => txTypeName(Tag.Account))).toBe('CODEC_UNSUPPORTED_OBJECT');
  });
});

describe('wrong-typed arguments give typed errors', () => {
  it('encode, hash, decodeId', () => {
    expect(codeOf(() => encode(undefined as unknown as Uint8Array, 'ak'))).toBe('CODEC_INVALID_LENGTH');
    expect(codeOf(() => encode(new Uint8Array(32), 'zz' as 'ak'))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => hash(1n as unknown as Uint8Array))).toBe('CODEC_INVALID_FIELD');
    expect(codeOf(() => decodeId(null as unknown as Uint8Array))).toBe('CODEC_INVALID_ID');
  });
});
