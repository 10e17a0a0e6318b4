/**
 * The contract recordings (`contracts_group_open.md` + `contracts_basic.md`, one channel
 * split over two files) driven through the devnode in exact mode with the `early-iris`
 * preset: the recording's accounts and network id, the recorded signatures as the clients'
 * replies, and every node message compared whole. So each create/off-chain tx (state hash
 * included), call result (return value, gas), dry run, PoI and error is the recorded one.
 */
import { describe, expect, it } from 'vitest';
import { contractFixtureNames, loadFixture, type Fixture } from '@aechannel/transcript/fixtures';
import { driveTranscript } from './transcriptDrive.js';

function joined(): Fixture {
  const [open, basic] = contractFixtureNames.map(loadFixture) as [Fixture, Fixture];
  return { ...basic, name: basic.name, text: `${open.text}\n${basic.text}`, sections: [...open.sections, ...basic.sections] };
}

describe('the contract recordings through the devnode (exact, early-iris)', () => {
  it('answers every message of both roles as recorded', async () => {
    const fixture = joined();
    const result = await driveTranscript(fixture, { exact: true, timeoutMs: 20_000 });
    expect(result.mismatch).toBeUndefined();
    expect(result.extra).toEqual([]);
    expect(result.steps).toHaveLength(fixture.sections.filter((s) => s.kind === 'receive').length);
    expect(result.ok).toBe(true);
  }, 300_000);

  it('fails with today\'s rules (ceres gas schedule, contract object v2): the harness sees state hashes', async () => {
    const result = await driveTranscript(joined(), { exact: true, compat: 'current', timeoutMs: 20_000 });
    expect(result.ok).toBe(false);
    // The first contract round: today's rules give another state hash than the recorded one.
    expect(result.mismatch).toMatch(/channels\.sign\.update/);
  }, 300_000);
});
