/**
 * @packageDocumentation
 * `@aechannel/transcript`: reads channel transcripts (recordings of what two clients and
 * a node said over the channel WebSocket API) in both fixture formats, the markdown one
 * and its plain-text rendering, and writes them in the markdown format.
 *
 * It does no I/O. Workspace imports: `@aechannel/codec` (bigint-safe JSON, errors).
 * The fixture recordings themselves are under `./fixtures` (Node only).
 */
export { parseTranscript, type Role, type Section, type SectionKind } from './parseTranscript.js';
export { formatSection, writeTranscript, type SectionInput } from './writeTranscript.js';
