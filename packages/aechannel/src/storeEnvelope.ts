/**
 * The checksummed envelope every durable store writes around a value, so a value damaged
 * after it was written (a torn write, a manual edit, a disk or browser-storage error) is
 * reported as `CHANNEL_STORE_CORRUPT` instead of being returned.
 *
 * An envelope is one line of JSON: `{"format":"aechannel-store/1","sha256":"<hex>","value":"..."}`,
 * where `sha256` is the SHA-256 of `value` (UTF-8) as lowercase hex. The file store writes it
 * as the content of a file, the IndexedDB store as the stored string, so a record can be
 * copied from one to the other as is. SHA-256 comes from WebCrypto (`globalThis.crypto`,
 * in Node 20 and every browser).
 *
 * A checksum shows the value is whole, not that it is true: a channel record read back
 * still proves itself (`verifyChannelRecord`) before a `Channel` uses it.
 */
import { ChannelError } from './errors.js';

/**
 * The format tag in every stored envelope (file store and IndexedDB store).
 * @example JSON.parse(readFileSync(file, 'utf8')).format === FILE_STORE_FORMAT
 */
export const FILE_STORE_FORMAT = 'aechannel-store/1';

interface Envelope {
  format: string;
  sha256: string;
  value: string;
}

/** SHA-256 (WebCrypto, available in Node 20 and browsers) as lowercase hex. */
async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Wraps a value in a checksummed envelope.
 * @param value - the value to store
 * @returns the envelope as one line of JSON (with a trailing newline)
 */
export async function sealStoreValue(value: string): Promise<string> {
  const envelope: Envelope = { format: FILE_STORE_FORMAT, sha256: await sha256Hex(value), value };
  return `${JSON.stringify(envelope)}\n`;
}

/**
 * Reads a value back from its envelope, checking the format and the checksum.
 * @param key - the store key (for the error)
 * @param stored - what the storage returned (a string for a valid envelope)
 * @returns the value
 * @throws {ChannelError} `CHANNEL_STORE_CORRUPT` (`context.key`, `context.reason`)
 */
export async function openStoreValue(key: string, stored: unknown): Promise<string> {
  if (typeof stored !== 'string') throw storeValueCorrupt(key, `the stored entry is a ${stored === null ? 'null' : typeof stored}, not an envelope`);
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(stored) as Partial<Envelope>;
  } catch (cause) {
    throw storeValueCorrupt(key, 'the entry is not complete JSON (torn or truncated write)', cause);
  }
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== FILE_STORE_FORMAT) {
    throw storeValueCorrupt(key, `unknown format ${JSON.stringify((envelope as { format?: unknown } | null)?.format)}`);
  }
  if (typeof envelope.value !== 'string' || typeof envelope.sha256 !== 'string') {
    throw storeValueCorrupt(key, 'missing value or checksum');
  }
  if ((await sha256Hex(envelope.value)) !== envelope.sha256) throw storeValueCorrupt(key, 'checksum mismatch');
  return envelope.value;
}

/**
 * The `CHANNEL_STORE_CORRUPT` error of a store entry.
 * @param key - the store key
 * @param reason - what is wrong
 * @param cause - the underlying error, if any
 * @returns the error (`context.key`, `context.reason`)
 */
export function storeValueCorrupt(key: string, reason: string, cause?: unknown): ChannelError {
  return new ChannelError('CHANNEL_STORE_CORRUPT', `Store entry ${key} is corrupt: ${reason}.`, {
    cause,
    context: { key, reason },
  });
}
