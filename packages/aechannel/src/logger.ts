/**
 * The pluggable logger. A `Channel` never writes to the console by itself: it logs
 * through the `logger` option, which is silent by default. Any object with the four
 * methods works (pino, winston and `console` all fit).
 */

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The logger interface every `Channel` logs through. */
export interface Logger {
  /** Protocol traffic and state transitions (verbose). */
  debug(message: string, fields?: LogFields): void;
  /** Lifecycle: reconnections, on-chain reports, resyncs. */
  info(message: string, fields?: LogFields): void;
  /** Something unusual the channel handled (a security refusal, a transport error). */
  warn(message: string, fields?: LogFields): void;
  /** A failure: store or signer errors, an unrecoverable channel. */
  error(message: string, fields?: LogFields): void;
}

/** Log levels, from most to least verbose. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * A logger that drops everything (the default).
 * @example await Channel.open({ ...options, logger: silentLogger });
 */
export const silentLogger: Logger = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
});

/** Options of {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Lowest level printed; default `info`. */
  level?: LogLevel;
  /** Prefix of every line; default `aechannel`. */
  name?: string;
  /** Where lines go; default `console` (warn/error to stderr). */
  console?: Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;
}

/**
 * Creates a logger that prints to the console.
 * @param options - level, name prefix and console
 * @returns a {@link Logger}
 * @example
 * const channel = await Channel.open({ ...params, logger: createConsoleLogger({ level: 'debug' }) });
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const min = order[options.level ?? 'info'];
  const name = options.name ?? 'aechannel';
  const out = options.console ?? console;
  const line = (level: Exclude<LogLevel, 'silent'>) => (message: string, fields?: LogFields) => {
    if (order[level] < min) return;
    const extra = fields === undefined ? '' : ` ${safeFields(fields)}`;
    out[level](`[${name}] ${level}: ${message}${extra}`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function safeFields(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value instanceof Error ? `${value.name}: ${value.message}` : value,
    );
  } catch {
    return '[unprintable fields]';
  }
}

/**
 * Calls a logger method and swallows anything it throws: a broken logger must never break
 * a channel.
 */
export function safeLog(logger: Logger, level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void {
  try {
    logger[level](message, fields);
  } catch {
    // ignored on purpose: logging is best effort
  }
}
