/**
 * Which sign round the node still holds open for this client after a reconnect, read from
 * the node fsm's event log (`channels.history.fetch`, PROTOCOL.md §7.5).
 *
 * After a reconnect the node sends `fsm_up` and nothing else (§6.3, §9.7): a sign request
 * it sent while the socket was dropping is not repeated, and `channels.get.offchain_state`
 * only shows a round this client already signed (`half_signed_tx`). The event log does
 * show it: every report to the client is an `rpt` entry, every client request a `req`
 * entry, in order. A sign request reported before the reconnect's `fsm_up`, followed by no
 * reply of ours and no outcome (co-signed state, conflict, abort, the fsm ending), is a
 * round the node is still waiting on, and one this client cannot complete (the tx is not
 * in the log): the driver aborts it (§9.6). A wrong guess costs one abort the node answers
 * with 1018 "Not allowed at current channel state".
 *
 * Entries are read in the devnode's form (`tag` = the method reported or requested, `info`
 * = the `channels.info` event) and in a short form (`tag` = `sign` / `info` / `conflict`
 * ..., the sign tag or event in `info`).
 */
import type { JsonValue } from '@aechannel/codec';
import { REPLY_METHOD, type HistoryEntry, type SignTag } from '@aechannel/fsm';

const SIGN_TAGS = Object.keys(REPLY_METHOD) as SignTag[];

/** `channels.info` events that end any sign round in progress (§9.6, §9.8, §9.10). */
const ENDING_EVENTS = new Set(['aborted_update', 'died', 'open', 'closing', 'closed_confirmed', 'peer_disconnected', 'timeout']);

/** Reports that end a sign round: its outcome (§8.4, §8.6, §9.7). */
const ENDING_REPORTS = new Set(['update', 'conflict', 'leave']);

const nameOf = (tag: string): string => (tag.startsWith('channels.') ? tag.slice('channels.'.length) : tag);

/** The string `info` carries: itself, or its `event` / `tag` field. */
function detailOf(info: JsonValue): string | null {
  if (typeof info === 'string') return info;
  if (typeof info === 'object' && info !== null && !Array.isArray(info)) {
    for (const key of ['event', 'tag']) {
      const value = info[key];
      if (typeof value === 'string') return value;
    }
  }
  return null;
}

/** The sign tag an entry reports a request for, if it is one. */
function signRequestOf(entry: HistoryEntry): SignTag | null {
  if (entry.type !== 'rpt') return null;
  const name = nameOf(entry.tag);
  const tag = name.startsWith('sign.') ? name.slice('sign.'.length) : name === 'sign' ? detailOf(entry.info) : null;
  return tag !== null && (SIGN_TAGS as string[]).includes(tag) ? (tag as SignTag) : null;
}

function isInfo(entry: HistoryEntry, event: string): boolean {
  return entry.type === 'rpt' && nameOf(entry.tag) === 'info' && detailOf(entry.info) === event;
}

/** Whether `entry` answers or ends the round of `tag`. */
function ends(entry: HistoryEntry, tag: SignTag): boolean {
  if (entry.type === 'req') return entry.tag === REPLY_METHOD[tag] || nameOf(entry.tag) === nameOf(REPLY_METHOD[tag]);
  if (entry.type !== 'rpt') return false;
  const name = nameOf(entry.tag);
  if (ENDING_REPORTS.has(name)) return true;
  return name === 'info' && ENDING_EVENTS.has(detailOf(entry.info) ?? '');
}

/**
 * The sign round left open before the latest reconnect, per the node's event log.
 * @param history - the entries of `channels.history.fetch`, oldest first
 * @returns the sign tag of the round the node still waits on, or null
 * @example openSignRoundOf([{ type: 'rpt', tag: 'channels.sign.update_ack', time: 1n, info: '' }, { type: 'rpt', tag: 'channels.info', time: 2n, info: 'fsm_up' }]) // 'update_ack'
 */
export function openSignRoundOf(history: readonly HistoryEntry[]): SignTag | null {
  // Only what happened before the reconnect: a request after it reached this client.
  let end = history.length;
  for (let i = history.length - 1; i >= 0; i--) {
    if (isInfo(history[i]!, 'fsm_up')) {
      end = i;
      break;
    }
  }
  for (let i = end - 1; i >= 0; i--) {
    const tag = signRequestOf(history[i]!);
    if (tag === null) continue;
    for (let j = i + 1; j < end; j++) if (ends(history[j]!, tag)) return null;
    return tag;
  }
  return null;
}
