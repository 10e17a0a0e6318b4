/**
 * The fixture recordings (Node only): real traffic between two clients and an æternity
 * node, used as ground truth by the tests of every package.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseTranscript, type Section } from './parseTranscript.js';

/** One fixture recording. */
export interface Fixture {
  /** File name, e.g. `abort_withdraw.md`. */
  name: string;
  /** Absolute path of the file. */
  path: string;
  /** The network id its signatures were made for. */
  networkId: string;
  /** The raw text. */
  text: string;
  /** The parsed sections. */
  sections: Section[];
}

/** File names of the fixtures, with the network id each was recorded on. */
export const fixtureNetworkIds: Readonly<Record<string, string>> = Object.freeze({
  'abort_withdraw.md': 'local_iris_testnet',
  'client_reconnect_responder.txt': 'local_iris_testnet',
  'conflict_two_updates_and_user_abort.md': 'local_lima_testnet',
  'conflict_two_withdrawals.md': 'local_iris_testnet',
  'opening_ping_pong.md': 'local_iris_testnet',
});

/** The fixture file names. */
export const fixtureNames: readonly string[] = Object.freeze(Object.keys(fixtureNetworkIds));

/**
 * The recordings of a channel running FATE contracts, with their network ids. Kept apart
 * from {@link fixtureNames}: `contracts_basic.md` continues the channel that
 * `contracts_group_open.md` opens, so it cannot be read alone, and its contract rounds need
 * the FATE VM.
 */
export const contractFixtureNetworkIds: Readonly<Record<string, string>> = Object.freeze({
  'contracts_group_open.md': 'local_iris_testnet',
  'contracts_basic.md': 'local_iris_testnet',
});

/** The contract recordings' file names, the opening first. */
export const contractFixtureNames: readonly string[] = Object.freeze(Object.keys(contractFixtureNetworkIds));

/** Absolute path of a fixture file. */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

/** Reads and parses one fixture. */
export function loadFixture(name: string): Fixture {
  const networkId = fixtureNetworkIds[name] ?? contractFixtureNetworkIds[name];
  if (networkId === undefined) throw new Error(`Unknown fixture: ${name}`);
  const path = fixturePath(name);
  const text = readFileSync(path, 'utf8');
  return { name, path, networkId, text, sections: parseTranscript(text) };
}

/** Reads and parses every fixture. */
export function loadFixtures(): Fixture[] {
  return fixtureNames.map(loadFixture);
}
