import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTranscript, type SectionInput } from '@aechannel/transcript';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { createTranscriptRecorder } from './createTranscriptRecorder.js';

describe('createTranscriptRecorder', () => {
  it('passes every section to a sink, in order', () => {
    const sections: SectionInput[] = [];
    const recorder = createTranscriptRecorder({ write: (s) => sections.push(s) }, 'responder');
    recorder.connect('ws://127.0.0.1:1/channel?role=responder');
    recorder.send({ jsonrpc: '2.0', method: 'channels.system', params: { action: 'ping' } });
    recorder.receive({ jsonrpc: '2.0', method: 'channels.system.pong', params: { channel_id: null } });
    recorder.info('pong received');
    recorder.close();
    expect(sections.map((s) => `${s.role} ${s.kind}`)).toEqual([
      'responder connect',
      'responder send',
      'responder receive',
      'responder info',
      'responder close',
    ]);
  });

  it('never throws when the sink throws', () => {
    const errors: unknown[] = [];
    const recorder = createTranscriptRecorder(
      {
        write() {
          throw new Error('disk full');
        },
      },
      'initiator',
      (e) => errors.push(e),
    );
    expect(() => recorder.info('x')).not.toThrow();
    expect(errors).toHaveLength(1);
  });

  it('writes a file that parses back to the same sections as a fixture', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aechannel-transcript-'));
    try {
      const path = join(dir, 'out.md');
      const fixture = loadFixture('opening_ping_pong.md');
      const initiator = createTranscriptRecorder(path, 'initiator');
      const responder = createTranscriptRecorder(path, 'responder');
      for (const section of fixture.sections) {
        const recorder = section.role === 'initiator' ? initiator : responder;
        if (section.kind === 'connect') recorder.connect(section.url);
        else if (section.kind === 'send') recorder.send(section.message);
        else if (section.kind === 'receive') recorder.receive(section.message);
        else if (section.kind === 'info') recorder.info(section.text);
        else recorder.close();
      }
      await initiator.flush();
      await responder.flush();
      const parsed = parseTranscript(await readFile(path, 'utf8'));
      const strip = (s: { line?: unknown; raw?: unknown }) => {
        const { line: _line, raw: _raw, ...rest } = s;
        return rest;
      };
      expect(parsed.map(strip)).toEqual(fixture.sections.map(strip));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
