/**
 * Argument checks at the public boundary of `aechannel` (STYLE.md, "Validate at the
 * boundary"). Each asserter throws `CHANNEL_INVALID_ARGUMENT` naming the argument, the
 * expectation and what it got (noble's "expected …, got …"), and returns the value.
 */
import { isEncoded, type Encoded, type Prefix } from '@aechannel/codec';
import { invalidArgument } from './errors.js';

/**
 * Checks a non-negative `bigint` amount (aettos).
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertAmount(value: unknown, argument: string, options: { positive?: boolean } = {}): bigint {
  if (typeof value !== 'bigint') throw invalidArgument(argument, 'a bigint amount (aettos)', value);
  if (value < 0n || (options.positive === true && value === 0n)) {
    throw invalidArgument(argument, options.positive === true ? 'a positive bigint' : 'a non-negative bigint', value);
  }
  return value;
}

/**
 * Checks an optional non-negative `bigint` (fee, gas price, nonce, ...).
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertOptionalAmount(value: unknown, argument: string): bigint | undefined {
  return value === undefined ? undefined : assertAmount(value, argument);
}

/**
 * Checks an encoded value with a given prefix (checksum and length included).
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertEncoded<P extends Prefix>(value: unknown, prefix: P, argument: string): Encoded<P> {
  if (!isEncoded(value, prefix)) throw invalidArgument(argument, `a valid ${prefix}_ value`, value);
  return value;
}

/**
 * Checks an account address (`ak_`).
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertAddress(value: unknown, argument: string): Encoded<'ak'> {
  return assertEncoded(value, 'ak', argument);
}

/**
 * Checks a string.
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertString(value: unknown, argument: string, options: { maxBytes?: number } = {}): string {
  if (typeof value !== 'string') throw invalidArgument(argument, 'a string', value);
  if (options.maxBytes !== undefined && new TextEncoder().encode(value).length > options.maxBytes) {
    throw invalidArgument(argument, `a string of at most ${options.maxBytes} bytes`, value);
  }
  return value;
}

/**
 * Checks a list of strings (e.g. `meta`).
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertStringList(value: unknown, argument: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw invalidArgument(argument, 'an array of strings', value);
  }
  return value as string[];
}

/**
 * Checks call options `{ signal?, timeoutMs? }`.
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertCallOptions(value: unknown, argument = 'options'): { signal?: AbortSignal; timeoutMs?: number } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw invalidArgument(argument, 'an object', value);
  const { signal, timeoutMs } = value as { signal?: unknown; timeoutMs?: unknown };
  if (signal !== undefined && !(typeof signal === 'object' && signal !== null && 'aborted' in signal)) {
    throw invalidArgument(`${argument}.signal`, 'an AbortSignal', signal);
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0)) {
    throw invalidArgument(`${argument}.timeoutMs`, 'a positive finite number of milliseconds', timeoutMs);
  }
  return value as { signal?: AbortSignal; timeoutMs?: number };
}

/**
 * Checks a non-negative integer number (milliseconds, counts, ports).
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT`
 */
export function assertCount(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(argument, 'a non-negative integer', value);
  }
  return value;
}
