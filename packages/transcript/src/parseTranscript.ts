/**
 * Parses channel transcripts in both fixture formats.
 *
 * A transcript is a list of sections; each has a heading naming a participant and a
 * direction, then a body:
 *
 * - `<role> opens a WebSocket connection` + the URL
 * - `<role> ---> node` + the JSON-RPC message the client sent
 * - `<role> <--- node` + the JSON-RPC message the node sent
 * - `<role> info` + a sentence
 * - `<role> closes WebSocket connection`
 *
 * The markdown format puts `#### ` before headings, fences message bodies and quotes info
 * lines with `> `. The plain-text rendering has bare headings and bodies. JSON is parsed
 * bigint-safe (every integer is a `bigint`).
 */
import { AechannelError, parseJson, type JsonValue } from '@aechannel/codec';

/** A participant of a recorded channel. */
export type Role = 'initiator' | 'responder';

interface SectionBase {
  role: Role;
  /** 1-based line number of the heading in the source text. */
  line: number;
}

/** One section of a transcript. */
export type Section =
  | (SectionBase & { kind: 'connect'; url: string })
  | (SectionBase & { kind: 'send'; message: JsonValue; raw: string })
  | (SectionBase & { kind: 'receive'; message: JsonValue; raw: string })
  | (SectionBase & { kind: 'info'; text: string })
  | (SectionBase & { kind: 'close' });

/** The kinds of section, as their `kind` discriminant. */
export type SectionKind = Section['kind'];

const HEADING = /^(?:#{1,6}\s+)?(initiator|responder)\s+(opens a WebSocket connection|--->\s*node|<---\s*node|info|closes WebSocket connection)\s*$/;

function kindOf(direction: string): SectionKind {
  if (direction.startsWith('opens')) return 'connect';
  if (direction.startsWith('closes')) return 'close';
  if (direction === 'info') return 'info';
  return direction.startsWith('--->') ? 'send' : 'receive';
}

/**
 * Parses a transcript (markdown or plain-text rendering).
 * @param text - the whole transcript
 * @returns its sections, in order
 * @throws {AechannelError} `TRANSCRIPT_INVALID` when a section body is missing or its JSON is invalid
 * @example
 * const sections = parseTranscript(readFileSync('abort_withdraw.md', 'utf8'));
 */
export function parseTranscript(text: string): Section[] {
  const lines = text.split(/\r?\n/);
  const headings: { index: number; role: Role; kind: SectionKind }[] = [];
  lines.forEach((line, index) => {
    const match = HEADING.exec(line.trim());
    if (match) headings.push({ index, role: match[1] as Role, kind: kindOf(match[2]!) });
  });
  return headings.map((heading, i) => {
    const end = headings[i + 1]?.index ?? lines.length;
    const body = lines
      .slice(heading.index + 1, end)
      .filter((line) => !/^\s*```/.test(line))
      .map((line) => line.replace(/^>\s?/, ''))
      .join('\n')
      .trim();
    const base = { role: heading.role, line: heading.index + 1 };
    const fail = (what: string, cause?: unknown): never => {
      throw new AechannelError('TRANSCRIPT_INVALID', `Section at line ${base.line} (${heading.role} ${heading.kind}): ${what}.`, {
        cause,
        context: { line: base.line, role: heading.role, kind: heading.kind },
      });
    };
    switch (heading.kind) {
      case 'connect': {
        const url = body.split('\n').find((line) => /^wss?:\/\//.test(line.trim()));
        return { ...base, kind: 'connect', url: url?.trim() ?? fail('no URL') };
      }
      case 'close':
        return { ...base, kind: 'close' };
      case 'info':
        return { ...base, kind: 'info', text: body };
      case 'send':
      case 'receive': {
        const start = body.search(/[[{]/);
        if (start < 0) return fail('no JSON body');
        const raw = body.slice(start);
        try {
          return { ...base, kind: heading.kind, message: parseJson(raw), raw };
        } catch (cause) {
          return fail('invalid JSON body', cause);
        }
      }
    }
  });
}
