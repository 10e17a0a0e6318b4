/**
 * Every `step` of the fsm tests runs on a deep-frozen state. `step` shares what an input
 * does not change between the state it was given and the one it returns (no whole copy per
 * input), so changing anything in place would corrupt the caller's state: here it throws
 * instead (ES modules are strict), and the failure is reported loudly, not as the
 * `FSM_INTERNAL_ERROR` event `step` turns exceptions into. It also checks that no field of
 * the state is lost from one step to the next.
 */
import { vi } from 'vitest';

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}

vi.mock('../src/transitions.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/transitions.js')>();
  const step: typeof original.step = (state, input) => {
    const result = original.step(deepFreeze(state), input);
    // (the step's copy lists the state's fields one by one: none may be lost on the way)
    for (const key of Object.keys(state)) {
      if (!(key in result.state)) throw new Error(`step dropped the state field ${key} (${input.type})`);
    }
    for (const effect of result.effects) {
      if (effect.type !== 'emit' || effect.event.type !== 'error') continue;
      const cause = (effect.event.error as { cause?: unknown }).cause;
      const message = effect.event.error.message;
      if (/read only|read-only|frozen|not extensible|Cannot (assign|add|delete|define)/i.test(`${message} ${String(cause)}`)) {
        throw new Error(`step changed a state it was given in place (${input.type}): ${message}`);
      }
    }
    return result;
  };
  return { ...original, step, start: (state: Parameters<typeof original.start>[0], now: number) => step(state, { type: 'start', now }) };
});
