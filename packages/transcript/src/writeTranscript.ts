/**
 * Writes transcripts in the markdown fixture format, so recordings made by aechannel read
 * exactly like the fixture recordings (and parse back with {@link parseTranscript}).
 */
import { stringifyJson, type JsonValue } from '@aechannel/codec';
import type { Role, Section } from './parseTranscript.js';

/** A section to write; `line` and `raw` are not needed. */
export type SectionInput =
  | { kind: 'connect'; role: Role; url: string }
  | { kind: 'send' | 'receive'; role: Role; message: JsonValue | unknown }
  | { kind: 'info'; role: Role; text: string }
  | { kind: 'close'; role: Role };

/** Sorts object keys alphabetically at every level, as the fixture recordings print them. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * Renders one section as markdown.
 * @example formatSection({ kind: 'info', role: 'initiator', text: 'Channel is open' })
 */
export function formatSection(section: SectionInput | Section): string {
  switch (section.kind) {
    case 'connect':
      return `#### ${section.role} opens a WebSocket connection\n\`\`\`\n${section.url}\n\`\`\`\n`;
    case 'send':
    case 'receive': {
      const arrow = section.kind === 'send' ? '--->' : '<---';
      return `#### ${section.role} ${arrow} node\n\`\`\`javascript\n${stringifyJson(sortKeys(section.message), 2)}\n\`\`\`\n`;
    }
    case 'info':
      return `#### ${section.role} info\n> ${section.text}\n`;
    case 'close':
      return `#### ${section.role} closes WebSocket connection\n`;
  }
}

/**
 * Renders a whole transcript as markdown.
 * @param sections - the sections, in order
 * @param title - an optional heading line
 */
export function writeTranscript(sections: readonly (SectionInput | Section)[], title?: string): string {
  const parts = sections.map(formatSection);
  return `${title === undefined ? '' : `# ${title}\n`}\n${parts.join('\n')}`;
}
