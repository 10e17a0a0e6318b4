/**
 * Prefixed string encodings, the "API encoding" of PROTOCOL.md §1.1.
 *
 * Every binary that appears in JSON is written `<prefix>_<payload>`, where the payload is
 * base58check or base64check of the bytes: the bytes followed by the first 4 bytes of
 * sha256(sha256(bytes)), then base58 (Bitcoin alphabet) or padded standard base64.
 * One table maps each prefix to its base and payload size, so a new prefix is one row.
 * Decoding is strict and names the step that failed.
 */
import { base58 } from '@scure/base';
import { AechannelError } from './errors.js';
import { base64Decode, base64Encode, sha256 } from './platform.js';
import { recallSignedTx } from './signedTxMemo.js';

/** How a prefix's payload is written, and its fixed size in bytes (if any). */
interface PrefixSpec {
  readonly base: 58 | 64;
  readonly size?: number;
}

/** Every prefix of the protocol (§1.1): base and payload size. */
export const prefixes = {
  ak: { base: 58, size: 32 },
  ba: { base: 64 },
  bf: { base: 58, size: 32 },
  bs: { base: 58, size: 32 },
  bx: { base: 58, size: 32 },
  cb: { base: 64 },
  ch: { base: 58, size: 32 },
  ck: { base: 64 },
  cm: { base: 58, size: 32 },
  cs: { base: 64 },
  ct: { base: 58, size: 32 },
  cv: { base: 64 },
  kh: { base: 58, size: 32 },
  mh: { base: 58, size: 32 },
  nm: { base: 58 },
  ok: { base: 58, size: 32 },
  oq: { base: 58, size: 32 },
  or: { base: 64 },
  ov: { base: 64 },
  pi: { base: 64 },
  pp: { base: 58, size: 32 },
  sg: { base: 58, size: 64 },
  sk: { base: 58, size: 32 },
  ss: { base: 64 },
  st: { base: 64, size: 32 },
  th: { base: 58, size: 32 },
  tx: { base: 64 },
} as const satisfies Record<string, PrefixSpec>;

/** A prefix of the API encoding, e.g. `'ak'`. */
export type Prefix = keyof typeof prefixes;

/** A value encoded with prefix `P`, e.g. `Encoded<'ak'>` is `` `ak_${string}` ``. */
export type Encoded<P extends Prefix = Prefix> = `${P}_${string}`;

/** Error codes of the encoding functions. */
export type EncodingErrorCode =
  | 'CODEC_INVALID_PREFIX'
  | 'CODEC_INVALID_ALPHABET'
  | 'CODEC_INVALID_CHECKSUM'
  | 'CODEC_INVALID_LENGTH';

const checksumOf = (bytes: Uint8Array): Uint8Array => sha256(sha256(bytes)).subarray(0, 4);

/**
 * The longest payload text a value of `size` bytes (plus the 4-byte checksum) can have:
 * base58 writes at most log(256)/log(58) characters per byte (a leading zero byte takes
 * one), base64 four per three bytes. Checked before decoding, since base58 decoding is
 * quadratic in the length.
 */
function maxPayloadLength(spec: PrefixSpec): number | undefined {
  if (spec.size === undefined) return undefined;
  const bytes = spec.size + 4;
  return spec.base === 58 ? Math.ceil((bytes * Math.log(256)) / Math.log(58)) : 4 * Math.ceil(bytes / 3);
}

function isPrefix(value: string): value is Prefix {
  return Object.hasOwn(prefixes, value);
}

/**
 * Encodes bytes with a prefix.
 * @param bytes - the payload
 * @param prefix - the prefix, which decides base58check or base64check
 * @returns `<prefix>_<payload>`
 * @throws {AechannelError} `CODEC_INVALID_LENGTH` if the prefix has a fixed size and `bytes` differ
 *   (or `bytes` is not a Uint8Array), `CODEC_INVALID_PREFIX` for an unknown prefix
 * @example encode(new Uint8Array(32), 'ak') // 'ak_11111111111111111111111111111111273Yts'
 */
export function encode<P extends Prefix>(bytes: Uint8Array, prefix: P): Encoded<P> {
  if (typeof prefix !== 'string' || !isPrefix(prefix)) {
    throw new AechannelError('CODEC_INVALID_PREFIX', `Unknown prefix ${String(prefix)}.`, { context: { expected: 'known', got: String(prefix) } });
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new AechannelError('CODEC_INVALID_LENGTH', `Expected bytes to encode as ${prefix}_, got ${typeof bytes}.`, {
      context: { prefix, expected: (prefixes[prefix] as PrefixSpec).size ?? 'any', got: typeof bytes },
    });
  }
  const spec: PrefixSpec = prefixes[prefix];
  if (spec.size !== undefined && bytes.length !== spec.size) {
    throw new AechannelError('CODEC_INVALID_LENGTH', `Expected ${spec.size} bytes for prefix ${prefix}_, got ${bytes.length}.`, {
      context: { prefix, expected: spec.size, got: bytes.length },
    });
  }
  const withChecksum = new Uint8Array(bytes.length + 4);
  withChecksum.set(bytes);
  withChecksum.set(checksumOf(bytes), bytes.length);
  const payload = spec.base === 58 ? base58.encode(withChecksum) : base64Encode(withChecksum);
  return `${prefix}_${payload}` as Encoded<P>;
}

/**
 * Decodes a prefixed value, checking prefix, alphabet, checksum and length.
 * @param value - e.g. `ak_...`
 * @param prefix - the expected prefix (or several); any known prefix when omitted
 * @returns the payload bytes
 * @throws {AechannelError} `CODEC_INVALID_PREFIX`, `CODEC_INVALID_ALPHABET`,
 *   `CODEC_INVALID_CHECKSUM` or `CODEC_INVALID_LENGTH`
 * @example decode('ak_11111111111111111111111111111111273Yts', 'ak') // 32 zero bytes
 */
export function decode(value: string, prefix?: Prefix | readonly Prefix[]): Uint8Array {
  return checkedBytes(value, prefix, true);
}

/**
 * {@link decode}; a remembered value comes as a copy when `copy`, else as the memo's own
 * bytes, which the caller must not change (or keep).
 */
function checkedBytes(value: string, prefix: Prefix | readonly Prefix[] | undefined, copy: boolean): Uint8Array {
  if (typeof value !== 'string') {
    throw new AechannelError('CODEC_INVALID_PREFIX', `Expected an encoded string, got ${typeof value}.`, {
      context: { expected: prefix, got: typeof value },
    });
  }
  const separator = value.indexOf('_');
  const got = separator < 0 ? '' : value.slice(0, separator);
  const allowed = prefix === undefined ? undefined : typeof prefix === 'string' ? [prefix] : prefix;
  if (!isPrefix(got) || (allowed !== undefined && !allowed.includes(got))) {
    const expected = allowed === undefined ? 'a known prefix' : allowed.map((p) => `${p}_`).join(' or ');
    throw new AechannelError('CODEC_INVALID_PREFIX', `Expected ${expected}, got ${JSON.stringify(value.slice(0, 12))}.`, {
      context: { expected: allowed ?? 'known', got },
    });
  }
  const spec: PrefixSpec = prefixes[got];
  const known = decodedMemo.get(value);
  if (known !== undefined) return copy ? known.slice() : known;
  const maxLength = maxPayloadLength(spec);
  const length = value.length - separator - 1;
  if (maxLength !== undefined && length > maxLength) {
    throw new AechannelError('CODEC_INVALID_LENGTH', `Expected ${spec.size} bytes for prefix ${got}_, got ${length} characters (at most ${maxLength}).`, {
      context: { prefix: got, expected: spec.size, characters: length, maxCharacters: maxLength },
    });
  }
  let raw: Uint8Array;
  try {
    raw = spec.base === 58 ? base58.decode(value.slice(separator + 1)) : base64Decode(value.slice(separator + 1));
  } catch (cause) {
    throw new AechannelError('CODEC_INVALID_ALPHABET', `Invalid base${spec.base} payload for prefix ${got}_.`, {
      cause,
      details: cause instanceof Error ? cause.message : undefined,
      context: { prefix: got },
    });
  }
  if (raw.length < 4) {
    throw new AechannelError('CODEC_INVALID_LENGTH', `Payload of ${got}_ is shorter than its checksum.`, {
      context: { prefix: got, expected: spec.size ?? 0, got: Math.max(raw.length - 4, 0) },
    });
  }
  const bytes = raw.subarray(0, raw.length - 4);
  const checksum = raw.subarray(raw.length - 4);
  const expected = checksumOf(bytes);
  if (checksum.some((b, i) => b !== expected[i])) {
    throw new AechannelError('CODEC_INVALID_CHECKSUM', `Invalid checksum in ${got}_ value.`, { context: { prefix: got } });
  }
  if (spec.size !== undefined && bytes.length !== spec.size) {
    throw new AechannelError('CODEC_INVALID_LENGTH', `Expected ${spec.size} bytes for prefix ${got}_, got ${bytes.length}.`, {
      context: { prefix: got, expected: spec.size, got: bytes.length },
    });
  }
  rememberDecoded(value, bytes);
  return bytes;
}

// A `tx_` travels through a client several times (the node's message, the fsm, the driver,
// the signer, the store), and the same few ids (`ak_`, `ch_`) are checked in every request:
// each decode is a base64 or base58 pass and two SHA-256 runs. The last values decoded are
// remembered (bounded in count and in characters) and a hit returns a copy, so no caller
// can change what another one gets (`isEncoded` needs no copy). A signed tx this process
// built is in signedTxMemo.ts, which `isEncoded` asks first.
const DECODED_MEMO_ENTRIES = 512;
const DECODED_MEMO_CHARACTERS = 4 * 1024 * 1024;
const decodedMemo = new Map<string, Uint8Array>();
let decodedMemoCharacters = 0;

function rememberDecoded(value: string, bytes: Uint8Array): void {
  if (value.length > DECODED_MEMO_CHARACTERS / 8) return;
  while (decodedMemo.size >= DECODED_MEMO_ENTRIES || decodedMemoCharacters + value.length > DECODED_MEMO_CHARACTERS) {
    const oldest = decodedMemo.keys().next().value as string;
    decodedMemo.delete(oldest);
    decodedMemoCharacters -= oldest.length;
  }
  decodedMemo.set(value, bytes.slice());
  decodedMemoCharacters += value.length;
}

/**
 * Empties the memo of decoded variable-size values (for benchmarks that measure the cold path).
 * @internal
 */
export function clearDecodedMemo(): void {
  decodedMemo.clear();
  decodedMemoCharacters = 0;
}

/**
 * Tells whether `value` is a valid encoding (with prefix `prefix`, if given). Never throws.
 * @param value - anything
 * @param prefix - the expected prefix; any known prefix when omitted
 * @returns true when {@link decode} would accept `value`
 * @example isEncoded('ak_11111111111111111111111111111111273Yts', 'ak') // true
 */
export function isEncoded<P extends Prefix>(value: unknown, prefix?: P): value is Encoded<P> {
  if (typeof value !== 'string') return false;
  // A signed tx this process decoded or built (signedTxMemo.ts) passed this check already.
  if ((prefix === undefined || prefix === 'tx') && recallSignedTx(value) !== undefined && value.startsWith('tx_')) return true;
  try {
    checkedBytes(value, prefix, false);
    return true;
  } catch {
    return false;
  }
}

/**
 * Like {@link isEncoded} but throws the decoding error.
 * @param value - anything
 * @param prefix - the expected prefix
 * @throws {AechannelError} the codes of {@link decode}: `CODEC_INVALID_PREFIX`,
 *   `CODEC_INVALID_ALPHABET`, `CODEC_INVALID_CHECKSUM`, `CODEC_INVALID_LENGTH`
 * @example
 * assertIsEncoded(params.responder_id, 'ak'); // params.responder_id is Encoded<'ak'> from here on
 */
export function assertIsEncoded<P extends Prefix>(value: unknown, prefix: P): asserts value is Encoded<P> {
  decode(value as string, prefix);
}
