/**
 * Captures what a command writes to `process.stdout` and `process.stderr` during each test
 * of the calling file (the `examples` and `conformance` commands write there directly).
 */
import { afterEach, beforeEach, vi } from 'vitest';

export interface CapturedOutput {
  /** Chunks written to stdout in the current test. */
  readonly out: string[];
  /** Chunks written to stderr in the current test. */
  readonly err: string[];
}

/** Installs the spies for every test of the file; read `out`/`err` inside a test. */
export function captureOutput(): CapturedOutput {
  const captured = { out: [] as string[], err: [] as string[] };
  beforeEach(() => {
    captured.out.length = 0;
    captured.err.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (captured.out.push(String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (captured.err.push(String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  return captured;
}
