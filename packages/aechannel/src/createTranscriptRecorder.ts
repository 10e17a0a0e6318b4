/**
 * Records every message of a channel in the fixture format of `@aechannel/transcript`
 * (the markdown recordings under `packages/transcript/fixtures/`), so a recording made by
 * aechannel reads, parses and replays exactly like the fixture recordings.
 *
 * The target is either an object with `write(section)` (called synchronously, in order,
 * for every section) or a file path. For a path, the formatted sections are appended in
 * order; `flush()` resolves once everything recorded so far is in the file. Several
 * channels may record into the same path: appends from one process are serialized. A file
 * path needs Node; in a browser each write reports `CHANNEL_STORE_UNAVAILABLE` to `onError`.
 */
import { formatSection, type SectionInput } from '@aechannel/transcript';
import type { Role } from '@aechannel/transcript';
import { loadNodeFs } from '#nodeFs';

/** Where a transcript goes: a section sink, or a file path. */
export type TranscriptTarget =
  | {
      /** Receives each section, synchronously, in order. */
      write(section: SectionInput): void;
    }
  | string;

/** Records the sections of one participant. */
export interface TranscriptRecorder {
  /** `<role> opens a WebSocket connection` with the URL. */
  connect(url: string): void;
  /** `<role> ---> node`: a message the client sent. */
  send(message: unknown): void;
  /** `<role> <--- node`: a message the node sent. */
  receive(message: unknown): void;
  /** `<role> info`: a note. */
  info(text: string): void;
  /** `<role> closes WebSocket connection`. */
  close(): void;
  /** Resolves when every section recorded so far has been written. */
  flush(): Promise<void>;
}

/** Appends to files in order, one queue per path, shared by every recorder of this process. */
const fileQueues = new Map<string, Promise<void>>();

function appendInOrder(path: string, text: string, onError: (error: unknown) => void): Promise<void> {
  const previous = fileQueues.get(path) ?? Promise.resolve();
  const next = previous
    .then(async () => {
      // `#nodeFs`: node:fs in Node; in a browser bundle a stand-in that rejects (onError).
      const fs = await loadNodeFs();
      await fs.appendFile(path, text, 'utf8');
    })
    .catch(onError);
  fileQueues.set(path, next);
  void next.then(() => {
    if (fileQueues.get(path) === next) fileQueues.delete(path);
  });
  return next;
}

/**
 * Creates a recorder for one participant.
 * @param target - a section sink or a file path
 * @param role - the participant whose traffic is recorded
 * @param onError - called (never thrown) when the sink or the file write fails
 * @returns a {@link TranscriptRecorder}
 * @example
 * const sections: SectionInput[] = [];
 * const recorder = createTranscriptRecorder({ write: (s) => sections.push(s) }, 'initiator');
 * recorder.send({ jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } });
 */
export function createTranscriptRecorder(
  target: TranscriptTarget,
  role: Role,
  onError: (error: unknown) => void = () => {},
): TranscriptRecorder {
  let last: Promise<void> = Promise.resolve();
  const write = (section: SectionInput): void => {
    if (typeof target === 'string') {
      let text: string;
      try {
        text = `${formatSection(section)}\n`;
      } catch (error) {
        onError(error);
        return;
      }
      last = appendInOrder(target, text, onError);
      return;
    }
    try {
      target.write(section);
    } catch (error) {
      onError(error);
    }
  };
  return {
    connect: (url) => write({ kind: 'connect', role, url }),
    send: (message) => write({ kind: 'send', role, message }),
    receive: (message) => write({ kind: 'receive', role, message }),
    info: (text) => write({ kind: 'info', role, text }),
    close: () => write({ kind: 'close', role }),
    flush: () => last,
  };
}
