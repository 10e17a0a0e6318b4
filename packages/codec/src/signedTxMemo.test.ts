import { describe, expect, it } from 'vitest';
import { decode, encode } from './encoding.js';
import { computeChannelId } from './hash.js';
import { clearIdCaches } from './id.js';
import { serializeObject } from './serializeObject.js';
import { unwrapSignedTx } from './ga.js';
import { buildSignedTx, decodeSignedTx } from './signedTx.js';
import { Tag } from './tag.js';
import { codeOf } from '../test/codeOf.js';

const inner = serializeObject({
  tag: Tag.ChannelOffChainTx,
  version: 2,
  channelId: computeChannelId('ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS', 185n, 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W'),
  round: 7n,
  stateHash: encode(new Uint8Array(32).fill(7), 'st'),
});

describe('the memo of decoded tx_ values', () => {
  it('decodeSignedTx answers a repeated tx_ with the same frozen result', () => {
    const tx = buildSignedTx(inner, [new Uint8Array(64).fill(3)]);
    const first = decodeSignedTx(tx);
    expect(decodeSignedTx(tx)).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.signatures) && Object.isFrozen(first.tx)).toBe(true);
    // a caller cannot change what the next one gets
    expect(() => (first.signatures as unknown[]).push(new Uint8Array(64))).toThrow(TypeError);
    expect(() => Object.assign(first.tx, { round: 8n })).toThrow(TypeError);
    clearIdCaches();
    const cold = decodeSignedTx(tx);
    expect(cold).not.toBe(first);
    expect(cold).toEqual(first);
  });

  it('a tx built around decoded inner bytes is remembered as built: the same result as a cold decode', () => {
    clearIdCaches();
    const unsigned = buildSignedTx(inner, []);
    const read = decodeSignedTx(unsigned);
    const built = buildSignedTx(read.innerBytes, [new Uint8Array(64).fill(9), new Uint8Array(64).fill(2)]);
    const remembered = decodeSignedTx(built);
    expect(remembered.tx).toBe(read.tx);
    expect(Object.isFrozen(remembered) && Object.isFrozen(remembered.signatures)).toBe(true);
    clearIdCaches();
    const cold = decodeSignedTx(built);
    expect(cold).not.toBe(remembered);
    expect(cold).toEqual(remembered);
  });

  it('unwrapSignedTx of a remembered plain tx answers from the memo with what a cold read gives, its arrays the caller\'s own', () => {
    const tx = buildSignedTx(inner, [new Uint8Array(64).fill(5)]);
    clearIdCaches();
    const cold = unwrapSignedTx(tx);
    const warm = unwrapSignedTx(tx);
    expect(warm).toEqual(cold);
    expect(warm.tx).toBe(decodeSignedTx(tx).tx);
    warm.signatures.push(new Uint8Array(64));
    expect(unwrapSignedTx(tx).signatures).toHaveLength(1);
  });

  it('decode hands out a copy on every call, so changing one changes no other', () => {
    const tx = buildSignedTx(inner, []);
    const a = decode(tx, 'tx');
    a.fill(0);
    const b = decode(tx, 'tx');
    expect(b.some((byte) => byte !== 0)).toBe(true);
    expect(b).not.toBe(decode(tx, 'tx'));
  });

  it('remembers only values that decoded: a bad one fails every time, and the prefix is still checked', () => {
    const tx = buildSignedTx(inner, []);
    const broken = `${tx.slice(0, -6)}${tx.slice(-6).split('').reverse().join('')}` as `tx_${string}`;
    for (let i = 0; i < 2; i++) expect(codeOf(() => decode(broken, 'tx'))).toMatch(/CODEC_INVALID_(CHECKSUM|ALPHABET)/);
    decode(tx, 'tx');
    expect(codeOf(() => decode(tx, 'ss'))).toBe('CODEC_INVALID_PREFIX');
    expect(codeOf(() => decodeSignedTx(encode(inner, 'tx')))).toBe('CODEC_NOT_A_SIGNED_TX');
    expect(codeOf(() => decodeSignedTx(encode(inner, 'tx')))).toBe('CODEC_NOT_A_SIGNED_TX');
  });
});
