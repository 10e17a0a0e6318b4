/**
 * Network id validation. The network id is the prefix of every signed payload (PROTOCOL.md
 * §3.1): configuration, never hard-coded, e.g. `ae_mainnet` or `local_iris_testnet`.
 */
import { signerError } from './errors.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Tells whether `value` can be a network id: a non-empty string of printable ASCII.
 * @param value - anything
 * @returns true for e.g. `'ae_mainnet'`, false for `''`, `'net\n'` or a number
 * @example isNetworkId('local_iris_testnet') // true
 */
export function isNetworkId(value: unknown): value is string {
  return typeof value === 'string' && PRINTABLE_ASCII.test(value);
}

/**
 * Asserts that `value` can be a network id.
 * @param value - anything
 * @throws {AechannelError} `SIGNER_INVALID_NETWORK_ID` otherwise
 * @example assertIsNetworkId('ae_uat')
 */
export function assertIsNetworkId(value: unknown): asserts value is string {
  if (!isNetworkId(value)) {
    throw signerError('SIGNER_INVALID_NETWORK_ID', 'Expected the network id as a non-empty string of printable ASCII', {
      details: `got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
      context: { got: value },
    });
  }
}
