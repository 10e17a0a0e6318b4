/**
 * Compares a recorded transcript with the sections seen in a run, per role.
 *
 * Only one direction is compared per mode: in client mode what the client sent
 * (`--->` messages and the URLs it connected to), in devnode mode what the node sent
 * (`<---`). Order matters within a role; the interleaving of the two roles does not
 * (the two sockets are independent, PROTOCOL.md §13.2 item 7). The first difference is
 * the one whose recorded position comes first.
 */
import type { Role, Section, SectionInput } from '@aechannel/transcript';
import {
  compareClientMessage,
  compareConnectUrl,
  compareNodeMessage,
  renderClientMessage,
  renderNodeMessage,
  renderValue,
  type AccountNames,
  type FieldDifference,
} from './compareMessages.js';

/** The two conformance modes. */
export type ConformanceMode = 'client' | 'devnode';

/** A section as compared: recorded ones carry their line. */
export type ComparedSection = (Section | SectionInput) & { line?: number };

/** The first difference between a recording and a run. */
export interface SectionDifference {
  role: Role;
  /** `--->` (client messages), `<---` (node messages) or `connect`. */
  direction: '--->' | '<---' | 'connect';
  /** 1-based position among the role's compared sections. */
  index: number;
  /** Line of the recorded section (if there is one). */
  line: number | undefined;
  /** The differing field; `undefined` when a message is missing or extra. */
  field: FieldDifference | undefined;
  /** The recorded message, rendered (or `nothing`). */
  expected: string;
  /** The message seen in the run, rendered (or `nothing`). */
  actual: string;
}

/** Options of {@link compareSections}. */
export interface CompareSectionsOptions {
  mode: ConformanceMode;
  /** Account → role names of the recording and of the run (devnode mode). */
  names?: { expected?: AccountNames; actual?: AccountNames };
  /** URL parameters not compared (client mode), e.g. `['offchain_tx']`. */
  ignoreUrlParams?: readonly string[];
  /** Compare connection URLs (client mode; default true). */
  compareUrls?: boolean;
}

const compared = (section: ComparedSection, options: CompareSectionsOptions): boolean =>
  options.mode === 'client' ? section.kind === 'send' || (section.kind === 'connect' && options.compareUrls !== false) : section.kind === 'receive';

/** The sections of one role that a mode compares, in order. */
export function comparedSections(sections: readonly ComparedSection[], role: Role, options: CompareSectionsOptions): ComparedSection[] {
  return sections.filter((section) => section.role === role && compared(section, options));
}

function render(section: ComparedSection | undefined, names: AccountNames | undefined): string {
  if (section === undefined) return 'nothing';
  switch (section.kind) {
    case 'connect':
      return `connect ${section.url}`;
    case 'send':
      return renderClientMessage(section.message);
    case 'receive':
      return renderNodeMessage(section.message, names);
    default:
      return section.kind;
  }
}

function compareOne(expected: ComparedSection, actual: ComparedSection, options: CompareSectionsOptions): FieldDifference | undefined {
  if (expected.kind !== actual.kind) return { path: 'kind', expected: expected.kind, actual: actual.kind };
  if (expected.kind === 'connect' && actual.kind === 'connect') return compareConnectUrl(expected.url, actual.url, options.ignoreUrlParams);
  if (expected.kind === 'send' && actual.kind === 'send') return compareClientMessage(expected.message, actual.message);
  if (expected.kind === 'receive' && actual.kind === 'receive') return compareNodeMessage(expected.message, actual.message, options.names);
  return undefined;
}

/**
 * Finds the first difference between a recording and a run.
 * @param recorded - the recorded sections (both roles)
 * @param actual - the sections of the run (both roles, any interleaving)
 * @param options - the mode and how accounts are named
 * @returns the first difference, or `undefined` when the run conforms
 * @example
 * const difference = compareSections(fixture.sections, run.sections, { mode: 'client' });
 */
export function compareSections(
  recorded: readonly ComparedSection[],
  actual: readonly ComparedSection[],
  options: CompareSectionsOptions,
): SectionDifference | undefined {
  const found: SectionDifference[] = [];
  for (const role of ['initiator', 'responder'] as const) {
    const want = comparedSections(recorded, role, options);
    const got = comparedSections(actual, role, options);
    for (let i = 0; i < Math.max(want.length, got.length); i += 1) {
      const expected = want[i];
      const seen = got[i];
      const field = expected !== undefined && seen !== undefined ? compareOne(expected, seen, options) : undefined;
      if (expected !== undefined && seen !== undefined && field === undefined) continue;
      const reference = expected ?? seen!;
      found.push({
        role,
        direction: reference.kind === 'connect' ? 'connect' : reference.kind === 'send' ? '--->' : '<---',
        index: i + 1,
        line: expected?.line ?? want.at(-1)?.line,
        field,
        expected: render(expected, options.names?.expected),
        actual: render(seen, options.names?.actual),
      });
      break;
    }
  }
  // The difference that comes first in the recording is the one to report.
  found.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) || (a.role < b.role ? -1 : 1));
  return found[0];
}

/**
 * Renders a difference on one line, naming the role, the message and both messages.
 * @example
 * formatDifference(d) // 'initiator ---> #5 (line 412): params.amount expected 3, got 2; recorded: channels.withdraw {"amount":3}; actual: channels.withdraw {"amount":2}'
 */
export function formatDifference(difference: SectionDifference): string {
  const where = `${difference.role} ${difference.direction} #${difference.index}${difference.line === undefined ? '' : ` (line ${difference.line})`}`;
  let what: string;
  if (difference.actual === 'nothing') what = 'missing';
  else if (difference.expected === 'nothing') what = 'unexpected extra message';
  else if (difference.field !== undefined) {
    const path = difference.field.path === '' ? 'message' : difference.field.path;
    what = `${path} expected ${renderValue(difference.field.expected, 80)}, got ${renderValue(difference.field.actual, 80)}`;
  } else what = 'differs';
  return `${where}: ${what}; recorded: ${difference.expected}; actual: ${difference.actual}`;
}
