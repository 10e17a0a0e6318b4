/**
 * Finds the network id a recording's signatures were made for (PROTOCOL.md §3.1), and
 * with it the account of a role the recording does not name as such: a client's signed
 * reply verifies only for its own account under the right network id.
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
 * The network id assumed for a recording whose signatures verify under none of the
 * candidates (no client signature at all: pings, failed opens, generalized accounts; or an
 * unknown network): the one of the node's own test suite, where such recordings come from.
 * Conformance uses the network id only to tell the node version (a Lima network is the
 * 2019 node, §11); the client under test is given the recorded signatures.
 */
export const defaultNetworkId = 'local_iris_testnet';

/** What {@link identifySigners} finds. */
export interface IdentifiedSigners {
  /** The network id the first verifying signature was made for (`undefined`: none verifies). */
  networkId: string | undefined;
  /** The account of each role whose signature verified. */
  accounts: Partial<Record<Role, string>>;
}

/** At most this many signed replies are tried (a bound on the work for long recordings). */
const MAX_REPLIES_TRIED = 16;

/**
 * Finds the network id and the signing account of each role from the client's signed replies.
 * @param sections - the recording
 * @param accounts - the account of each role, when known (only it is tried for that role)
 * @param candidates - accounts to try for a role whose account is not known
 * @param networkIds - network ids to try, in order
 * @returns the network id and the accounts whose signatures verified
 * @example
 * const { networkId, accounts } = await identifySigners(sections, {}, analysis.candidates);
 */
export async function identifySigners(
  sections: readonly Section[],
  accounts: Partial<Record<Role, string>>,
  candidates: readonly string[],
  networkIds: readonly string[] = knownNetworkIds,
): Promise<IdentifiedSigners> {
  let networkId: string | undefined;
  const found: Partial<Record<Role, string>> = {};
  let tried = 0;
  for (const section of sections) {
    if (section.kind !== 'send' || found[section.role] !== undefined) continue;
    const kind = classifyClientMessage(section.message as JsonValue);
    if (kind.kind !== 'signReply') continue;
    if ((tried += 1) > MAX_REPLIES_TRIED) break;
    const known = accounts[section.role];
    const other = found[section.role === 'initiator' ? 'responder' : 'initiator'];
    const signers = (known === undefined ? candidates.filter((account) => account !== other) : [known]) as Encoded<'ak'>[];
    if (signers.length === 0) continue;
    for (const id of networkId === undefined ? networkIds : [networkId]) {
      let verified: readonly string[];
      try {
        verified = (await verifyTransaction(kind.signedTx as Encoded<'tx'>, { networkId: id, signers })).signers;
      } catch {
        break; // not a signed tx this code reads (e.g. a generalized account's meta tx)
      }
      if (verified.length === 0) continue;
      networkId = id;
      // A reply can carry the peer's signature too (the second signer of a create tx):
      // the role's own account is the one that is not the peer's; two unknowns stay unknown.
      const own = verified.filter((account) => account !== other);
      if (own.length === 1) found[section.role] = own[0]!;
      break;
    }
    if (found.initiator !== undefined && found.responder !== undefined) break;
  }
  return { networkId, accounts: found };
}

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
  return (await identifySigners(sections, accounts, [], candidates)).networkId;
}
