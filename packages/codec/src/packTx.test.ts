import { describe, expect, it } from 'vitest';
import { encode } from './encoding.js';
import { isAechannelError } from './errors.js';
import { packTx, unpackTx } from './packTx.js';
import { deserializeObject, serializeObject } from './serializeObject.js';
import { schemaOf } from './schema.js';
import { Tag } from './tag.js';
import type { Tx } from './tx.js';
import { codeOf } from '../test/codeOf.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
// PROTOCOL.md §12: the unsigned create tx of seed 000.
const createInner = hex(`f8823201
  a101b1cad54aca6eb950b0c23762397df0c88370b3b0eddb86e050c7f85daccf6fd6 863faa25226000
  a1015087f144c0a5fe3c2f46ea166c59a122283c9bbc7a6c7d2f58b063e62d3fc2f0 86246139ca8000
  020a00 86100b21ef1000 c0
  a0243581003d755f088930c54b5e664961dea4adbd7674e086dcd0f52475e10e0b 81b9`);
const createSigned = hex(`f8890b01c0b884${toHex(createInner)}`);

describe('unpackTx / packTx', () => {
  it('decodes the create tx vector of §12 field by field and re-encodes it byte-exact', () => {
    const tx = unpackTx(createSigned);
    expect(tx.tag).toBe(Tag.SignedTx);
    if (tx.tag !== Tag.SignedTx) return;
    expect(tx.signatures).toEqual([]);
    expect(tx.encodedTx).toEqual({
      tag: 50,
      version: 1,
      initiatorId: 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS',
      initiatorAmount: 70000000000000n,
      responderId: 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W',
      responderAmount: 40000000000000n,
      channelReserve: 2n,
      lockPeriod: 10n,
      ttl: 0n,
      fee: 17640000000000n,
      delegateIds: [],
      stateHash: encode(hex('243581003d755f088930c54b5e664961dea4adbd7674e086dcd0f52475e10e0b'), 'st'),
      nonce: 185n,
    });
    expect(toHex(serializeObject(tx))).toBe(toHex(createSigned));
    expect(toHex(serializeObject(tx.encodedTx))).toBe(toHex(createInner));
    const encoded = packTx(tx);
    expect(encoded.startsWith('tx_+IkLAcC4hP')).toBe(true);
    expect(unpackTx(encoded)).toEqual(tx);
  });

  it('rejects trailing bytes, non-minimal ints, wrong field counts, bad ids and bools', () => {
    expect(codeOf(() => deserializeObject(Uint8Array.from([...createInner, 0])))).toBe('CODEC_INVALID_RLP');
    // nonce 185 written as 00b9
    const nonMinimal = hex(toHex(createInner).replace(/81b9$/, '8200b9').replace(/^f882/, 'f883'));
    expect(codeOf(() => deserializeObject(nonMinimal))).toBe('CODEC_INVALID_FIELD');
    // ttl 0 written as the empty string
    const emptyInt = hex(toHex(createInner).replace('020a00', '020a80'));
    expect(codeOf(() => deserializeObject(emptyInt))).toBe('CODEC_INVALID_FIELD');
    const account = serializeObject({ tag: Tag.Account, version: 1, nonce: 0n, balance: 5n });
    expect(toHex(account)).toBe('c40a010005');
    expect(codeOf(() => deserializeObject(hex('c50a01000506')))).toBe('CODEC_INVALID_FIELD');
    // initiator id with the channel tag 6
    const wrongIdTag = hex(toHex(createInner).replace('a101b1ca', 'a106b1ca'));
    expect(codeOf(() => deserializeObject(wrongIdTag))).toBe('CODEC_INVALID_FIELD');
    try {
      deserializeObject(wrongIdTag);
    } catch (e) {
      expect(isAechannelError(e) && e.context).toMatchObject({ tag: 50, version: 1, field: 'initiatorId' });
    }
    // contract with active = 2
    const contract = toHex(
      serializeObject({
        tag: Tag.Contract, version: 1, owner: 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS', ctVersion: 1n,
        code: new Uint8Array(), log: new Uint8Array(), active: true, referrers: [], deposit: 0n,
      }),
    );
    expect(contract.endsWith('01808001c000')).toBe(true);
    expect(codeOf(() => deserializeObject(hex(contract.replace(/01808001c000$/, '01808002c000'))))).toBe('CODEC_INVALID_FIELD');
  });

  it('names unknown tags and versions', () => {
    const error = (() => {
      try {
        deserializeObject(hex('c3320900'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isAechannelError(error, 'CODEC_UNSUPPORTED_OBJECT') && error.context).toEqual({ tag: 50, version: 9 });
    expect(codeOf(() => packTx({ tag: 99, version: 1 } as unknown as Tx))).toBe('CODEC_UNSUPPORTED_OBJECT');
    expect(codeOf(() => unpackTx('tx_notbase64!' as `tx_${string}`))).toMatch(/^CODEC_INVALID_/);
  });
});

describe('schemaOf', () => {
  it('knows only integer tags and versions', () => {
    expect(schemaOf(Tag.ChannelCreateTx, 1)?.name).toBe('ChannelCreateTx');
    // 50 + 1/256 with version 0 must not alias tag 50 version 1
    expect(schemaOf(Tag.ChannelCreateTx + 1 / 256, 0)).toBeUndefined();
    expect(codeOf(() => packTx({ ...unpackTx(createSigned), tag: 11 + 1 / 256, version: 0 } as unknown as Tx))).toBe('CODEC_UNSUPPORTED_OBJECT');
  });
});
