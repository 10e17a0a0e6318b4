import { describe, expect, it } from 'vitest';
import { EventQueue } from './eventQueue.js';

/** A queue whose afterTask records 'after' in `seen` and whose onError keeps the errors. */
function recordingQueue(): { queue: EventQueue; seen: string[]; errors: unknown[] } {
  const seen: string[] = [];
  const errors: unknown[] = [];
  const queue = new EventQueue(
    (error) => errors.push(error),
    () => {
      seen.push('after');
    },
  );
  return { queue, seen, errors };
}

describe('EventQueue afterTask', () => {
  it('runs after every task, sync, async or throwing, before the next task starts', async () => {
    const { queue, seen, errors } = recordingQueue();
    queue.enqueue(() => {
      seen.push('sync');
      queue.enqueue(() => {
        seen.push('enqueued by sync');
      });
    });
    queue.enqueue(async () => {
      seen.push('async start');
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      seen.push('async end');
    });
    queue.enqueue(() => {
      seen.push('throws');
      throw new Error('boom');
    });
    await queue.idle();
    expect(seen).toEqual(['sync', 'after', 'async start', 'async end', 'after', 'throws', 'after', 'enqueued by sync', 'after']);
    expect(errors).toHaveLength(1);
  });

  it('waits for a follow-up that comes next (what both wrote leaves together), not for one behind other work', async () => {
    const { queue, seen } = recordingQueue();
    queue.enqueue(() => {
      seen.push('a');
      queue.enqueue(() => {
        seen.push('a follow-up');
      }, { followUp: true });
    });
    await queue.idle();
    expect(seen).toEqual(['a', 'a follow-up', 'after']);

    seen.length = 0;
    queue.enqueue(() => {
      seen.push('b');
      queue.enqueue(() => {
        seen.push('b follow-up');
      }, { followUp: true });
    });
    queue.enqueue(() => {
      seen.push('c');
    });
    await queue.idle();
    expect(seen).toEqual(['b', 'after', 'c', 'b follow-up', 'after']);
  });
});
