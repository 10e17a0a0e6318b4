/**
 * One FIFO of work for the whole devnode: client requests, FSM-to-FSM messages, chain
 * events and timers all go through it and run one at a time.
 *
 * Serializing everything is what makes the simulator deterministic: two client requests
 * that arrive in the same tick are both handled before the peer messages they cause, the
 * way two real nodes let messages cross on the wire (§9.5). A task that throws is reported
 * to `onError` and never stops the queue (the server must not crash on bad input).
 */

/** A unit of work; an async task holds the queue until it settles. */
export type Task = () => void | Promise<void>;

/** The devnode's serial work queue. */
export class EventQueue {
  readonly #tasks: Task[] = [];
  readonly #followUps = new WeakSet<Task>();
  #running = false;
  #scheduled = false;
  #waiters: (() => void)[] = [];

  /**
   * @param onError - receives what a task threw
   * @param afterTask - runs after each task settles, or after its follow-up when that comes
   *   next (the devnode sends the frames the tasks wrote)
   */
  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly afterTask: () => void = () => undefined,
  ) {}

  /**
   * Adds a task at the end of the queue.
   * @param task - the work
   * @param options - `followUp`: the task continues the one running (an FSM's message to its
   *   peer): when it is next in the queue, `afterTask` waits for it, so what the two wrote
   *   leaves together
   */
  enqueue(task: Task, options?: { followUp?: boolean }): void {
    if (options?.followUp === true) this.#followUps.add(task);
    this.#tasks.push(task);
    this.#schedule();
  }

  /** True while tasks are queued or running. */
  get busy(): boolean {
    return this.#running || this.#tasks.length > 0;
  }

  /** Resolves once the queue is empty and nothing runs (after pending I/O callbacks had a turn). */
  async idle(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.busy) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (!this.busy) return;
      }
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#running) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      for (let task = this.#tasks.shift(); task !== undefined; task = this.#tasks.shift()) {
        try {
          const result = task();
          if (result !== undefined) await result;
        } catch (error) {
          this.onError(error);
        }
        const next = this.#tasks[0];
        if (next === undefined || !this.#followUps.has(next)) this.afterTask();
        // Give pending I/O (client frames) a turn between tasks, as a node would.
        if (this.#tasks.length > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#running = false;
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
