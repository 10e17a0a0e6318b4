/**
 * @packageDocumentation
 * `@aechannel/signer/testing`: a signer test double in the spirit of LDK's
 * `TestChannelSigner`. {@link createTestSigner} wraps any {@link Signer} and lets a test
 * pause it (calls wait until `resume()`), make it refuse (`SIGNER_REFUSED`, optionally with
 * the abort code the channel should answer the node with), or delay it; it records every
 * call with its arguments and outcome.
 *
 * Imports: the main entry's modules only. Timers: `setTimeout` for `delay`.
 */
import type { Encoded } from '@aechannel/codec';
import { throwIfAborted } from './abort.js';
import { createSignerRefusedError, signerError } from './errors.js';
import type { SignBytesOptions, SignContext, Signer, SignTransactionOptions } from './types.js';

/** One recorded call of a {@link TestSigner}. */
export interface TestSignerCall {
  /** 1-based call number. */
  readonly id: number;
  /** Which method was called. */
  readonly method: 'signTransaction' | 'signBytes';
  /** The transaction (signTransaction). */
  readonly tx?: Encoded<'tx'>;
  /** The network id (signTransaction). */
  readonly networkId?: string;
  /** The context (signTransaction), if given. */
  readonly context?: SignContext;
  /** The bytes (signBytes). */
  readonly bytes?: Uint8Array;
  /** `pending` until it settles. */
  readonly status: 'pending' | 'signed' | 'refused' | 'aborted' | 'failed';
  /** The signed tx or signature, once signed. */
  readonly result?: Encoded<'tx'> | Uint8Array;
  /** The error it rejected with, once refused, aborted or failed. */
  readonly error?: unknown;
  /** Settles (never rejects) when the call settles. */
  readonly settled: Promise<void>;
}

/** When and how a {@link TestSigner} refuses. */
export interface TestSignerRefusal {
  /** Abort code carried by the `SIGNER_REFUSED` error (context `abortCode`). */
  abortCode?: number;
  /** Reason in the error details. */
  reason?: string;
  /** Refuse only this many calls, then sign again. Default: until `accept()`. */
  times?: number;
  /** Refuse only calls for which this returns true. */
  when?: (call: TestSignerCall) => boolean;
}

/** Options of {@link createTestSigner}. */
export interface CreateTestSignerOptions {
  /** Start paused. */
  paused?: boolean;
  /** Start with this delay (ms) before each signature. */
  delayMs?: number;
  /** Start refusing. */
  refuse?: TestSignerRefusal;
}

/** A {@link Signer} that tests can pause, make refuse or delay, and that records its calls. */
export interface TestSigner extends Signer {
  /** Every call so far, oldest first. */
  readonly calls: readonly TestSignerCall[];
  /** Calls not settled yet. */
  readonly pending: readonly TestSignerCall[];
  /** Whether new and waiting calls are held. */
  readonly paused: boolean;
  /** Holds calls (new ones, and those not yet past the pause point) until {@link TestSigner.resume}. */
  pause(): void;
  /** Releases held calls. */
  resume(): void;
  /** Makes calls reject with `SIGNER_REFUSED` (checked after the delay and pause). */
  refuse(refusal?: TestSignerRefusal): void;
  /** Stops refusing. */
  accept(): void;
  /** Waits `ms` before each signature (0: no delay). */
  delay(ms: number): void;
  /**
   * Resolves with the first call (already made or future) matching `predicate`.
   * @param predicate - which call; any call when omitted
   */
  waitForCall(predicate?: (call: TestSignerCall) => boolean): Promise<TestSignerCall>;
  /** Forgets recorded calls and clears pause, refusal and delay. */
  reset(): void;
}

interface MutableCall {
  id: number;
  method: 'signTransaction' | 'signBytes';
  tx?: Encoded<'tx'>;
  networkId?: string;
  context?: SignContext;
  bytes?: Uint8Array;
  status: TestSignerCall['status'];
  result?: Encoded<'tx'> | Uint8Array;
  error?: unknown;
  settled: Promise<void>;
}

function aborted(signal: AbortSignal): Error {
  return signerError('SIGNER_ABORTED', 'Signing was aborted', { cause: signal.reason });
}

/** Waits `ms`, or rejects with SIGNER_ABORTED when `signal` fires. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Wraps a signer in a controllable test double.
 * @param inner - the signer that actually signs (e.g. `memorySigner(secretKey)`)
 * @param options - initial pause, delay and refusal
 * @returns a {@link TestSigner} with the same address
 * @example
 * import { createTestSigner } from '@aechannel/signer/testing';
 * const signer = createTestSigner(memorySigner(secretKey), { paused: true });
 * const signing = signer.signTransaction(tx, { networkId });
 * await signer.waitForCall();
 * signer.refuse({ abortCode: 147 });
 * signer.resume();
 * await signing; // rejects: SIGNER_REFUSED, context { abortCode: 147 }
 */
export function createTestSigner(inner: Signer, options: CreateTestSignerOptions = {}): TestSigner {
  let calls: MutableCall[] = [];
  let paused = options.paused ?? false;
  let delayMs = options.delayMs ?? 0;
  let refusal: TestSignerRefusal | undefined = options.refuse;
  let released: (() => void)[] = [];
  let watchers: { predicate: (call: TestSignerCall) => boolean; resolve: (call: TestSignerCall) => void }[] = [];

  function waitUntilResumed(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        released = released.filter((entry) => entry !== release);
        reject(aborted(signal as AbortSignal));
      };
      const release = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      released.push(release);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  function refusalFor(call: MutableCall): Error | undefined {
    if (refusal === undefined) return undefined;
    if (refusal.when !== undefined && !refusal.when(call)) return undefined;
    const { abortCode, reason } = refusal;
    if (refusal.times !== undefined) {
      const left = refusal.times - 1;
      refusal = left > 0 ? { ...refusal, times: left } : undefined;
    }
    return createSignerRefusedError({
      ...(abortCode === undefined ? {} : { abortCode }),
      reason: reason ?? 'refused by the test signer',
    });
  }

  async function run<T extends Encoded<'tx'> | Uint8Array>(
    call: Omit<MutableCall, 'id' | 'status' | 'settled'>,
    signal: AbortSignal | undefined,
    sign: () => Promise<T>,
  ): Promise<T> {
    let settle!: () => void;
    const record: MutableCall = { ...call, id: calls.length + 1, status: 'pending', settled: new Promise((r) => (settle = r)) };
    calls.push(record);
    for (const watcher of watchers.filter((w) => w.predicate(record))) {
      watchers = watchers.filter((w) => w !== watcher);
      watcher.resolve(record);
    }
    try {
      throwIfAborted(signal);
      if (delayMs > 0) await sleep(delayMs, signal);
      while (paused) await waitUntilResumed(signal);
      const refused = refusalFor(record);
      if (refused !== undefined) throw refused;
      const result = await sign();
      record.status = 'signed';
      record.result = result;
      return result;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      record.status = code === 'SIGNER_REFUSED' ? 'refused' : code === 'SIGNER_ABORTED' ? 'aborted' : 'failed';
      record.error = error;
      throw error;
    } finally {
      settle();
    }
  }

  const signer: TestSigner = {
    address: inner.address,
    signTransaction(tx: Encoded<'tx'>, signOptions: SignTransactionOptions): Promise<Encoded<'tx'>> {
      const { networkId, context, signal } = signOptions ?? ({} as SignTransactionOptions);
      return run(
        { method: 'signTransaction', tx, networkId, ...(context === undefined ? {} : { context }) },
        signal,
        () => inner.signTransaction(tx, signOptions),
      );
    },
    signBytes(bytes: Uint8Array, signOptions?: SignBytesOptions): Promise<Uint8Array> {
      return run({ method: 'signBytes', bytes }, signOptions?.signal, () => inner.signBytes(bytes, signOptions));
    },
    get calls() {
      return calls;
    },
    get pending() {
      return calls.filter((call) => call.status === 'pending');
    },
    get paused() {
      return paused;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      const waiting = released;
      released = [];
      for (const release of waiting) release();
    },
    refuse(next: TestSignerRefusal = {}) {
      refusal = next;
    },
    accept() {
      refusal = undefined;
    },
    delay(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw signerError('SIGNER_INVALID_ARGUMENT', 'Expected a delay in ms >= 0');
      delayMs = ms;
    },
    waitForCall(predicate = () => true) {
      const found = calls.find(predicate);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => watchers.push({ predicate, resolve }));
    },
    reset() {
      calls = [];
      refusal = undefined;
      delayMs = 0;
      signer.resume();
    },
  };
  return signer;
}
