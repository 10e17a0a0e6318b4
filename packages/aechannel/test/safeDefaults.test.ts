/**
 * The tamperings that lax defaults let through (issue 11): a peer's close-mutual fee x1000
 * without a `maxFee`, a `withdraw_tx` whose nonce jumped by 5, a peer's tx with a huge ttl.
 * A node that lies rewrites one sign request on its way to the client (the peer colludes
 * and signs what its node built); the client must refuse it without a signature, with a
 * `security` event, and the channel must go on. The explicit options widen each default.
 */
import { isAechannelError, splitCloseMutualFee, type Encoded, type Tx } from '@aechannel/codec';
import { startDevnode, type Devnode } from '@aechannel/devnode';
import type { TestSigner } from '@aechannel/signer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenChannelOptions } from '../src/Channel.js';
import { AE } from './helpers.js';
import { openTampered, rebuild, replaceTx, type TamperedPair } from './tampering.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false, accounts: 16 });
});
afterAll(async () => {
  await devnode.stop();
});

interface Setup extends Omit<TamperedPair, 'events'> {
  security: TamperedPair['events'];
}

async function open(i: number, r: number, extra: { initiator?: Partial<OpenChannelOptions>; responder?: Partial<OpenChannelOptions> } = {}): Promise<Setup> {
  const { events, ...s } = await openTampered(devnode, i, r, { ...extra, amount: AE, keep: (e) => e.type === 'security' });
  return { ...s, security: events };
}

const signCalls = (signer: TestSigner, kind: string): number => signer.calls.filter((c) => c.context?.kind === kind).length;

function dispose(s: Setup): void {
  s.initiator.dispose();
  s.responder.dispose();
}

/** The peer's close mutual with its fee multiplied (the split recomputed, §5.5), signed by the peer. */
const closeFeeTimes = (s: Setup, factor: bigint) => (tx: Encoded<'tx'>) =>
  rebuild(
    tx,
    (inner) => {
      const close = inner as Extract<Tx, { tag: 53 }>;
      const fee = close.fee * factor;
      // the balances the node split the honest fee from
      const total = { i: close.initiatorAmountFinal + close.fee - close.fee / 2n, r: close.responderAmountFinal + close.fee / 2n };
      return { ...close, fee, ...splitCloseMutualFee(total.i, total.r, fee) } as Tx;
    },
    [s.keys.initiator],
    devnode.networkId,
    true,
  );

describe("a peer's close-mutual fee x1000 (no maxFee set)", () => {
  it('is refused: no signature, a security event, the channel stays open', async () => {
    const s = await open(0, 1);
    const rewrite = replaceTx('channels.sign.shutdown_sign_ack', 'signed_tx', closeFeeTimes(s, 1000n));
    s.tamper.responder.set(rewrite);
    const error = await s.initiator.shutdown().catch((e: unknown) => e);
    expect(rewrite.done).toBe(true);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect(signCalls(s.signers.responder, 'shutdown_sign_ack')).toBe(0);
    expect(s.security.responder).toEqual([expect.objectContaining({ tag: 'shutdown_sign_ack', reason: expect.stringMatching(/exceeds the default maxFee/) })]);
    expect(s.responder.status).toBe('open');
    s.tamper.responder.set(null);
    expect((await s.initiator.transfer(s.responderId, 1n)).round).toBe(2n);
    dispose(s);
  });

  it('is co-signed when the application widens maxFee', async () => {
    const s = await open(2, 3, { responder: { maxFee: AE / 10n } });
    s.tamper.responder.set(replaceTx('channels.sign.shutdown_sign_ack', 'signed_tx', closeFeeTimes(s, 1000n)));
    // (the node co-signed the honest tx and posts that one; what matters is that we signed)
    await s.initiator.shutdown({ timeoutMs: 2_000 }).catch(() => undefined);
    expect(signCalls(s.signers.responder, 'shutdown_sign_ack')).toBe(1);
    expect(s.security.responder).toEqual([]);
    dispose(s);
  });
});

describe("a peer's tx with a huge ttl", () => {
  const HUGE = 2n ** 62n;
  const withTtl = (s: Setup, ttl: bigint) => (tx: Encoded<'tx'>) => rebuild(tx, (inner) => ({ ...inner, ttl }) as Tx, [s.keys.initiator], devnode.networkId);

  it.each([
    ['deposit', 'channels.sign.deposit_ack', 'deposit_ack'],
    ['withdraw', 'channels.sign.withdraw_ack', 'withdraw_ack'],
  ] as const)("is refused (the peer's %s): no signature, a security event, the channel goes on", async (operation, method, tag) => {
    const s = await open(operation === 'deposit' ? 4 : 6, operation === 'deposit' ? 5 : 7);
    const rewrite = replaceTx(method, 'signed_tx', withTtl(s, HUGE));
    s.tamper.responder.set(rewrite);
    const error = await s.initiator[operation](1000n).catch((e: unknown) => e);
    expect(rewrite.done).toBe(true);
    expect(isAechannelError(error, 'CHANNEL_CONFLICT')).toBe(true);
    expect(signCalls(s.signers.responder, tag)).toBe(0);
    expect(s.security.responder).toEqual([expect.objectContaining({ tag, reason: expect.stringMatching(/ttl 4611686018427387904 exceeds maxTtl 0/) })]);
    s.tamper.responder.set(null);
    expect((await s.initiator[operation](1000n)).round).toBe(2n);
    dispose(s);
  });

  it('is co-signed when the application widens maxTtl', async () => {
    const s = await open(8, 9, { responder: { maxTtl: HUGE } });
    s.tamper.responder.set(replaceTx('channels.sign.deposit_ack', 'signed_tx', withTtl(s, HUGE)));
    await s.initiator.deposit(1000n, { timeoutMs: 2_000 }).catch(() => undefined);
    expect(signCalls(s.signers.responder, 'deposit_ack')).toBe(1);
    expect(s.security.responder).toEqual([]);
    dispose(s);
  });
});

describe('a withdraw_tx whose nonce jumped by 5', () => {
  const jump = (by: bigint) => (tx: Encoded<'tx'>) => rebuild(tx, (inner) => ({ ...inner, nonce: (inner as { nonce: bigint }).nonce + by }) as Tx, [], devnode.networkId);

  it("is refused (the initiator's own withdrawal, its create nonce known): no signature, a security event", async () => {
    const s = await open(10, 11);
    const rewrite = replaceTx('channels.sign.withdraw_tx', 'signed_tx', jump(5n));
    s.tamper.initiator.set(rewrite);
    const error = await s.initiator.withdraw(1000n).catch((e: unknown) => e);
    expect(rewrite.done).toBe(true);
    expect(isAechannelError(error, 'CHANNEL_SECURITY')).toBe(true);
    expect(signCalls(s.signers.initiator, 'withdraw_tx')).toBe(0);
    const next = devnode.chain.getAccount(s.initiatorId)!.nonce + 1n;
    expect(s.security.initiator).toEqual([expect.objectContaining({ tag: 'withdraw_tx', reason: expect.stringContaining(`nonce is ${next + 5n}, expected ${next}`) })]);
    s.tamper.initiator.set(null);
    expect((await s.initiator.withdraw(1000n)).round).toBe(2n);
    expect(devnode.chain.getAccount(s.initiatorId)!.nonce).toBe(next);
    dispose(s);
  });

  it("is refused on the responder's second withdrawal (its first one taught it its nonce)", async () => {
    const s = await open(12, 13);
    expect((await s.responder.withdraw(1000n)).round).toBe(2n);
    s.tamper.responder.set(replaceTx('channels.sign.withdraw_tx', 'signed_tx', jump(5n)));
    const error = await s.responder.withdraw(1000n).catch((e: unknown) => e);
    expect(isAechannelError(error, 'CHANNEL_SECURITY')).toBe(true);
    expect(signCalls(s.signers.responder, 'withdraw_tx')).toBe(1);
    expect(s.security.responder).toEqual([expect.objectContaining({ tag: 'withdraw_tx', reason: expect.stringMatching(/nonce is \d+, expected \d+/) })]);
    s.tamper.responder.set(null);
    expect((await s.responder.withdraw(1000n)).round).toBe(3n);
    dispose(s);
  });

  it('is signed when the application widens maxNonceGap', async () => {
    const s = await open(14, 15, { initiator: { maxNonceGap: 5n } });
    s.tamper.initiator.set(replaceTx('channels.sign.withdraw_tx', 'signed_tx', jump(5n)));
    await s.initiator.withdraw(1000n, { timeoutMs: 2_000 }).catch(() => undefined);
    expect(signCalls(s.signers.initiator, 'withdraw_tx')).toBe(1);
    expect(s.security.initiator).toEqual([]);
    dispose(s);
  });
});
