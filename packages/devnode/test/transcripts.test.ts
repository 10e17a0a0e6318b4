import { describe, expect, it } from 'vitest';
import { fixtureNames, loadFixture } from '@aechannel/transcript/fixtures';
import { driveTranscript } from './transcriptDrive.js';

describe('the devnode answers each recorded client like the recorded node (per role)', () => {
  for (const name of fixtureNames) {
    it(name, async () => {
      const fixture = loadFixture(name);
      const result = await driveTranscript(fixture);
      expect(result.mismatch).toBeUndefined();
      expect(result.extra).toEqual([]);
      const receives = fixture.sections.filter((s) => s.kind === 'receive').length;
      expect(result.steps).toHaveLength(receives);
      expect(result.ok).toBe(true);
    });
  }
});

describe('the harness', () => {
  it('notices a difference: the same recording against the current node shape fails', async () => {
    const result = await driveTranscript(loadFixture('opening_ping_pong.md'), { compat: 'current' });
    expect(result.ok).toBe(false);
    // Current nodes report the channel id at funding_created and add fsm_id there (§11).
    expect(result.mismatch).toMatch(/funding_created/);
  });

  it('drives a recording over a real WebSocket too', async () => {
    const result = await driveTranscript(loadFixture('client_reconnect_responder.txt'), { via: 'ws' });
    expect(result.mismatch).toBeUndefined();
    expect(result.ok).toBe(true);
  });
});
