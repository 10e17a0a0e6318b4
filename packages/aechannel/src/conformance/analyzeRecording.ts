/**
 * What a recording says about itself, beyond its messages: which account plays which
 * role, which node version produced it (PROTOCOL.md §11), whether it opens the channel,
 * which sign request each signing reply answers, and who closed each socket.
 */
import { decode, deserializeObject, isAechannelError, Tag, verifyPoi, type JsonValue } from '@aechannel/codec';
import type { Role, Section } from '@aechannel/transcript';
import { urlParams } from './compareMessages.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The node behaviours of PROTOCOL.md §11, as named by the devnode's compat presets;
 * `early-iris` is the node of the contract recordings (current messages, the contract
 * rules of CONTRACTS.md §10).
 */
export type NodeVariant = 'current' | 'early-iris' | 'iris-2020-03' | 'iris-2020-01' | 'lima-2019';

/** What {@link analyzeRecording} finds. */
export interface RecordingAnalysis {
  /** Account of each role (`undefined` when the recording never shows it). */
  accounts: Partial<Record<Role, string>>;
  /**
   * Every account that plays each role in some channel of the recording (a recording can
   * close a channel and open another one with other accounts), `accounts[role]` first.
   */
  accountsByRole: Record<Role, string[]>;
  /**
   * Every account (`ak_`) any message of the recording names, in order of appearance: the
   * candidates a role's account is found among by its signatures (`identifyRecording`).
   */
  candidates: string[];
  /** True when the recording opens the channel (it has an opening `connect` without `existing_channel_id`). */
  opensChannel: boolean;
  /** The node version the recording looks like (§11). */
  variant: NodeVariant;
  /** The first off-chain contract request or update of the recording (§7.2, §2.7), if any. */
  firstContractUpdate: { line: number; what: string } | undefined;
}

/** Client requests about off-chain contracts (§7.2, §7.3, §7.5). */
const CONTRACT_METHODS = new Set([
  'channels.update.new_contract',
  'channels.update.call_contract',
  'channels.dry_run.call_contract',
  'channels.get.contract',
  'channels.get.contract_call',
  'channels.clean_contract_calls',
  'channels.force_progress',
]);

/** The first section that creates or calls an off-chain contract. */
function firstContractUpdate(sections: readonly Section[]): { line: number; what: string } | undefined {
  for (const section of sections) {
    const name = method(section);
    if (name === undefined) continue;
    if (section.kind === 'send' && CONTRACT_METHODS.has(name)) return { line: section.line, what: name };
    const updates = section.kind === 'receive' && name.startsWith('channels.sign.') ? data(section).updates : undefined;
    const op = Array.isArray(updates) ? updates.map((u) => (isObject(u) ? u.op : undefined)).find((o) => typeof o === 'string' && o.includes('Contract')) : undefined;
    if (typeof op === 'string') return { line: section.line, what: `${name} with ${op}` };
  }
  return undefined;
}

const method = (section: Section): string | undefined =>
  (section.kind === 'send' || section.kind === 'receive') && isObject(section.message) && typeof section.message.method === 'string'
    ? section.message.method
    : undefined;

const data = (section: Section): JsonObject => {
  if ((section.kind === 'send' || section.kind === 'receive') && isObject(section.message) && isObject(section.message.params)) {
    const inner = section.message.params.data;
    return isObject(inner) ? inner : {};
  }
  return {};
};

const params = (section: Section): JsonObject =>
  (section.kind === 'send' || section.kind === 'receive') && isObject(section.message) && isObject(section.message.params) ? section.message.params : {};

/**
 * Analyzes a recording.
 * @param sections - the parsed transcript
 * @param networkId - its network id, when known (a `lima` network means the 2019 node)
 * @returns the accounts by role, whether it opens the channel, and its node variant
 */
export function analyzeRecording(sections: readonly Section[], networkId?: string): RecordingAnalysis {
  const accounts: Partial<Record<Role, string>> = {};
  const other = (role: Role): Role => (role === 'initiator' ? 'responder' : 'initiator');
  const claim = (role: Role, account: JsonValue | undefined): void => {
    if (typeof account !== 'string' || !account.startsWith('ak_')) return;
    if (accounts[role] === undefined && accounts[other(role)] !== account) accounts[role] = account;
  };
  let opensChannel = false;
  const rejected = rejectedConnects(sections);
  // Strongest evidence first: the open URLs (§6.2) name both accounts (unless the node did not know them).
  for (const [index, section] of sections.entries()) {
    if (section.kind !== 'connect') continue;
    if (rejected.has(index)) {
      if (urlParams(section.url).existing_channel_id === undefined) opensChannel = true;
      continue;
    }
    const query = urlParams(section.url);
    if (query.existing_channel_id === undefined) opensChannel = true;
    claim('initiator', query.initiator_id);
    claim('responder', query.responder_id);
  }
  // Then withdrawals and deposits, which name the requester (§2.7), and messages (§8.5).
  for (const section of sections) {
    const name = method(section);
    if (section.kind === 'receive' && (name === 'channels.sign.withdraw_tx' || name === 'channels.sign.deposit_tx')) {
      const updates = data(section).updates;
      if (Array.isArray(updates) && isObject(updates[0])) claim(section.role, updates[0].to ?? updates[0].from);
    }
    if (section.kind === 'send' && name === 'channels.message') claim(other(section.role), params(section).to);
    if (section.kind === 'receive' && name === 'channels.message') {
      const message = data(section).message;
      if (isObject(message)) {
        claim(other(section.role), message.from);
        claim(section.role, message.to);
      }
    }
  }
  // Signing requests of off-chain updates (§8.2): the starter's own request (`sign.update`)
  // names it as the contract owner or caller; an acknowledgement names the peer.
  for (const section of sections) {
    const name = method(section);
    if (section.kind !== 'receive' || (name !== 'channels.sign.update' && name !== 'channels.sign.update_ack')) continue;
    const updates = data(section).updates;
    const first = Array.isArray(updates) ? updates[0] : undefined;
    if (!isObject(first)) continue;
    const starter = first.op === 'OffChainNewContract' ? first.owner : first.op === 'OffChainCallContract' ? first.caller_id : undefined;
    claim(name === 'channels.sign.update' ? section.role : other(section.role), starter);
  }
  // Then balance queries, which list [initiator, responder] in the recordings.
  for (const section of sections) {
    if (section.kind !== 'send' || method(section) !== 'channels.get.balances') continue;
    const list = params(section).accounts;
    if (Array.isArray(list)) {
      claim('initiator', list[0]);
      claim('responder', list[1]);
    }
  }
  // Last, transfers (§7.2): the starter is usually the payer (it may also request coins, so
  // this comes after everything that names a role for sure).
  for (const section of sections) {
    const name = method(section);
    if (section.kind === 'send' && name === 'channels.update.new') claim(section.role, params(section).from);
    if (section.kind !== 'receive' || (name !== 'channels.sign.update' && name !== 'channels.sign.update_ack')) continue;
    const updates = data(section).updates;
    const first = Array.isArray(updates) ? updates[0] : undefined;
    if (isObject(first) && first.op === 'OffChainTransfer') claim(name === 'channels.sign.update' ? section.role : other(section.role), first.from);
  }
  const candidates = accountsNamed(sections);
  // Two parties: when one role is known and the recording names exactly one other account, that is the other role's.
  for (const role of ['initiator', 'responder'] as const) {
    const known = accounts[other(role)];
    const rest = candidates.filter((account) => account !== known);
    if (accounts[role] === undefined && known !== undefined && rest.length === 1) accounts[role] = rest[0]!;
  }
  const accountsByRole: Record<Role, string[]> = { initiator: [], responder: [] };
  for (const role of ['initiator', 'responder'] as const) {
    const known = accounts[role];
    if (known !== undefined) accountsByRole[role].push(known);
  }
  for (const [index, section] of sections.entries()) {
    if (section.kind !== 'connect' || rejected.has(index)) continue;
    const query = urlParams(section.url);
    for (const [role, key] of [['initiator', 'initiator_id'], ['responder', 'responder_id']] as const) {
      const account = query[key];
      if (account !== undefined && account.startsWith('ak_') && !accountsByRole[role].includes(account)) accountsByRole[role].push(account);
    }
  }
  return { accounts, accountsByRole, candidates, opensChannel, variant: detectVariant(sections, networkId), firstContractUpdate: firstContractUpdate(sections) };
}

/**
 * The connects the node refused because it does not know an account they name (open-time
 * error 1011 "Participant not found", §6.4, §8.8): a recording that tries an unknown account
 * on purpose. Their accounts are not the participants'.
 */
function rejectedConnects(sections: readonly Section[]): Set<number> {
  const found = new Set<number>();
  for (const [index, section] of sections.entries()) {
    if (section.kind !== 'connect') continue;
    for (const next of sections.slice(index + 1)) {
      if (next.role !== section.role) continue;
      if (next.kind === 'connect' || next.kind === 'close' || next.kind === 'send') break;
      if (next.kind !== 'receive' || !isObject(next.message) || !isObject(next.message.error)) continue;
      const codes = Array.isArray(next.message.error.data) ? next.message.error.data.map((entry) => (isObject(entry) ? entry.code : undefined)) : [];
      if (codes.includes(1011n)) found.add(index);
      break;
    }
  }
  return found;
}

/** Every `ak_` string in the recording's URLs and messages, in order of first appearance. */
function accountsNamed(sections: readonly Section[]): string[] {
  const found = new Set<string>();
  const visit = (value: JsonValue | undefined): void => {
    if (typeof value === 'string') {
      if (/^ak_[1-9A-HJ-NP-Za-km-z]{40,60}$/.test(value)) found.add(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) Object.values(value).forEach(visit);
  };
  for (const section of sections) {
    if (section.kind === 'connect') Object.values(urlParams(section.url)).forEach(visit);
    if (section.kind === 'send' || section.kind === 'receive') visit(section.message);
  }
  return [...found];
}

/** At most this many recorded PoIs are read for the contract rules (a bound on the work for long recordings). */
const MAX_POIS_READ = 8;

/**
 * True when a PoI the node returned (`channels.get.poi.reply`) holds a FATE_02 (vm 7)
 * contract stored as contract object v1: the early-Iris node of the contract recordings
 * (CONTRACTS.md §10, first difference; today's nodes store vm 7 as v2, §2.5). PoIs that do
 * not decode say nothing.
 */
function showsEarlyIrisContracts(sections: readonly Section[]): boolean {
  let read = 0;
  for (const section of sections) {
    if (section.kind !== 'receive' || method(section) !== 'channels.get.poi.reply') continue;
    const poi = data(section).poi ?? params(section).data;
    if (typeof poi !== 'string' || !poi.startsWith('pi_')) continue;
    if ((read += 1) > MAX_POIS_READ) return false;
    try {
      for (const { key, value } of verifyPoi(decode(poi, 'pi')).entries.contracts) {
        if (key.length !== 32) continue;
        const object = deserializeObject(value);
        // ct_version packs the VM in its upper bits and the ABI in the lower 16 (§1.1).
        if (object.tag === Tag.Contract && object.version === 1 && object.ctVersion >> 16n === 7n) return true;
      }
    } catch (error) {
      if (!isAechannelError(error)) throw error;
    }
  }
  return false;
}

/** The node version of §11 that the recording's opening (or network, or contract rules) shows. */
function detectVariant(sections: readonly Section[], networkId: string | undefined): NodeVariant {
  if (networkId?.includes('lima')) return 'lima-2019';
  if (showsEarlyIrisContracts(sections)) return 'early-iris';
  const fundingCreated = sections.find((s) => s.kind === 'receive' && method(s) === 'channels.info' && data(s).event === 'funding_created');
  const responderSign = sections.find((s) => s.kind === 'receive' && method(s) === 'channels.sign.responder_sign');
  if (responderSign !== undefined && data(responderSign).fsm_id !== undefined) return 'iris-2020-03';
  if (fundingCreated !== undefined) {
    if (data(fundingCreated).fsm_id !== undefined) return 'current';
    const channelId = params(fundingCreated).channel_id;
    if (channelId === null) return 'iris-2020-01';
    return 'iris-2020-03';
  }
  return 'current';
}

/** The reply method of each sign tag (PROTOCOL.md §7.4), including accepted aliases. */
export const signReplyTags: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'channels.initiator_sign': ['initiator_sign'],
  'channels.responder_sign': ['responder_sign'],
  'channels.deposit_tx': ['deposit_tx'],
  'channels.deposit_ack': ['deposit_ack'],
  'channels.withdraw_tx': ['withdraw_tx'],
  'channels.withdraw_ack': ['withdraw_ack'],
  'channels.update': ['update'],
  'channels.update_ack': ['update_ack'],
  'channels.shutdown_sign': ['shutdown_sign'],
  'channels.shutdown_sign_ack': ['shutdown_sign_ack'],
  'channels.close_solo_sign': ['close_solo_sign'],
  'channels.close_solo_tx': ['close_solo_sign'],
  'channels.slash_sign': ['slash_tx'],
  'channels.slash_tx': ['slash_tx'],
  'channels.settle_sign': ['settle_sign'],
  'channels.settle_tx': ['settle_sign'],
  'channels.snapshot_solo_sign': ['snapshot_solo_tx'],
  'channels.force_progress_sign': ['force_progress_tx'],
  'channels.force_progress_tx': ['force_progress_tx'],
});

/** What a client message is: a command, or a reply to a signing request. */
export type ClientMessageKind =
  | { kind: 'signReply'; tags: readonly string[]; key: 'signed_tx' | 'tx'; signedTx: string }
  | { kind: 'abortReply'; tags: readonly string[]; code: JsonValue }
  | { kind: 'request'; method: string };

/**
 * Classifies a recorded client message.
 * @param message - the JSON-RPC request the client sent
 */
export function classifyClientMessage(message: JsonValue): ClientMessageKind {
  const name = isObject(message) && typeof message.method === 'string' ? message.method : '';
  const tags = signReplyTags[name];
  const p = isObject(message) && isObject(message.params) ? message.params : {};
  if (tags !== undefined) {
    if (p.error !== undefined) return { kind: 'abortReply', tags, code: p.error };
    for (const key of ['signed_tx', 'tx'] as const) {
      const value = p[key];
      if (typeof value === 'string') return { kind: 'signReply', tags, key, signedTx: value };
    }
  }
  return { kind: 'request', method: name };
}

/**
 * Tells whether the node (rather than the client) closed the socket at `index`: the
 * connection saw `info died` (§9.8) or an open-time error (§6.4, `id` null and `request`
 * empty) since it was opened.
 * @param sections - the recording
 * @param index - the index of a `close` section
 */
export function closedByNode(sections: readonly Section[], index: number): boolean {
  const section = sections[index];
  if (section === undefined || section.kind !== 'close') return false;
  for (let i = index - 1; i >= 0; i -= 1) {
    const previous = sections[i]!;
    if (previous.role !== section.role) continue;
    if (previous.kind === 'connect' || previous.kind === 'close') return false;
    if (previous.kind !== 'receive' || !isObject(previous.message)) continue;
    const message = previous.message;
    if (message.method === 'channels.info' && data(previous).event === 'died') return true;
    const error = message.error;
    if (isObject(error) && message.id === null && isObject(error.request) && Object.keys(error.request).length === 0) return true;
  }
  return false;
}
