/**
 * Erlang term printing for the node's error messages (CONTRACTS.md §4.5, Gaps 1). A
 * runtime error's text is the call's `return_value` and so enters the state hash: the VM
 * prints values the way the node's `io_lib` does with `~w`/`~W` (plain) and `~p`/`~P`
 * (pretty, single line), depth-limited to 6. FATE values are first turned into the terms
 * the node uses for them (`{tuple, {...}}`, `{address, <<...>>}`, `{variant, ...}`, ...).
 *
 * Limits: `~p` output longer than a line (80 columns), which the node breaks over several
 * lines, is not reproduced: `outcome.ts` refuses such a message, except for terms with
 * nowhere to break (which the node keeps on one line too).
 */
import type { FateType } from './types.js';
import { listToArray, type FateValue } from './values.js';
import { sortedEntries } from './serialize.js';

/** An Erlang term. */
export type ETerm =
  | { readonly t: 'int'; readonly v: bigint }
  | { readonly t: 'atom'; readonly v: string }
  | { readonly t: 'bin'; readonly v: Uint8Array }
  | { readonly t: 'tuple'; readonly v: readonly ETerm[] }
  | { readonly t: 'list'; readonly v: readonly ETerm[] }
  | { readonly t: 'map'; readonly v: readonly (readonly [ETerm, ETerm])[] };

/** Term constructors. */
export const E = {
  int: (v: bigint | number): ETerm => ({ t: 'int', v: BigInt(v) }),
  atom: (v: string): ETerm => ({ t: 'atom', v }),
  bin: (v: Uint8Array): ETerm => ({ t: 'bin', v }),
  tuple: (...v: ETerm[]): ETerm => ({ t: 'tuple', v }),
  list: (v: readonly ETerm[]): ETerm => ({ t: 'list', v }),
};

/** The node's term for a FATE value. */
export function fateToTerm(v: FateValue): ETerm {
  if (typeof v === 'bigint') return E.int(v);
  if (typeof v === 'boolean') return E.atom(v ? 'true' : 'false');
  switch (v.kind) {
    case 'string':
      return E.bin(v.bytes);
    case 'bytes':
    case 'address':
    case 'contract':
    case 'oracle':
    case 'oracle_query':
    case 'channel':
    case 'contract_bytearray':
      return E.tuple(E.atom(v.kind), E.bin(v.bytes));
    case 'bits':
      return E.tuple(E.atom('bits'), E.int(v.n));
    case 'tuple':
      return E.tuple(E.atom('tuple'), E.tuple(...v.elements.map(fateToTerm)));
    case 'list':
      return E.list(listToArray(v).map(fateToTerm));
    case 'map':
      return { t: 'map', v: sortedEntries(v).map(([k, x]) => [fateToTerm(k), fateToTerm(x)] as const) };
    case 'store_map':
      return E.tuple(
        E.atom('store_map'),
        { t: 'map', v: [...v.cache.values()].map(([k, x]) => [fateToTerm(k), typeof x === 'symbol' ? E.atom('__DELETED__') : fateToTerm(x)] as const) },
        E.int(v.id),
      );
    case 'variant':
      return E.tuple(E.atom('variant'), E.list(v.arities.map((a) => E.int(a))), E.int(v.tag), E.tuple(...v.values.map(fateToTerm)));
    case 'typerep':
      return E.tuple(E.atom('typerep'), typeToTerm(v.type));
  }
}

/** The node's term for a type. */
export function typeToTerm(t: FateType): ETerm {
  switch (t.t) {
    case 'integer':
    case 'boolean':
    case 'string':
    case 'bits':
    case 'any':
    case 'contract_bytearray':
      return E.atom(t.t);
    case 'object':
      return E.atom(t.kind);
    case 'list':
      return E.tuple(E.atom('list'), typeToTerm(t.elem));
    case 'tuple':
      return E.tuple(E.atom('tuple'), E.list(t.elems.map(typeToTerm)));
    case 'map':
      return E.tuple(E.atom('map'), typeToTerm(t.key), typeToTerm(t.value));
    case 'variant':
      return E.tuple(E.atom('variant'), E.list(t.constructors.map((c) => E.tuple(E.atom('tuple'), E.list(c.map(typeToTerm))))));
    case 'bytes':
      return E.tuple(E.atom('bytes'), t.size === -1 ? E.atom('any') : E.int(t.size));
    case 'tvar':
      return E.tuple(E.atom('tvar'), E.int(t.n));
  }
}

const RESERVED = new Set([
  'after', 'and', 'andalso', 'band', 'begin', 'bnot', 'bor', 'bsl', 'bsr', 'bxor', 'case', 'catch', 'cond', 'div', 'else', 'end',
  'fun', 'if', 'let', 'maybe', 'not', 'of', 'or', 'orelse', 'receive', 'rem', 'try', 'when', 'xor',
]);

function atomText(a: string): string {
  if (/^[a-z][a-zA-Z0-9_@]*$/.test(a) && !RESERVED.has(a)) return a;
  return `'${a.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `~w` / `~W` (depth; -1 = unlimited). */
export function writeTerm(t: ETerm, depth = -1): string {
  if (depth === 0) return '...';
  switch (t.t) {
    case 'int':
      return t.v.toString();
    case 'atom':
      return atomText(t.v);
    case 'bin': {
      const parts: string[] = [];
      let d = depth;
      for (let i = 0; i < t.v.length; i += 1) {
        if (d === 1) {
          parts.push('...');
          break;
        }
        parts.push(String(t.v[i]));
        d -= 1;
      }
      return `<<${parts.join(',')}>>`;
    }
    case 'tuple':
      if (depth === 1 && t.v.length > 0) return '{...}';
      return `{${seq(t.v, depth, writeTerm, ',...')}}`;
    case 'list':
      if (depth === 1 && t.v.length > 0) return '[...]';
      return `[${seq(t.v, depth, writeTerm, '|...')}]`;
    case 'map':
      if (depth === 1 && t.v.length > 0) return '#{...}';
      return `#{${seqPairs(t.v, depth, writeTerm, ' => ', ',')}}`;
  }
}

function seq(items: readonly ETerm[], depth: number, w: (t: ETerm, d: number) => string, elided: string): string {
  if (items.length === 0) return '';
  const d = depth === -1 ? -1 : depth - 1;
  let out = w(items[0]!, d);
  let dd = d;
  for (let i = 1; i < items.length; i += 1) {
    if (dd === 1) return out + elided;
    out += `,${w(items[i]!, dd === -1 ? -1 : dd - 1)}`;
    if (dd !== -1) dd -= 1;
  }
  return out;
}

function seqPairs(items: readonly (readonly [ETerm, ETerm])[], depth: number, w: (t: ETerm, d: number) => string, arrow: string, sep: string): string {
  // A map at depth D shows D - 1 entries, each key and value at depth D - 1 (checked against the node).
  if (items.length === 0) return '';
  const d = depth === -1 ? -1 : depth - 1;
  const shown = depth === -1 ? items.length : Math.min(items.length, d);
  const parts = items.slice(0, shown).map(([k, v]) => `${w(k, d)}${arrow}${w(v, d)}`);
  if (shown < items.length) parts.push('...');
  return parts.join(sep);
}

/** Thrown when a term would be printed in a way this printer does not reproduce. */
export class PrintUnsupported extends Error {}

function isPrintable(c: number): boolean {
  return (c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c === 27;
}

/**
 * `io_lib_pretty`'s printable-binary rule at depth `d` (already decremented): the first
 * `min(4d, size)` bytes are looked at (20 at a time); a binary is a string when they are all
 * printable, or when its printable prefix is at least `d` long (then it is cut there).
 * Returns the bytes to print as a string, or undefined to print numbers.
 */
function printableBin(b: Uint8Array, d: number): Uint8Array | undefined {
  const len = d < 0 ? b.length : Math.min(4 * d, b.length);
  if (len === 0) return undefined;
  let prefix = 0;
  while (prefix < len && isPrintable(b[prefix]!)) prefix += 1;
  if (prefix === len) return b.subarray(0, len);
  const n = Math.min(20, len);
  if (prefix >= n) {
    // All of the first 20 printable, a non-printable byte later within len.
    return d > 0 && prefix >= d ? b.subarray(0, prefix) : undefined;
  }
  return d > 0 && prefix >= d ? b.subarray(0, prefix) : undefined;
}

function printableLatin1(b: Uint8Array | readonly number[]): boolean {
  if (b.length === 0) return false;
  for (const c of b) if (!((c >= 32 && c <= 126) || (c >= 160 && c <= 255) || (c >= 8 && c <= 13) || c === 27)) return false;
  return true;
}

function escapeChars(b: Uint8Array | readonly number[]): string {
  let s = '';
  for (const c of b) {
    if (c === 34) s += '\\"';
    else if (c === 92) s += '\\\\';
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c === 9) s += '\\t';
    else if (c === 11) s += '\\v';
    else if (c === 8) s += '\\b';
    else if (c === 12) s += '\\f';
    else if (c === 27) s += '\\e';
    else s += String.fromCharCode(c);
  }
  return s;
}

/** `~p` / `~P` on one line (depth; -1 = unlimited). */
export function printTerm(t: ETerm, depth = -1): string {
  if (depth === 0) return '...';
  switch (t.t) {
    case 'int':
    case 'atom':
      return writeTerm(t, depth);
    case 'bin': {
      if (depth === 1 && t.v.length > 0) return '<<...>>';
      const s = printableBin(t.v, depth - 1);
      if (s === undefined) return writeTerm(t, depth);
      return s.length === t.v.length ? `<<"${escapeChars(s)}">>` : `<<"${escapeChars(s)}"...>>`;
    }
    case 'tuple':
      if (depth === 1 && t.v.length > 0) return '{...}';
      return `{${seq(t.v, depth, printTerm, ',...')}}`;
    case 'list': {
      if (depth === 1 && t.v.length > 0) return '[...]';
      const chars = t.v.every((x) => x.t === 'int' && x.v >= 0n && x.v < 256n) ? t.v.map((x) => Number((x as { v: bigint }).v)) : undefined;
      if (chars !== undefined && printableLatin1(chars)) {
        // Depth-limited printable lists are cut in ways not reproduced here: refuse them.
        if (depth !== -1 && chars.length > 4 * (depth - 1)) throw new PrintUnsupported();
        return `"${escapeChars(chars)}"`;
      }
      return `[${seq(t.v, depth, printTerm, '|...')}]`;
    }
    case 'map':
      if (depth === 1 && t.v.length > 0) return '#{...}';
      return `#{${seqPairs(t.v, depth, printTerm, ' => ', ',')}}`;
  }
}

/** Error-message depth (`MAX_TERM_DEPTH`). */
export const TERM_DEPTH = 6;

function termClass(t: ETerm): number {
  switch (t.t) {
    case 'int':
      return 0;
    case 'atom':
      return 1;
    case 'tuple':
      return 3;
    case 'map':
      return 4;
    case 'list':
      return t.v.length === 0 ? 5 : 6;
    case 'bin':
      return 7;
  }
}

function cmp(a: number | bigint | string, b: number | bigint | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Erlang's standard term order (number < atom < tuple < map < [] < list < binary), which
 * the node uses for comparisons and map iteration before Iris.
 * @returns negative, 0 or positive
 */
export function compareTerms(a: ETerm, b: ETerm): number {
  const ca = termClass(a);
  const cb = termClass(b);
  if (ca !== cb) return ca - cb;
  switch (a.t) {
    case 'int':
      return cmp(a.v, (b as typeof a).v);
    case 'atom':
      return cmp(a.v, (b as typeof a).v);
    case 'bin': {
      const x = a.v;
      const y = (b as typeof a).v;
      for (let i = 0; i < x.length && i < y.length; i += 1) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    }
    case 'tuple': {
      const y = (b as typeof a).v;
      if (a.v.length !== y.length) return a.v.length - y.length;
      for (let i = 0; i < y.length; i += 1) {
        const c = compareTerms(a.v[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return 0;
    }
    case 'list': {
      const y = (b as typeof a).v;
      for (let i = 0; i < a.v.length && i < y.length; i += 1) {
        const c = compareTerms(a.v[i]!, y[i]!);
        if (c !== 0) return c;
      }
      return a.v.length - y.length;
    }
    case 'map': {
      const y = (b as typeof a).v;
      if (a.v.length !== y.length) return a.v.length - y.length;
      const sa = [...a.v].sort((p, q) => compareTerms(p[0], q[0]));
      const sb = [...y].sort((p, q) => compareTerms(p[0], q[0]));
      for (let i = 0; i < sa.length; i += 1) {
        const c = compareTerms(sa[i]![0], sb[i]![0]);
        if (c !== 0) return c;
      }
      for (let i = 0; i < sa.length; i += 1) {
        const c = compareTerms(sa[i]![1], sb[i]![1]);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}
