/**
 * The devnode's notion of time (STYLE.md: the clock is injected, like quinn's runtime).
 *
 * FSM timers (§9.9) and interval block production read `now()` and schedule through the
 * same object, so a test can swap in {@link createManualClock} and move time by hand.
 */

/** A clock and timer source. */
export interface DevnodeClock {
  /** Milliseconds since some fixed origin. */
  now(): number;
  /** Runs `callback` once `ms` milliseconds of this clock have passed; returns a handle. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a handle from {@link DevnodeClock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** A clock moved by hand with {@link ManualClock.advance}. */
export interface ManualClock extends DevnodeClock {
  /** Moves time forward by `ms`, running every timer that falls due, in deadline order. */
  advance(ms: number): void;
  /** Number of timers not yet fired or cleared. */
  pending(): number;
}

/** The longest delay host timers honour (2^31 - 1 ms). */
const MAX_HOST_DELAY = 2 ** 31 - 1;

/**
 * The wall clock: `Date.now()` and the host's timers (unref'd, so they never keep a
 * process alive on their own).
 * @returns a {@link DevnodeClock}
 * @example const clock = systemClock(); clock.now();
 */
export function systemClock(): DevnodeClock {
  return {
    now: () => Date.now(),
    setTimeout: (callback, ms) => {
      // Host timers fire after 1 ms for any delay above 2^31 - 1 ms (about 24.8 days), so a
      // client's `timeout_idle=9999999999` would kill its channel at once: wait in steps.
      const slot: { handle: ReturnType<typeof setTimeout> | undefined } = { handle: undefined };
      const deadline = Date.now() + Math.max(0, Number.isNaN(ms) ? 0 : ms);
      const arm = (): void => {
        const left = deadline - Date.now();
        slot.handle = setTimeout(left > MAX_HOST_DELAY ? arm : callback, Math.min(Math.max(0, left), MAX_HOST_DELAY));
        (slot.handle as { unref?: () => void }).unref?.();
      };
      arm();
      return slot;
    },
    clearTimeout: (handle) => clearTimeout((handle as { handle?: ReturnType<typeof setTimeout> } | undefined)?.handle),
  };
}


/**
 * A clock that only moves when told to, for tests of timeouts (§9.9) and interval mining.
 * @param start - the initial `now()` in ms (default 0)
 * @returns a {@link ManualClock}
 * @example
 * const clock = createManualClock();
 * const devnode = await startDevnode({ port: 0, clock });
 * clock.advance(600_000); // fires the idle timers
 */
export function createManualClock(start = 0): ManualClock {
  let now = start;
  let sequence = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      sequence += 1;
      timers.set(sequence, { at: now + Math.max(0, ms), callback });
      return sequence;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let nextId: number | undefined;
        let next: { at: number; callback: () => void } | undefined;
        for (const [id, timer] of timers) {
          if (timer.at <= target && (next === undefined || timer.at < next.at)) {
            nextId = id;
            next = timer;
          }
        }
        if (next === undefined || nextId === undefined) break;
        timers.delete(nextId);
        now = Math.max(now, next.at);
        next.callback();
      }
      now = target;
    },
    pending: () => timers.size,
  };
}
