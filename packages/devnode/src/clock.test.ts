import { expect, it } from 'vitest';
import { createManualClock } from './clock.js';

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
