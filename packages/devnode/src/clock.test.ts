import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock, systemClock } from './clock.js';

it('fires manual timers in deadline order when advanced, and not before', () => {
  const clock = createManualClock(100);
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b'), 20);
  const cancelled = clock.setTimeout(() => fired.push('x'), 5);
  clock.setTimeout(() => {
    fired.push(`a@${clock.now()}`);
    clock.setTimeout(() => fired.push('c'), 1);
  }, 10);
  clock.clearTimeout(cancelled);
  clock.advance(9);
  expect(fired).toEqual([]);
  clock.advance(11);
  expect(fired).toEqual(['a@110', 'c', 'b']);
  expect(clock.now()).toBe(120);
  expect(clock.pending()).toBe(0);
});

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits out delays beyond 2^31 - 1 ms instead of firing at once (timeout_idle of a month)', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const clock = systemClock();
    const fired: number[] = [];
    const month = 31 * 24 * 3600 * 1000;
    clock.setTimeout(() => fired.push(clock.now()), month);
    const cancelled = clock.setTimeout(() => fired.push(-1), 2 * month);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(month - 1001);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toHaveLength(1);
    clock.clearTimeout(cancelled);
    vi.advanceTimersByTime(2 * month);
    expect(fired).toHaveLength(1);
  });
});
