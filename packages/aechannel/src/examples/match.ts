/**
 * Subset matching of expected JSON values against actual values, bigint-aware, used by
 * scenario expectations (`result`, `error.context`, `wait.match`).
 */
import { stringifyJson, type JsonValue } from '@aechannel/codec';

/**
 * Finds the first place where `actual` does not contain `expected`.
 * Objects match when every expected key matches; arrays match element-wise with the same
 * length; integers compare by value whether they are `bigint`, `number` or a decimal string.
 * @param expected - the expected (partial) value
 * @param actual - the value to check
 * @param path - prefix for the returned path
 * @returns `undefined` on a match, otherwise `{ path, expected, actual }` of the first mismatch
 */
export function findMismatch(
  expected: JsonValue,
  actual: unknown,
  path = '',
): { path: string; expected: unknown; actual: unknown } | undefined {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return { path, expected, actual };
    for (const [key, value] of Object.entries(expected)) {
      const found = findMismatch(value, (actual as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return { path, expected, actual };
    for (let i = 0; i < expected.length; i += 1) {
      const found = findMismatch(expected[i]!, actual[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  const asInteger = (value: unknown): bigint | undefined => {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
    return undefined;
  };
  // Amounts may be written as decimal strings in scenarios: they match integers too.
  const e = asInteger(expected) ?? (typeof expected === 'string' && /^-?\d+$/.test(expected) && asInteger(actual) !== undefined ? BigInt(expected) : undefined);
  if (e !== undefined) {
    const a = asInteger(actual) ?? (typeof actual === 'string' && /^-?\d+$/.test(actual) ? BigInt(actual) : undefined);
    return a === e ? undefined : { path, expected, actual };
  }
  return Object.is(expected, actual) ? undefined : { path, expected, actual };
}

/** Renders a value for a failure message (bigint-safe, shortened). */
export function show(value: unknown, max = 160): string {
  let text: string;
  if (value === undefined) text = 'nothing';
  else if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = value.toString();
  else {
    try {
      text = stringifyJson(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
