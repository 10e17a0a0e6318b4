/**
 * The test vectors of PROTOCOL.md §12 and the worked fee checks of §5.4, rebuilt from
 * their fields and compared with the recorded bytes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  computeChannelId,
  decodeSignedTx,
  encode,
  fixFee,
  isAechannelError,
  minFee,
  serializeObject,
  splitCloseMutualFee,
  Tag,
  type ChannelCloseMutualTx,
  type ChannelCloseSoloTx,
  type ChannelCreateTxV1,
  type ChannelDepositTx,
  type ChannelForceProgressTx,
  type ChannelOffChainTxV2,
  type ChannelWithdrawTx,
  type Encoded,
} from '@aechannel/codec';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fixture = (name: string): string =>
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../transcript/fixtures', name), 'utf8');
const innerTxs = (text: string): Uint8Array[] =>
  [...new Set(text.match(/tx_[A-Za-z0-9+/=%]+/g) ?? [])].map((tx) => decodeSignedTx(decodeURIComponent(tx) as Encoded<'tx'>).innerBytes);

const initiator000 = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
const responder000 = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W';
const st = (h: string): Encoded<'st'> => encode(hex(h), 'st');

const create000: ChannelCreateTxV1 = {
  tag: Tag.ChannelCreateTx,
  version: 1,
  initiatorId: initiator000,
  initiatorAmount: 70000000000000n,
  responderId: responder000,
  responderAmount: 40000000000000n,
  channelReserve: 2n,
  lockPeriod: 10n,
  ttl: 0n,
  fee: 0n,
  delegateIds: [],
  stateHash: st('243581003d755f088930c54b5e664961dea4adbd7674e086dcd0f52475e10e0b'),
  nonce: 185n,
};

describe('§12 test vectors', () => {
  it('channel id of seed 000', () => {
    const id = computeChannelId(initiator000, 185n, responder000);
    expect(id).toBe('ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1');
    expect(computeChannelId(initiator000, 186n, responder000)).not.toBe(id);
    expect(computeChannelId(responder000, 185n, initiator000)).not.toBe(id);
  });

  it('create tx of seed 000: fee fix-point from fee 0 (126 -> 132 bytes) and the exact bytes', () => {
    expect(toHex(serializeObject(create000))).toHaveLength(126 * 2);
    const fixed = fixFee(create000);
    expect(fixed.fee).toBe(17640000000000n);
    expect(toHex(serializeObject(fixed))).toBe(
      'f8823201a101b1cad54aca6eb950b0c23762397df0c88370b3b0eddb86e050c7f85daccf6fd6863faa25226000a1015087f144c0a5fe3c2f46ea166c59a122283c9bbc7a6c7d2f58b063e62d3fc2f086246139ca8000020a0086100b21ef1000c0a0243581003d755f088930c54b5e664961dea4adbd7674e086dcd0f52475e10e0b81b9',
    );
    // Seeds 002/004: a one-byte nonce makes the tx one byte shorter.
    expect(fixFee({ ...create000, nonce: 5n }).fee).toBe(17620000000000n);
  });

  it('withdraw by the initiator of seed 000 (117 bytes) matches the recording', () => {
    const withdraw: ChannelWithdrawTx = {
      tag: Tag.ChannelWithdrawTx,
      version: 1,
      channelId: computeChannelId(initiator000, 185n, responder000),
      toId: initiator000,
      amount: 2n,
      ttl: 0n,
      fee: 0n,
      stateHash: st('fa688c91a74ab89e362929437b12813c7464b5c0a1b18ad848627ea8a8cdd822'),
      round: 2n,
      nonce: 186n,
    };
    const fixed = fixFee(withdraw);
    expect(fixed.fee).toBe(17340000000000n);
    const bytes = serializeObject(fixed);
    expect(bytes).toHaveLength(117);
    expect(innerTxs(fixture('abort_withdraw.md')).map(toHex)).toContain(toHex(bytes));
  });

  it('close mutual of seed 004: fee on the full-balance draft, split, exact bytes', () => {
    const text = fixture('client_reconnect_responder.txt');
    const channelId = text.match(/ch_[1-9A-HJ-NP-Za-km-z]+/)?.[0] as Encoded<'ch'>;
    const responder = text.match(/responder_id=(ak_[1-9A-HJ-NP-Za-km-z]+)/)?.[1] as Encoded<'ak'>;
    const I = 69999999999998n;
    const R = 40000000000002n;
    const draft: ChannelCloseMutualTx = {
      tag: Tag.ChannelCloseMutualTx,
      version: 1,
      channelId,
      fromId: responder,
      initiatorAmountFinal: I,
      responderAmountFinal: R,
      ttl: 0n,
      fee: 0n,
      nonce: 1n,
    };
    const { fee } = fixFee(draft);
    expect(fee).toBe(16900000000000n);
    const finals = splitCloseMutualFee(I, R, fee);
    expect(finals).toEqual({ initiatorAmountFinal: 61549999999998n, responderAmountFinal: 31550000000002n });
    const bytes = serializeObject({ ...draft, ...finals, fee });
    expect(bytes).toHaveLength(95);
    expect(innerTxs(text).map(toHex)).toContain(toHex(bytes));
  });

  it('off-chain tx of seed 004, round 2 (72 bytes)', () => {
    const text = fixture('client_reconnect_responder.txt');
    const channelId = text.match(/ch_[1-9A-HJ-NP-Za-km-z]+/)?.[0] as Encoded<'ch'>;
    const offChain: ChannelOffChainTxV2 = {
      tag: Tag.ChannelOffChainTx,
      version: 2,
      channelId,
      round: 2n,
      stateHash: st('aa80fb033e8f3ed7a58563d7121250f5fcb8726b4576249fb4eb3f58a7e194c2'),
    };
    const bytes = serializeObject(offChain);
    expect(bytes).toHaveLength(72);
    expect(innerTxs(text).map(toHex)).toContain(toHex(bytes));
    expect(minFee(offChain)).toBe(0n);
  });
});

describe('§5.4 worked fee checks', () => {
  const channelId = computeChannelId(initiator000, 185n, responder000);
  const deposit: ChannelDepositTx = {
    tag: Tag.ChannelDepositTx,
    version: 1,
    channelId,
    fromId: initiator000,
    amount: 2n,
    ttl: 0n,
    fee: 0n,
    stateHash: st('fa688c91a74ab89e362929437b12813c7464b5c0a1b18ad848627ea8a8cdd822'),
    round: 2n,
    nonce: 186n,
  };

  it('gas_price only: create with gas_price 1000001234', () => {
    expect(fixFee({ ...create000, nonce: 5n }, { gasPrice: 1000001234n }).fee).toBe(17620021743080n);
  });

  it('fee and gas_price: the larger wins (deposit fee=1, gas_price=1000001234)', () => {
    expect(fixFee(deposit, { fee: 1n, gasPrice: 1000001234n }).fee).toBe(17340021397560n);
    expect(fixFee(deposit, { fee: 246913579753086n, gasPrice: 1_000_000_000n }).fee).toBe(246913579753086n);
  });

  it('fee only: used verbatim unless below fee_gas * 1e6 (a 5-byte fee makes the deposit 116 bytes)', () => {
    expect(fixFee(deposit, { fee: 17320000000n }).fee).toBe(17320000000n);
    let error: unknown;
    try {
      fixFee(deposit, { fee: 17319999999n });
    } catch (e) {
      error = e;
    }
    expect(isAechannelError(error, 'CODEC_FEE_TOO_LOW')).toBe(true);
  });

  it('close solo and force progress use their base gas with the inner size', () => {
    const closeSolo: ChannelCloseSoloTx = {
      tag: Tag.ChannelCloseSoloTx,
      version: 1,
      channelId,
      fromId: initiator000,
      payload: new Uint8Array(),
      poi: new Uint8Array(300),
      ttl: 0n,
      fee: 23360000000000n,
      nonce: 3n,
    };
    const size = BigInt(serializeObject(closeSolo).length);
    expect(minFee(closeSolo)).toBe((15000n + 20n * size) * 1_000_000_000n);
    const forceProgress: ChannelForceProgressTx = {
      tag: Tag.ChannelForceProgressTx,
      version: 1,
      channelId,
      fromId: initiator000,
      payload: new Uint8Array(),
      round: 3n,
      update: new Uint8Array(40),
      stateHash: deposit.stateHash,
      offChainTrees: new Uint8Array(100),
      ttl: 0n,
      fee: 0n,
      nonce: 4n,
    };
    const fixed = fixFee(forceProgress, { gasPrice: 1000001001n });
    expect(fixed.fee).toBe((450000n + 20n * BigInt(serializeObject(fixed).length)) * 1000001001n);
  });
});
