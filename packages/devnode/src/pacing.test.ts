import { describe, expect, it } from 'vitest';
import { newPaceState, paceAfterFrame, READ_PAUSE_FACTOR } from './pacing.js';

/** Plays frames back to back (each frame's wall time = its cost, plus any pause) and sums the pauses and the costly time. */
function play(costs: number[]): { paused: number; costly: number; wall: number } {
  const state = newPaceState(0);
  let now = 0;
  let paused = 0;
  let costly = 0;
  for (const cost of costs) {
    now += cost;
    if (cost >= 2) costly += cost;
    const pause = paceAfterFrame(state, cost, now);
    paused += pause;
    now += pause;
  }
  return { paused, costly, wall: now };
}

describe('read pacing', () => {
  it('never pauses a client of cheap frames, or one whose frame now and then meets a pause of the process', () => {
    expect(play(Array.from({ length: 1000 }, () => 0.3)).paused).toBe(0);
    const noisy = Array.from({ length: 2000 }, (_, i) => (i % 150 === 0 ? 4 : 0.3));
    expect(play(noisy).paused).toBe(0);
  });

  it('pauses a large frame beyond the burst for four times its cost', () => {
    const state = newPaceState(0);
    expect(paceAfterFrame(state, 40, 40)).toBe(40 * READ_PAUSE_FACTOR);
  });

  it('holds costly frames to about a fifth of the time, however they are mixed with cheap ones', () => {
    // fourteen cheap frames, then one just under 8 ms, again and again
    const cycle = [...Array.from({ length: 14 }, () => 0.05), 7.9];
    const { paused, costly, wall } = play(Array.from({ length: 200 }, () => cycle).flat());
    expect(paused).toBeGreaterThan(0);
    expect(costly / wall).toBeLessThanOrEqual(1 / (1 + READ_PAUSE_FACTOR) + 0.02);
    // costly frames back to back as well
    const back = play(Array.from({ length: 500 }, () => 3));
    expect(back.costly / back.wall).toBeLessThanOrEqual(1 / (1 + READ_PAUSE_FACTOR) + 0.02);
  });
});
