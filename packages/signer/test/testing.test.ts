import { decodeSignedTx } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { memorySigner, verifyTransaction } from '../src/index.js';
import { createTestSigner } from '../src/testing.js';
import { expectCode, hex, unsignedCreateTx } from './helpers.js';
import { rfc8032Vectors } from './rfc8032.js';

const inner = memorySigner(hex(rfc8032Vectors[0]!.secretKey));
const { tx, networkId } = unsignedCreateTx();
const context = { kind: 'initiator_sign', updates: [] };

describe('createTestSigner', () => {
  it('records every call with its arguments and outcome', async () => {
    const signer = createTestSigner(inner);
    expect(signer.address).toBe(inner.address);
    const signed = await signer.signTransaction(tx, { networkId, context });
    const signature = await signer.signBytes(new Uint8Array([1]));
    expect(signer.calls).toHaveLength(2);
    expect(signer.calls[0]).toMatchObject({ id: 1, method: 'signTransaction', tx, networkId, context, status: 'signed', result: signed });
    expect(signer.calls[1]).toMatchObject({ id: 2, method: 'signBytes', bytes: new Uint8Array([1]), status: 'signed', result: signature });
    expect(signer.pending).toEqual([]);
  });

  it('holds calls while paused and releases them on resume', async () => {
    const signer = createTestSigner(inner, { paused: true });
    let done = false;
    const signing = signer.signTransaction(tx, { networkId }).then((result) => {
      done = true;
      return result;
    });
    const call = await signer.waitForCall();
    expect(call.status).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(done).toBe(false);
    expect(signer.pending).toHaveLength(1);
    signer.resume();
    const signed = await signing;
    expect((await verifyTransaction(signed, { networkId, signers: [inner.address] })).valid).toBe(true);
    expect(signer.calls[0]?.status).toBe('signed');
    signer.pause();
    expect(signer.paused).toBe(true);
  });

  it('refuses with SIGNER_REFUSED carrying the abort code, a limited number of times or by predicate', async () => {
    const signer = createTestSigner(inner, { refuse: { abortCode: 147, times: 1 } });
    const error = await expectCode(signer.signTransaction(tx, { networkId }), 'SIGNER_REFUSED');
    expect(error.context).toEqual({ abortCode: 147 });
    expect(signer.calls[0]?.status).toBe('refused');
    // times: 1 used up: the next call signs.
    expect(decodeSignedTx(await signer.signTransaction(tx, { networkId })).signatures).toHaveLength(1);
    signer.refuse({ when: (call) => call.context?.kind === 'shutdown_sign_ack' });
    await expect(signer.signTransaction(tx, { networkId, context })).resolves.toMatch(/^tx_/);
    await expectCode(signer.signTransaction(tx, { networkId, context: { kind: 'shutdown_sign_ack', updates: [] } }), 'SIGNER_REFUSED');
    signer.accept();
    await expect(signer.signTransaction(tx, { networkId, context: { kind: 'shutdown_sign_ack', updates: [] } })).resolves.toMatch(/^tx_/);
  });

  it('a refusal set while paused applies when resumed', async () => {
    const signer = createTestSigner(inner, { paused: true });
    const signing = signer.signBytes(new Uint8Array(2));
    await signer.waitForCall((call) => call.method === 'signBytes');
    signer.refuse();
    signer.resume();
    await expectCode(signing, 'SIGNER_REFUSED');
  });

  it('delays each call, and aborts a delayed or paused call', async () => {
    const signer = createTestSigner(inner, { delayMs: 20 });
    let settled = false;
    const signing = signer.signBytes(new Uint8Array(1)).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(settled).toBe(false);
    await signing;
    const controller = new AbortController();
    const aborted = signer.signBytes(new Uint8Array(1), { signal: controller.signal });
    controller.abort();
    await expectCode(aborted, 'SIGNER_ABORTED');
    signer.delay(0);
    signer.pause();
    const controller2 = new AbortController();
    const pausedCall = signer.signTransaction(tx, { networkId, signal: controller2.signal });
    await signer.waitForCall((call) => call.id === 3);
    controller2.abort();
    await expectCode(pausedCall, 'SIGNER_ABORTED');
    expect(signer.calls.map((call) => call.status)).toEqual(['signed', 'aborted', 'aborted']);
    await expectCode(() => signer.delay(-1), 'SIGNER_INVALID_ARGUMENT');
  });

  it('passes errors of the inner signer through and reset() clears everything', async () => {
    const signer = createTestSigner(inner, { paused: true, refuse: {} });
    signer.reset();
    await expectCode(signer.signTransaction(tx, { networkId: '' }), 'SIGNER_INVALID_NETWORK_ID');
    expect(signer.calls[0]?.status).toBe('failed');
    signer.reset();
    expect(signer.calls).toEqual([]);
    expect(signer.paused).toBe(false);
  });
});
