/**
 * Interoperability with `@aeternity/aepp-sdk` 14 (tests only): txs we co-sign check out with
 * the SDK's own verification primitives, and the SDK's MemoryAccount (hash mode) plugs in.
 */
import {
  MemoryAccount,
  Tag as SdkTag,
  buildTx as sdkBuildTx,
  decode as sdkDecode,
  hash as sdkHash,
  unpackTx as sdkUnpackTx,
  verifySignature as sdkVerifySignature,
} from '@aeternity/aepp-sdk';
import { buildSignedTx, decodeSignedTx, encode, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { accountSigner, memorySigner, verifyTransaction } from '../src/index.js';
import { nodeCryptoSigner } from '../src/node.js';
import { fixtureCases, hex, toHex } from './helpers.js';
import { rfc8032Vectors } from './rfc8032.js';

const networkId = 'ae_uat';

/** aepp-sdk's `unpackTx(tx, Tag.SignedTx)`; its declared union hides the signed-tx fields. */
function sdkUnpackSigned(tx: Encoded<'tx'>): { signatures: Uint8Array[]; encodedTx: Parameters<typeof sdkBuildTx>[0] } {
  return sdkUnpackTx(tx, SdkTag.SignedTx) as unknown as { signatures: Uint8Array[]; encodedTx: Parameters<typeof sdkBuildTx>[0] };
}

/** Which of `addresses` signed `tx`, computed with aepp-sdk only (plain mode, then hash mode). */
function sdkSigners(tx: Encoded<'tx'>, net: string, addresses: readonly Encoded<'ak'>[]): { signers: string[]; extra: number } {
  const { signatures, encodedTx } = sdkUnpackSigned(tx);
  const inner = sdkDecode(sdkBuildTx(encodedTx));
  const prefix = new TextEncoder().encode(net);
  const payloads = [new Uint8Array([...prefix, ...inner]), new Uint8Array([...prefix, ...sdkHash(inner)])];
  const signers: string[] = [];
  let extra = 0;
  for (const signature of signatures) {
    const who = addresses.find((address) => !signers.includes(address) && payloads.some((p) => sdkVerifySignature(p, signature, address)));
    if (who === undefined) extra += 1;
    else signers.push(who);
  }
  return { signers, extra };
}

function unsignedSpendTx(sender: Encoded<'ak'>, recipient: Encoded<'ak'>): Encoded<'tx'> {
  const inner = sdkBuildTx({ tag: SdkTag.SpendTx, senderId: sender, recipientId: recipient, amount: 1, nonce: 1, fee: 16_660_000_000_000 });
  return buildSignedTx(sdkDecode(inner), []);
}

const first = memorySigner(hex(rfc8032Vectors[0]!.secretKey));
const second = nodeCryptoSigner(hex(rfc8032Vectors[1]!.secretKey));

describe('aepp-sdk interop', () => {
  it('memory-signed tx re-signed by a second key has both signatures, sorted; the SDK agrees it is fully signed', async () => {
    const tx = unsignedSpendTx(first.address, second.address);
    const full = await second.signTransaction(await first.signTransaction(tx, { networkId }), { networkId });
    const { signatures } = decodeSignedTx(full);
    expect(signatures).toHaveLength(2);
    expect(toHex(signatures[0]!) < toHex(signatures[1]!)).toBe(true);
    // The SDK reads the same sorted list.
    expect(sdkUnpackSigned(full).signatures.map(toHex)).toEqual(signatures.map(toHex));
    const ours = await verifyTransaction(full, { networkId, signers: [first.address, second.address] });
    const theirs = sdkSigners(full, networkId, [first.address, second.address]);
    expect(ours.valid).toBe(true);
    expect(theirs).toEqual({ signers: expect.arrayContaining([first.address, second.address]), extra: 0 });
    // Both reject it for another network.
    expect((await verifyTransaction(full, { networkId: 'ae_mainnet', signers: [first.address] })).valid).toBe(false);
    expect(sdkSigners(full, 'ae_mainnet', [first.address, second.address]).signers).toEqual([]);
  });

  it('a MemoryAccount (hash mode) and our signer co-sign; both checks agree', async () => {
    const account = new MemoryAccount(encode(hex(rfc8032Vectors[2]!.secretKey), 'sk'));
    const viaSdk = accountSigner(account);
    const tx = unsignedSpendTx(account.address, first.address);
    const full = await first.signTransaction(await viaSdk.signTransaction(tx, { networkId }), { networkId });
    const ours = await verifyTransaction(full, { networkId, signers: [account.address, first.address] });
    expect(ours.valid).toBe(true);
    expect(Object.fromEntries(ours.matches.map((m) => [m.address, m.mode]))).toEqual({ [account.address]: 'hash', [first.address]: 'plain' });
    expect(sdkSigners(full, networkId, [account.address, first.address])).toEqual({
      signers: expect.arrayContaining([account.address, first.address]),
      extra: 0,
    });
    // The SDK's own signTransaction of the bare inner tx yields the signature our adapter kept.
    const sdkSigned = await account.signTransaction(encode(decodeSignedTx(tx).innerBytes, 'tx'), { networkId });
    expect(decodeSignedTx(full).signatures.map(toHex)).toContain(toHex(decodeSignedTx(sdkSigned).signatures[0]!));
  });

  it('agrees with the SDK on recorded off-chain txs', async () => {
    let checked = 0;
    for (const { fixture, accounts } of fixtureCases().filter((f) => f.fixture.networkId === 'local_iris_testnet')) {
      for (const section of fixture.sections) {
        if (section.kind !== 'send') continue;
        const signed = (section.message as { params?: { signed_tx?: string } }).params?.signed_tx as Encoded<'tx'> | undefined;
        if (signed === undefined || decodeSignedTx(signed).tx.tag !== 57) continue;
        const both = [accounts.initiator, accounts.responder];
        const ours = await verifyTransaction(signed, { networkId: fixture.networkId, signers: both });
        const theirs = sdkSigners(signed, fixture.networkId, both);
        expect(theirs.extra).toBe(ours.extra.length);
        expect([...theirs.signers].sort()).toEqual([...ours.signers].sort());
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
