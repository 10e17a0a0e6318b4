/**
 * §3.2 at the client boundary: a sign reply is accepted only with exactly the inner bytes
 * handed out and exactly the right signatures; abort codes outside 1..65535 get -32603.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildSignedTx, decodeSignedTx, type Encoded } from '@aechannel/codec';
import { memorySigner } from '@aechannel/signer';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { dataOf, describe as d, openChannel } from './helpers/testClient.js';

let devnode: Devnode | undefined;
afterEach(async () => {
  await devnode?.stop();
  devnode = undefined;
});

type Forge = (
  tx: Encoded<'tx'>,
  ctx: { own: (t: Encoded<'tx'>, networkId?: string) => Promise<Encoded<'tx'>>; third: DevnodeAccount; networkId: string },
) => Promise<Encoded<'tx'>>;

const forgeries: [string, Forge][] = [
  ['signed for another network id', (tx, c) => c.own(tx, 'ae_mainnet')],
  ['an extra signature of a third account', async (tx, c) => memorySigner(c.third.secretKey).signTransaction(await c.own(tx), { networkId: c.networkId })],
  ['the peer signature dropped', async (tx, c) => {
    const signed = decodeSignedTx(await c.own(tx));
    const mine = signed.signatures.filter((s) => !decodeSignedTx(tx).signatures.some((p) => p.every((x, i) => x === s[i])));
    return buildSignedTx(signed.innerBytes, mine);
  }],
  ['own signature twice', async (tx, c) => {
    const signed = decodeSignedTx(await c.own(tx));
    return buildSignedTx(signed.innerBytes, [...signed.signatures, ...signed.signatures.slice(-1)]);
  }],
  ['other inner bytes', async (tx, c) => {
    const { innerBytes } = decodeSignedTx(tx);
    const other = new Uint8Array([...innerBytes.slice(0, -1), (innerBytes.at(-1) as number) ^ 1]);
    return c.own(buildSignedTx(other, decodeSignedTx(tx).signatures));
  }],
];

describe('acknowledger replies that are not exactly the tx built (§3.2)', () => {
  for (const [name, forge] of forgeries) {
    it(`refuses ${name}: conflict code 1, state unchanged`, async () => {
      devnode = await startDevnode({ port: 0 });
      const [a, b, c] = devnode.accounts as [DevnodeAccount, DevnodeAccount, DevnodeAccount];
      const { initiator, responder } = await openChannel(devnode, a, b, { via: 'memory' });
      initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
      await initiator.signNext('update', false);
      const request = await responder.signRequest('update_ack');
      const networkId = devnode.networkId;
      const own = (t: Encoded<'tx'>, id = networkId) => memorySigner(b.secretKey).signTransaction(t, { networkId: id });
      const forged = await forge(request.signedTx, { own, third: c, networkId });
      responder.notify('channels.update_ack', { signed_tx: forged });
      expect(dataOf(await responder.waitMethod('channels.conflict'))).toMatchObject({ error_code: 1n, round: 1n });
      expect(dataOf(await initiator.waitMethod('channels.conflict'))).toMatchObject({ error_code: 1n, round: 1n });
      const reply = await responder.request('channels.get.offchain_state', {});
      expect(decodeSignedTx((reply['result'] as { signed_tx: Encoded<'tx'> }).signed_tx).tx).toMatchObject({ tag: 50 });
    });
  }
});

describe('abort codes (§9.6)', () => {
  it('answers -32603 for codes outside 1..65535 and non-integers, and keeps the pending op', async () => {
    devnode = await startDevnode({ port: 0 });
    const [a, b] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
    const { initiator } = await openChannel(devnode, a, b, { via: 'memory' });
    initiator.notify('channels.update.new', { from: a.address, to: b.address, amount: 1n });
    await initiator.signRequest('update');
    for (const error of [0n, -1n, 65_536n, 10n ** 30n, 1.5, '7', null]) {
      expect(d(await initiator.request('channels.update', { error }))).toBe('error -32603');
    }
    expect(d(await initiator.request('channels.update', { error: 65_535n }))).toBe('result ok');
    await initiator.waitInfo('aborted_update');
  });
});
