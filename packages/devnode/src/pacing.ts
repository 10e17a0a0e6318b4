/**
 * Read pacing of one client: how long the devnode stops reading a client after handling one
 * of its frames. The node schedules its connections preemptively; the devnode handles one
 * frame at a time, so it paces instead: a client may spend at most a fifth of the devnode's
 * time on frames that are costly, however it writes them.
 *
 * The rule is a budget, not a per-frame threshold. Each costly frame (at least
 * {@link PACE_FROM_MS}) adds its cost to the client's debt; the debt is paid back at
 * 1 / (1 + {@link READ_PAUSE_FACTOR}) of the wall time that passes. While the debt is below
 * {@link PACE_BURST_MS} the client is read again at once, so a cheap frame that happened to
 * meet a garbage collection (a few ms, now and then) costs its client nothing; above it, the
 * frame buys a pause of {@link READ_PAUSE_FACTOR} times its cost. A client that alternates
 * cheap frames with costly ones builds the debt up all the same. Pure: the caller passes the
 * clock.
 */

/** A frame cheaper than this (ms) adds nothing to the debt. */
export const PACE_FROM_MS = 2;
/** Debt (ms) a client may run up before its costly frames pause it. */
export const PACE_BURST_MS = 10;
/** A paced frame pauses its client's reading for this many times its cost. */
export const READ_PAUSE_FACTOR = 4;

/** A client's pacing state. */
export interface PaceState {
  /** Cost of costly frames not yet paid back, ms. */
  debtMs: number;
  /** When the debt was last updated (the caller's clock, ms). */
  atMs: number;
}

/** A new client's pacing state. */
export function newPaceState(nowMs: number): PaceState {
  return { debtMs: 0, atMs: nowMs };
}

/**
 * Accounts for a handled frame and says how long to pause the client's reading.
 * @param state - the client's pacing state (updated in place)
 * @param costMs - what the frame cost the devnode
 * @param nowMs - the time now, on the clock of `state.atMs`
 * @returns the pause in ms, 0 to read again at once
 */
export function paceAfterFrame(state: PaceState, costMs: number, nowMs: number): number {
  const paid = Math.max(0, nowMs - state.atMs) / (1 + READ_PAUSE_FACTOR);
  state.debtMs = Math.max(0, state.debtMs - paid);
  state.atMs = nowMs;
  if (costMs < PACE_FROM_MS) return 0;
  state.debtMs += costMs;
  return state.debtMs < PACE_BURST_MS ? 0 : costMs * READ_PAUSE_FACTOR;
}
