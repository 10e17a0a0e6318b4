/**
 * Older recordings show the node answering `"result": "ok"` to a client message that has
 * no JSON-RPC id (solo close, slash and settle sign replies among them), although the node
 * answers a request without an id with nothing on success (PROTOCOL.md §7.1): the id was
 * lost from the recording, not from the wire. The replay supplies it: the client message
 * gets the id of the answer (or a new one, on both, when the answer has none either), so
 * the client mode's replay maps the answer to the client's request and devnode mode's
 * request gets its answer.
 */
import type { JsonValue } from '@aechannel/codec';
import type { Section } from '@aechannel/transcript';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What {@link supplyReplyIds} returns. */
export interface SuppliedReplyIds {
  /** The sections, with the ids supplied (the input itself when nothing was missing). */
  sections: readonly Section[];
  /** The lines of the client messages that got an id. */
  lines: number[];
}

/** Ids supplied where the answer has none either: negative, as the node's own (§7.1), and far from recorded ones. */
const SUPPLIED_ID_BASE = -8_000_000_000_000n;

/**
 * Gives an id to each client message without one that the node answers with a bare `result`.
 * @param sections - the recording
 * @returns the sections with ids supplied, and where
 * @example
 * const { sections, lines } = supplyReplyIds(recording);
 */
export function supplyReplyIds(sections: readonly Section[]): SuppliedReplyIds {
  let copy: Section[] | undefined;
  const lines: number[] = [];
  for (const [index, section] of sections.entries()) {
    if (section.kind !== 'send' || !isObject(section.message) || section.message.id !== undefined) continue;
    const answer = answerOf(sections, index);
    if (answer === undefined) continue;
    const answerMessage = (sections[answer] as Extract<Section, { kind: 'receive' }>).message as JsonObject;
    const id = answerMessage.id ?? null;
    const supplied = id === null ? SUPPLIED_ID_BASE - BigInt(section.line) : id;
    copy ??= [...sections];
    copy[index] = { ...section, message: { ...section.message, id: supplied } };
    if (id === null) copy[answer] = { ...(sections[answer] as Extract<Section, { kind: 'receive' }>), message: { ...answerMessage, id: supplied } };
    lines.push(section.line);
  }
  return { sections: copy ?? sections, lines };
}

/**
 * The index of the bare `result` that answers the client message at `index`: the role's
 * next node message before its next client message, when no other request of the role
 * claims it by id.
 */
function answerOf(sections: readonly Section[], index: number): number | undefined {
  const role = sections[index]!.role;
  const requestIds = new Set(sections.flatMap((s) => (s.role === role && s.kind === 'send' && isObject(s.message) && s.message.id !== undefined ? [String(s.message.id)] : [])));
  for (let i = index + 1; i < sections.length; i += 1) {
    const section = sections[i]!;
    if (section.role !== role || section.kind === 'info') continue;
    if (section.kind !== 'receive') return undefined;
    const message = section.message;
    if (!isObject(message) || message.result === undefined || message.method !== undefined) continue;
    const id = message.id;
    if (id !== undefined && id !== null && requestIds.has(String(id))) continue;
    return i;
  }
  return undefined;
}
