import { buildSignedTx, decode, decodeSignedTx, encode, hashSigningPayload, signingPayload, type Encoded } from '@aechannel/codec';
import { describe, expect, it, vi } from 'vitest';
import {
  accountSigner,
  callbackSigner,
  createSigner,
  createSignerRefusedError,
  isCheckedSigner,
  memorySigner,
  verifyTransaction,
  type CallbackSignerRequest,
  type SigningAccount,
} from '../src/index.js';
import { expectCode, hex, otherInnerBytes, unsignedCreateTx } from './helpers.js';
import { rfc8032Vectors } from './rfc8032.js';

const key = memorySigner(hex(rfc8032Vectors[0]!.secretKey));
const other = memorySigner(hex(rfc8032Vectors[1]!.secretKey));
const { tx, networkId } = unsignedCreateTx();
const { innerBytes } = decodeSignedTx(tx);

describe('callbackSigner', () => {
  it('passes tx, inner bytes, payload, network id, context and signal to the callback', async () => {
    const fn = vi.fn((request: CallbackSignerRequest) => key.signBytes(request.message));
    const signer = callbackSigner(key.address, fn);
    const controller = new AbortController();
    const context = { kind: 'update_ack', updates: [{ op: 'OffChainTransfer' }] };
    await signer.signTransaction(tx, { networkId, context, signal: controller.signal });
    const request = fn.mock.calls[0]![0];
    expect(request).toMatchObject({ type: 'transaction', tx, networkId, context, signal: controller.signal });
    expect(request.type === 'transaction' && request.innerBytes).toEqual(innerBytes);
    expect(new TextDecoder().decode(request.message.subarray(0, networkId.length))).toBe(networkId);
  });

  it('accepts a hash-mode signature or an sg_ string', async () => {
    const hashed = callbackSigner(key.address, () => key.signBytes(hashSigningPayload(innerBytes, networkId)));
    const signed = await hashed.signTransaction(tx, { networkId });
    expect((await verifyTransaction(signed, { networkId, signers: [key.address] })).matches[0]?.mode).toBe('hash');
    const sg = callbackSigner(key.address, async (r) => encode(await key.signBytes(r.message), 'sg'));
    expect((await verifyTransaction(await sg.signTransaction(tx, { networkId }), { networkId, signers: [key.address] })).valid).toBe(true);
  });

  it('hands the callback its own copy of the inner bytes: a callback that edits them signs nothing and changes no later decode', async () => {
    const before = decodeSignedTx(tx).innerBytes.slice();
    const editing = callbackSigner(key.address, (r) => {
      if (r.type !== 'transaction') throw new Error('expected a transaction');
      r.innerBytes[r.innerBytes.length - 40]! ^= 0xff;
      return key.signBytes(signingPayload(r.innerBytes, networkId));
    });
    await expectCode(editing.signTransaction(tx, { networkId }), 'SIGNER_INVALID_SIGNATURE');
    expect(decodeSignedTx(tx).innerBytes).toEqual(before);
    const signed = await callbackSigner(key.address, (r) => key.signBytes(r.message)).signTransaction(tx, { networkId });
    expect(decodeSignedTx(signed).innerBytes).toEqual(before);
  });

  it('refuses signatures that do not verify, other txs, dropped signatures and junk', async () => {
    await expectCode(
      callbackSigner(key.address, (r) => other.signBytes(r.message)).signTransaction(tx, { networkId }),
      'SIGNER_INVALID_SIGNATURE',
    );
    await expectCode(callbackSigner(key.address, () => new Uint8Array(64)).signBytes(new Uint8Array(3)), 'SIGNER_INVALID_SIGNATURE');
    await expectCode(callbackSigner(key.address, () => 42 as unknown as Uint8Array).signTransaction(tx, { networkId }), 'SIGNER_INVALID_SIGNATURE');
    const otherTx = buildSignedTx(otherInnerBytes(), []);
    await expectCode(
      callbackSigner(key.address, () => key.signTransaction(otherTx, { networkId })).signTransaction(tx, { networkId }),
      'SIGNER_TX_MISMATCH',
    );
    const half = await other.signTransaction(tx, { networkId });
    await expectCode(
      callbackSigner(key.address, () => key.signTransaction(tx, { networkId })).signTransaction(half, { networkId }),
      'SIGNER_TX_MISMATCH',
    );
    // A returned tx whose only new signature is someone else's.
    await expectCode(
      callbackSigner(key.address, () => other.signTransaction(tx, { networkId })).signTransaction(tx, { networkId }),
      'SIGNER_INVALID_SIGNATURE',
    );
  });

  it('keeps only its own signature from a returned tx', async () => {
    const signer = callbackSigner(key.address, async (r) =>
      other.signTransaction(await key.signTransaction((r as { tx: Encoded<'tx'> }).tx, { networkId }), { networkId }),
    );
    const signed = await signer.signTransaction(tx, { networkId });
    expect(await verifyTransaction(signed, { networkId, signers: [key.address] })).toMatchObject({ valid: true, extra: [] });
  });

  it('refusals: createSignerRefusedError passes through with its abort code; other throws become SIGNER_REFUSED', async () => {
    const refusing = callbackSigner(key.address, () => {
      throw createSignerRefusedError({ abortCode: 147, reason: 'user said no' });
    });
    const error = await expectCode(refusing.signTransaction(tx, { networkId }), 'SIGNER_REFUSED');
    expect(error.context).toEqual({ abortCode: 147 });
    const crashing = callbackSigner(key.address, async () => {
      throw new Error('wallet closed');
    });
    const wrapped = await expectCode(crashing.signTransaction(tx, { networkId }), 'SIGNER_REFUSED');
    expect((wrapped.cause as Error).message).toBe('wallet closed');
    expect(createSignerRefusedError({ abortCode: 70000 }).context).toEqual({});
  });

  it('aborts a callback that hangs', async () => {
    const signer = callbackSigner(key.address, () => new Promise<Uint8Array>(() => {}));
    const controller = new AbortController();
    const pending = signer.signTransaction(tx, { networkId, signal: controller.signal });
    controller.abort();
    await expectCode(pending, 'SIGNER_ABORTED');
  });

  it('does not ask again for a tx it already signed', async () => {
    const fn = vi.fn((r: CallbackSignerRequest) => key.signBytes(r.message));
    const signer = callbackSigner(key.address, fn);
    const once = await signer.signTransaction(tx, { networkId });
    expect(await signer.signTransaction(once, { networkId })).toBe(once);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('validates its arguments', async () => {
    await expectCode(() => callbackSigner('ak_bad', () => new Uint8Array()), 'SIGNER_INVALID_ADDRESS');
    await expectCode(() => callbackSigner(key.address, 'fn' as never), 'SIGNER_INVALID_ARGUMENT');
  });
});

describe('accountSigner', () => {
  // Signs the bare inner tx it is given, the way aepp-sdk accounts do.
  function account(overrides: Partial<SigningAccount> = {}): SigningAccount {
    return {
      address: key.address,
      signTransaction: async (unsigned, { networkId: net }) => {
        const inner = decode(unsigned, 'tx');
        const signature = await key.signBytes(new Uint8Array([...new TextEncoder().encode(net), ...inner]));
        return buildSignedTx(inner, [signature]);
      },
      ...overrides,
    };
  }

  it('passes the account the inner tx and adds its signature to those present', async () => {
    const half = await other.signTransaction(tx, { networkId });
    const signed = await accountSigner(account()).signTransaction(half, { networkId });
    expect(await verifyTransaction(signed, { networkId, signers: [other.address, key.address] })).toMatchObject({ valid: true });
  });

  it('refuses results without a new valid signature, or of another tx', async () => {
    const noSignature = account({ signTransaction: async (unsigned) => buildSignedTx(decode(unsigned, 'tx'), []) });
    await expectCode(accountSigner(noSignature).signTransaction(tx, { networkId }), 'SIGNER_INVALID_SIGNATURE');
    const wrongTx = account({ signTransaction: () => key.signTransaction(buildSignedTx(otherInnerBytes(), []), { networkId }) });
    await expectCode(accountSigner(wrongTx).signTransaction(tx, { networkId }), 'SIGNER_TX_MISMATCH');
    const junk = account({ signTransaction: async () => 'nope' as Encoded<'tx'> });
    await expectCode(accountSigner(junk).signTransaction(tx, { networkId }), 'SIGNER_INVALID_SIGNATURE');
    const throws = account({ signTransaction: async () => Promise.reject(new Error('locked')) });
    await expectCode(accountSigner(throws).signTransaction(tx, { networkId }), 'SIGNER_REFUSED');
  });

  it('signBytes uses unsafeSign or sign, verified; without either it is unsupported', async () => {
    const message = new Uint8Array([1, 2, 3]);
    const viaUnsafe = accountSigner(account({ unsafeSign: (data) => key.signBytes(data) }));
    expect(await viaUnsafe.signBytes(message)).toEqual(await key.signBytes(message));
    await expectCode(accountSigner(account({ sign: (data) => other.signBytes(data) })).signBytes(message), 'SIGNER_INVALID_SIGNATURE');
    await expectCode(accountSigner(account()).signBytes(message), 'SIGNER_UNSUPPORTED');
    await expectCode(() => accountSigner({ address: key.address } as SigningAccount), 'SIGNER_UNSUPPORTED');
    await expectCode(() => accountSigner(account({ address: 'ak_x' })), 'SIGNER_INVALID_ADDRESS');
  });
});

describe('isCheckedSigner', () => {
  it('holds for the key-holding signers only, never for a callback, an account, a wrapper or a look-alike', () => {
    expect(isCheckedSigner(key)).toBe(true);
    expect(isCheckedSigner(createSigner(hex(rfc8032Vectors[0]!.secretKey)))).toBe(true);
    expect(isCheckedSigner(callbackSigner(key.address, (r) => key.signBytes(r.message)))).toBe(false);
    expect(isCheckedSigner({ ...key })).toBe(false);
    expect(isCheckedSigner({ address: key.address, signTransaction: key.signTransaction, signBytes: key.signBytes })).toBe(false);
    expect(isCheckedSigner(null)).toBe(false);
  });
});
