import { isAechannelError } from '../src/errors.js';

/**
 * Runs `fn` and names how it failed: the `AechannelError` code, `not typed: ...` for any
 * other exception (which a test then sees as a mismatch), or `undefined` when it did not throw.
 */
export const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return isAechannelError(e) ? e.code : `not typed: ${String(e)}`;
  }
  return undefined;
};
