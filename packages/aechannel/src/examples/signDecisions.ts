/**
 * The signing decisions a scenario queues with `sign` steps, and the barriers that
 * release several of them together.
 *
 * Every signing request of a role takes the first queued decision whose tag matches
 * (or that has no tag); with nothing queued the request is accepted. A decision with a
 * `barrier` is held until every decision queued under the same barrier name has a
 * request, then all are released at once: the way a scenario makes both parties sign
 * at the same moment (the races of PROTOCOL.md §9.5) without relying on timing.
 */
import type { ScenarioRole, SignDecision } from './scenario.js';

/** A signing request as the engine sees it. */
export interface SignRequestInfo {
  /** The sign tag of `channels.sign.<tag>`, e.g. `update_ack` (PROTOCOL.md §8.2). */
  tag: string;
}

interface Queued {
  decision: SignDecision;
  tag: string | undefined;
  remaining: number;
  barrier: string | undefined;
}

interface Barrier {
  /** Decisions still to be taken under this barrier. */
  expected: number;
  arrived: number;
  release: Promise<void>;
  open: () => void;
}

/** The queue of signing decisions of both roles. */
export class SignDecisions {
  readonly #queues: Record<ScenarioRole, Queued[]> = { initiator: [], responder: [] };
  readonly #barriers = new Map<string, Barrier>();
  /** Every decision taken, in order (for reports and tests). */
  readonly taken: { role: ScenarioRole; tag: string; decision: SignDecision }[] = [];

  /**
   * Queues a decision for `role`'s next `times` signing requests (with tag `tag` when given).
   */
  queue(role: ScenarioRole, decision: SignDecision, options: { tag?: string | undefined; times?: number; barrier?: string | undefined } = {}): void {
    const times = options.times ?? 1;
    this.#queues[role].push({ decision, tag: options.tag, remaining: times, barrier: options.barrier });
    if (options.barrier !== undefined) {
      let barrier = this.#barriers.get(options.barrier);
      if (barrier === undefined || barrier.arrived >= barrier.expected) {
        let open!: () => void;
        const release = new Promise<void>((resolve) => (open = resolve));
        barrier = { expected: 0, arrived: 0, release, open };
        this.#barriers.set(options.barrier, barrier);
      }
      barrier.expected += times;
    }
  }

  /**
   * Decides a signing request: the first matching queued decision, or accept.
   * Resolves once the decision's barrier (if any) is released.
   */
  async decide(role: ScenarioRole, request: SignRequestInfo): Promise<SignDecision> {
    const queue = this.#queues[role];
    const index = queue.findIndex((entry) => entry.tag === undefined || entry.tag === request.tag);
    if (index < 0) {
      this.taken.push({ role, tag: request.tag, decision: { action: 'accept' } });
      return { action: 'accept' };
    }
    const entry = queue[index]!;
    entry.remaining -= 1;
    if (entry.remaining === 0) queue.splice(index, 1);
    if (entry.barrier !== undefined) {
      const barrier = this.#barriers.get(entry.barrier)!;
      barrier.arrived += 1;
      if (barrier.arrived >= barrier.expected) barrier.open();
      await barrier.release;
    }
    this.taken.push({ role, tag: request.tag, decision: entry.decision });
    return entry.decision;
  }

  /** Decisions queued but not yet taken, per role (a scenario should end with none). */
  pending(): { role: ScenarioRole; tag: string | undefined; remaining: number }[] {
    return (['initiator', 'responder'] as const).flatMap((role) =>
      this.#queues[role].map((entry) => ({ role, tag: entry.tag, remaining: entry.remaining })),
    );
  }
}
