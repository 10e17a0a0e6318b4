/**
 * Finds the network id a recording's signatures were made for (PROTOCOL.md §3.1): the
 * first candidate under which a signature the recording's client sent verifies for that
 * client's account.
 */
import type { Encoded, JsonValue } from '@aechannel/codec';
import { verifyTransaction } from '@aechannel/signer';
import type { Role, Section } from '@aechannel/transcript';
import { classifyClientMessage } from './analyzeRecording.js';

/** Network ids tried when none is given: the public networks and the node's test networks. */
export const knownNetworkIds: readonly string[] = [
  'ae_mainnet',
  'ae_uat',
  'ae_devnet',
  'ae_dev',
  'local_iris_testnet',
  'local_lima_testnet',
  'local_ceres_testnet',
  'local_testnet',
];

/**
 * Detects the network id of a recording.
 * @param sections - the recording
 * @param accounts - the account of each role (see `analyzeRecording`)
 * @param candidates - ids to try, in order
 * @returns the network id, or `undefined` when no signed reply verifies under any candidate
 */
export async function detectNetworkId(
  sections: readonly Section[],
  accounts: Partial<Record<Role, string>>,
  candidates: readonly string[] = knownNetworkIds,
): Promise<string | undefined> {
  for (const section of sections) {
    if (section.kind !== 'send') continue;
    const account = accounts[section.role];
    if (account === undefined) continue;
    const kind = classifyClientMessage(section.message as JsonValue);
    if (kind.kind !== 'signReply') continue;
    for (const networkId of candidates) {
      try {
        const result = await verifyTransaction(kind.signedTx as Encoded<'tx'>, { networkId, signers: [account as Encoded<'ak'>] });
        if (result.signers.includes(account as Encoded<'ak'>)) return networkId;
      } catch {
        break;
      }
    }
  }
  return undefined;
}
