/**
 * Strict RLP decoding, PROTOCOL.md §2.1. Internal: not exported from the package.
 *
 * Encoding still goes through the `rlp` package. Decoding is written out here because
 * `rlp@3` `decode` copies the whole rest of the input (`slice`) after every item it reads:
 * a list of n items costs O(n²) time and memory traffic (a 640 kB list of one-byte items
 * takes about 45 s), and it recurses once per nesting level until the stack overflows.
 * Input comes from the node or the peer, so both are denial-of-service holes.
 *
 * This decoder walks the input once with offsets, copies each byte string exactly once, and
 * refuses nesting deeper than {@link MAX_RLP_DEPTH}. It accepts only the canonical form:
 * a single byte below 0x80 is never prefixed, the long forms are used only for lengths of
 * 56 and more, a length-of-length never starts with 0x00, every item stays inside its
 * list, and nothing may follow the top item.
 */
import { AechannelError } from './errors.js';

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];

/**
 * Deepest list nesting accepted inside one RLP value. The deepest protocol object (a PoI:
 * object, part, proof, node list, [hash, node], node) nests 6 lists; nested serialized
 * objects (signed tx in a GA meta tx, ...) are separate byte strings decoded one by one.
 */
export const MAX_RLP_DEPTH = 64;

class RlpError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Reads a big-endian length of `size` bytes at `at`; refuses a leading zero. */
function readLength(bytes: Uint8Array, at: number, size: number, end: number): number {
  if (at + size > end) throw new RlpError('not enough bytes for the length', at);
  if (bytes[at] === 0) throw new RlpError('length-of-length with a leading zero', at);
  // 6 bytes keep the value exact in a double; anything larger exceeds every input anyway.
  if (size > 6) throw new RlpError('length too large', at);
  let length = 0;
  for (let i = 0; i < size; i += 1) length = length * 256 + (bytes[at + i] as number);
  return length;
}

/** Reads the item starting at `at` that must end by `end`; returns it and where it ends. */
function readItem(bytes: Uint8Array, at: number, end: number, depth: number): [RlpItem, number] {
  const first = bytes[at] as number;
  if (first < 0x80) return [bytes.slice(at, at + 1), at + 1];
  let start: number;
  let length: number;
  if (first <= 0xb7 || (first >= 0xc0 && first <= 0xf7)) {
    start = at + 1;
    length = first - (first <= 0xb7 ? 0x80 : 0xc0);
  } else {
    const size = first - (first <= 0xbf ? 0xb7 : 0xf7);
    length = readLength(bytes, at + 1, size, end);
    if (length < 56) throw new RlpError('long form used for a length below 56', at);
    start = at + 1 + size;
  }
  const stop = start + length;
  if (stop > end) throw new RlpError('item runs past the end of its input or list', at);
  if (first < 0xc0) {
    if (length === 1 && (bytes[start] as number) < 0x80) throw new RlpError('single byte below 0x80 written with a prefix', at);
    return [bytes.slice(start, stop), stop];
  }
  if (depth >= MAX_RLP_DEPTH) throw new RlpError(`lists nested deeper than ${MAX_RLP_DEPTH}`, at);
  const items: RlpItem[] = [];
  let position = start;
  while (position < stop) {
    const [item, next] = readItem(bytes, position, stop, depth + 1);
    items.push(item);
    position = next;
  }
  return [items, stop];
}

/**
 * Decodes one canonical RLP item that spans all of `bytes` (§2.1).
 * @param bytes - the RLP bytes
 * @param context - added to the error context (e.g. what was being decoded)
 * @returns the item; byte strings are fresh copies, never views of `bytes`
 * @throws {AechannelError} `CODEC_INVALID_RLP` (details name the rule, context the offset)
 */
export function decodeRlpItem(bytes: Uint8Array, context: Record<string, unknown> = {}): RlpItem {
  if (!(bytes instanceof Uint8Array)) {
    throw new AechannelError('CODEC_INVALID_RLP', `Invalid RLP: expected bytes, got ${typeof bytes}.`, { context });
  }
  if (bytes.length === 0) throw new AechannelError('CODEC_INVALID_RLP', 'Invalid RLP: empty input.', { context });
  try {
    const [item, end] = readItem(bytes, 0, bytes.length, 0);
    if (end !== bytes.length) throw new RlpError(`${bytes.length - end} trailing bytes`, end);
    return item;
  } catch (cause) {
    if (!(cause instanceof RlpError)) throw cause;
    throw new AechannelError('CODEC_INVALID_RLP', `Invalid RLP: ${cause.message}.`, {
      details: `at byte ${cause.offset} of ${bytes.length}`,
      context: { ...context, offset: cause.offset },
    });
  }
}
