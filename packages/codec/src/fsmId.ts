/**
 * The `fsm_id` of the channel API (§1.1): 32 random bytes encoded as `ba_`.
 */
import { decode, type Encoded } from './encoding.js';
import { AechannelError } from './errors.js';

/** Size of an fsm id. */
export const FSM_ID_SIZE = 32;

/**
 * Decodes an `fsm_id` and checks it is 32 bytes (§1.1). Take a value from a URL through
 * `decodeURIComponent` first (`+ / =` are percent-encoded there).
 * @param value - `ba_...`
 * @returns the 32 bytes
 * @throws {AechannelError} `CODEC_INVALID_LENGTH` when the payload is not 32 bytes, and the
 *   codes of `decode` (`CODEC_INVALID_PREFIX`, `CODEC_INVALID_ALPHABET`, `CODEC_INVALID_CHECKSUM`)
 * @example decodeFsmId('ba_eSQrbB0Z7MCUR/cK5LHmbFQxF4WhsOFciA0gT1o90V5EkQRy').length // 32
 */
export function decodeFsmId(value: Encoded<'ba'> | string): Uint8Array {
  const bytes = decode(value, 'ba');
  if (bytes.length !== FSM_ID_SIZE) {
    throw new AechannelError('CODEC_INVALID_LENGTH', `Expected a ${FSM_ID_SIZE}-byte fsm id, got ${bytes.length} bytes.`, {
      context: { prefix: 'ba', expected: FSM_ID_SIZE, got: bytes.length },
    });
  }
  return bytes;
}
