/**
 * Turns any prefixed value of the protocol (PROTOCOL.md §1.1) into a plain, printable
 * object: what `aechannel decode` prints.
 */
import {
  decode,
  prefixes,
  txHash,
  txTypeName,
  unpackCallsTree,
  unpackPoi,
  unpackStateTrees,
  unpackTx,
  type Encoded,
  type Prefix,
} from '@aechannel/codec';
import { invalidArgument } from './errors.js';

/** What {@link inspectEncoded} returns. */
export interface InspectEncodedReturnType {
  /** The prefix of the value, e.g. `'tx'`. */
  prefix: Prefix;
  /** The decoded object (with `Uint8Array` fields replaced by `0x` hex strings). */
  decoded: unknown;
}

/**
 * Replaces every `Uint8Array` by a `0x...` hex string and `Map`s by objects, deeply.
 * @param value - any decoded value
 * @returns the same shape with printable leaves (bigints stay bigints)
 * @example toPrintable({ key: Uint8Array.of(0xab) }) // { key: '0xab' }
 */
export function toPrintable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `0x${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  if (Array.isArray(value)) return value.map(toPrintable);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(toPrintable(k)), toPrintable(v)]));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPrintable(v)]));
  }
  return value;
}

/**
 * Decodes a prefixed value: `tx_` (any transaction, signed or not, with its type name and
 * hash), `ss_` (state trees), `cs_` (calls tree), `pi_` (proof of inclusion); any other
 * prefix yields its payload bytes as hex.
 * @param value - e.g. `tx_+E8LAcC4S...`
 * @returns the prefix and the decoded object
 * @throws {ChannelError} `CHANNEL_INVALID_ARGUMENT` when the value has no known prefix
 * @throws {AechannelError} the codec's decoding errors (`CODEC_*`) for a broken payload
 * @example inspectEncoded('ak_11111111111111111111111111111111273Yts').decoded // '0x0000...'
 */
export function inspectEncoded(value: string): InspectEncodedReturnType {
  const prefix = value.slice(0, value.indexOf('_'));
  if (!Object.hasOwn(prefixes, prefix)) throw invalidArgument('value', 'a prefixed value such as tx_..., ss_..., pi_...', value);
  const p = prefix as Prefix;
  switch (p) {
    case 'tx': {
      const tx = unpackTx(value as Encoded<'tx'>);
      const inner = tx.tag === 11 ? tx.encodedTx : tx;
      let type: string | undefined;
      try {
        type = txTypeName(inner.tag);
      } catch {
        type = undefined;
      }
      return { prefix: p, decoded: toPrintable({ type, hash: txHash(value as Encoded<'tx'>), tx }) };
    }
    case 'ss':
      return { prefix: p, decoded: toPrintable(unpackStateTrees(value as Encoded<'ss'>)) };
    case 'cs':
      return { prefix: p, decoded: toPrintable(unpackCallsTree(value as Encoded<'cs'>)) };
    case 'pi':
      return { prefix: p, decoded: toPrintable(unpackPoi(value as Encoded<'pi'>)) };
    default:
      return { prefix: p, decoded: toPrintable(decode(value, p)) };
  }
}
