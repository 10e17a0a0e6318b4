/**
 * The one error base of every aechannel package.
 *
 * Every error carries a stable string `code` (never renamed), a one-line `shortMessage`,
 * optional `details` and `cause`, and typed `context`. Check errors with
 * {@link isAechannelError}, which compares `name` and `code` rather than using
 * `instanceof`, so it works when two copies of a package are installed.
 */

/** Options accepted by every {@link AechannelError}. */
export interface AechannelErrorOptions<C extends object = Record<string, unknown>> {
  /** Extra human-readable explanation, printed after the short message. */
  details?: string | undefined;
  /** The error that caused this one. */
  cause?: unknown;
  /** Structured facts about the failure (expected/got values, field names, ...). */
  context?: C | undefined;
}

/**
 * Base class of every error thrown or reported by aechannel packages.
 * @example
 * throw new AechannelError('CODEC_INVALID_FIELD', 'Invalid field nonce.', { context: { field: 'nonce' } });
 */
export class AechannelError<Code extends string = string, C extends object = Record<string, unknown>> extends Error {
  override name = 'AechannelError';
  /** Stable machine-readable code, e.g. `CODEC_INVALID_CHECKSUM`. Never renamed. */
  readonly code: Code;
  /** The message without details. */
  readonly shortMessage: string;
  /** Extra explanation, if any. */
  readonly details: string | undefined;
  /** Structured context of the failure. */
  readonly context: C;

  constructor(code: Code, shortMessage: string, options: AechannelErrorOptions<C> = {}) {
    super(options.details === undefined ? shortMessage : `${shortMessage}\n\nDetails: ${options.details}`, {
      cause: options.cause,
    });
    this.code = code;
    this.shortMessage = shortMessage;
    this.details = options.details;
    this.context = options.context ?? ({} as C);
  }

  /**
   * Walks the `cause` chain.
   * @param predicate - stop at the first error for which this returns true
   * @returns that error, or the deepest error of the chain when no predicate is given
   */
  walk(predicate?: (error: unknown) => boolean): unknown {
    let current: unknown = this;
    const seen = new Set<unknown>();
    while (current !== undefined && current !== null && !seen.has(current)) {
      seen.add(current);
      if (predicate?.(current)) return current;
      const next: unknown = (current as { cause?: unknown }).cause;
      if (next === undefined || next === null) return predicate ? undefined : current;
      current = next;
    }
    return predicate ? undefined : current;
  }
}

/**
 * Tells whether `error` is an aechannel error, optionally with the given code. Compares
 * `code` and `shortMessage`, never `instanceof`, so it also works across package copies.
 * @param error - anything caught
 * @param code - the code to match, e.g. `CODEC_INVALID_CHECKSUM`; any code when omitted
 * @returns true when `error` is an `AechannelError` (with that code)
 * @example
 * if (isAechannelError(e, 'CODEC_INVALID_CHECKSUM')) console.log(e.context);
 */
export function isAechannelError<Code extends string = string>(
  error: unknown,
  code?: Code,
): error is AechannelError<Code> {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; shortMessage?: unknown };
  if (typeof candidate.code !== 'string' || typeof candidate.shortMessage !== 'string') return false;
  if (!(error instanceof Error)) return false;
  return code === undefined || candidate.code === code;
}
