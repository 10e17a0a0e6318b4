/**
 * How a FATE execution stops abnormally, inside the engine. These are thrown by op
 * handlers and caught by the engine (protected calls, the top-level run); they never
 * leave the package: every one becomes a call outcome (CONTRACTS.md §4.5).
 */
import { E, fateToTerm, PrintUnsupported, printTerm, TERM_DEPTH, writeTerm, type ETerm } from './term.js';
import type { FateValue } from './values.js';

const enc = new TextEncoder();

/** A runtime error (`error` outcome, all gas consumed except held-back caps). */
export class VmError {
  constructor(readonly message: Uint8Array) {}
}
/** `ABORT` (`revert` outcome, unused gas kept); the message is a FATE string. */
export class VmRevert {
  constructor(readonly message: Uint8Array) {}
}
/** Out of gas (an `error` outcome with message `Out of gas`). */
export class VmOutOfGas {
  readonly message = enc.encode('Out of gas');
}
/** What the node would raise as an Erlang exception rather than a FATE error (context: reason). */
export class VmInternal {
  constructor(readonly reason: string) {}
}

/** An operation this VM does not implement (the host gets `FATE_UNSUPPORTED`, never a guessed result). */
export class VmUnsupported {
  constructor(readonly op: string) {}
}

/**
 * Throws a runtime error with a ready message. The node's messages are Erlang character
 * lists of bytes (`io_lib:format` without the unicode modifier), so each character is one
 * byte (latin-1), as the node stores it.
 */
export function fail(message: string): never {
  throw new VmError(latin1(layout(message)));
}

const OPEN = '\u0001';
const CLOSE = '\u0002';
/** Line length of `io_lib_pretty`. */
const LINE = 80;

/**
 * Removes the markers of `~P` terms, checking that each fits on its line: the node breaks a
 * pretty-printed term that does not fit over several lines, which this VM does not
 * reproduce, so such a message is refused instead of guessed.
 */
function layout(message: string): string {
  if (!message.includes(OPEN)) return message;
  let out = '';
  let i = 0;
  while (i < message.length) {
    const c = message[i]!;
    if (c === OPEN) {
      const end = message.indexOf(CLOSE, i);
      const term = message.slice(i + 1, end);
      const col = out.length - (out.lastIndexOf('\n') + 1);
      // The node keeps a term on its line when the line stays within 78 columns (checked
      // against fate-oracle at 78 and 79).
      if (col + term.length >= LINE - 1) throw new VmUnsupported('an error message wider than a line');
      out += term;
      i = end + 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

function latin1(s: string): Uint8Array {
  for (let i = 0; i < s.length; i += 1) if (s.charCodeAt(i) > 255) return enc.encode(s);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i += 1) out[i] = s.charCodeAt(i);
  return out;
}

/** `~P` with the error depth. */
export function P(t: ETerm | FateValue): string {
  try {
    const term = isETerm(t) ? t : fateToTerm(t);
    const text = printTerm(term, TERM_DEPTH);
    // A term with nowhere to break stays on its line, however wide (checked against fate-oracle).
    return unbreakable(term, TERM_DEPTH) ? text : OPEN + text + CLOSE;
  } catch (e) {
    if (e instanceof PrintUnsupported) throw new VmUnsupported('an error message this VM cannot print exactly');
    throw e;
  }
}
/**
 * Whether `io_lib_pretty` has nowhere to break a term: an integer or atom, or a list or
 * tuple of exactly one such term (nested), within the depth limit. Anything else (two or
 * more elements, binaries, maps) may be broken over lines when it does not fit.
 */
function unbreakable(t: ETerm, depth: number): boolean {
  if (t.t === 'int' || t.t === 'atom') return true;
  if ((t.t === 'list' || t.t === 'tuple') && t.v.length === 1 && depth > 1) return unbreakable(t.v[0]!, depth - 1);
  return false;
}

/** `~W` with the error depth. */
export function W(t: ETerm | FateValue): string {
  return writeTerm(isETerm(t) ? t : fateToTerm(t), TERM_DEPTH);
}
/** `~w`. */
export function w(t: ETerm | FateValue): string {
  return writeTerm(isETerm(t) ? t : fateToTerm(t));
}

function isETerm(x: unknown): x is ETerm {
  return typeof x === 'object' && x !== null && 't' in x && typeof (x as { t: unknown }).t === 'string' && !('kind' in x);
}

/** `Bad arguments to Op: [Args]`. */
export function badArgs(op: string, args: readonly FateValue[]): never {
  fail(`Bad arguments to ${P(E.atom(op))}: ${P(E.list(args.map(fateToTerm)))}`);
}

/** `Arithmetic error: reason`. */
export function arithmetic(reason: string): never {
  fail(`Arithmetic error: ${P(E.atom(reason))}`);
}

/** `Type error on call: V is not of type T` (the node's `value_does_not_match_type`). */
export function typeError(v: FateValue, type: string | ETerm): never {
  fail(`Type error on call: ${P(v)} is not of type ${P(typeof type === 'string' ? E.atom(type) : type)}`);
}
