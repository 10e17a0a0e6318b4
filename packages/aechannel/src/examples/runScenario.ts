/**
 * The step engine of the examples runner.
 *
 * It runs a {@link Scenario}'s steps in order against a {@link ScenarioDriver}, a small
 * interface over two channel clients (one per role) that the `Channel` adapter
 * implements and that tests can fake. The engine owns everything declarative: signing
 * decisions ({@link SignDecisions}), the per-role event log that `wait` steps read,
 * parallel steps, expectations and time limits. A failed step stops the scenario and is
 * reported with the scenario, the step, what was expected and what happened.
 */
import { AechannelError, type JsonValue } from '@aechannel/codec';
import { findMismatch, show } from './match.js';
import {
  describeExpectation,
  scenarioRoles,
  type Scenario,
  type ScenarioExpectation,
  type ScenarioRole,
  type ScenarioStep,
  type SignDecision,
} from './scenario.js';
import { SignDecisions, type SignRequestInfo } from './signDecisions.js';

/** A command step, as the driver receives it. */
export type CommandStep = ScenarioStep & { kind: 'command' };

/** Off-chain balances by role. */
export type RoleBalances = Record<ScenarioRole, bigint>;

/** What the engine gives a driver when it creates it. */
export interface ScenarioDriverContext {
  scenario: Scenario;
  /** Decides a signing request of `role` (resolves when the decision may be carried out). */
  sign(role: ScenarioRole, request: SignRequestInfo): Promise<SignDecision>;
  /** Reports an event emitted by `role`'s channel (read by `wait` steps). */
  event(role: ScenarioRole, name: string, payload?: unknown): void;
}

/** Two channel clients, one per role, as the engine drives them. */
export interface ScenarioDriver {
  /**
   * Runs one command for one role. Resolves with the command's result once the operation
   * settled, rejects with its error.
   */
  run(role: ScenarioRole, step: CommandStep): Promise<unknown>;
  /** The off-chain balances as `role`'s client sees them now. */
  balances(role: ScenarioRole): Promise<RoleBalances>;
  /** `role`'s client phase (e.g. `open`, `closed`), if it has a client. */
  phase(role: ScenarioRole): string | undefined;
  /** Round of `role`'s latest co-signed state, if known. */
  round(role: ScenarioRole): bigint | undefined;
  /** Mines blocks on the chain (embedded devnode only). */
  mine(blocks: bigint): Promise<void>;
  /** Closes both clients; called once when the scenario ends (pass or fail). */
  close(): Promise<void>;
}

/** Creates the driver of one scenario run. */
export type ScenarioDriverFactory = (context: ScenarioDriverContext) => Promise<ScenarioDriver>;

/** Why a scenario failed. */
export interface StepFailure {
  scenario: string;
  /** Step id, e.g. `"3"` or `"3.2"`; `"setup"`/`"teardown"` outside the steps. */
  step: string;
  label: string;
  expected: string;
  actual: string;
}

/** Outcome of one scenario. */
export interface ScenarioResult {
  name: string;
  ok: boolean;
  /** Top-level steps that passed. */
  passed: number;
  total: number;
  durationMs: number;
  failure: StepFailure | undefined;
}

/** Progress callbacks (see `createReporter`). */
export interface ScenarioProgress {
  stepStarted?(scenario: Scenario, step: ScenarioStep): void;
  stepFinished?(scenario: Scenario, step: ScenarioStep, outcome: { ok: boolean; durationMs: number }): void;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  createDriver: ScenarioDriverFactory;
  progress?: ScenarioProgress;
  /** Time limit of one step in ms (default 30 000). */
  stepTimeoutMs?: number;
  /** How long an `expect` step may wait for both parties to agree, in ms (default 5 000). */
  settleMs?: number;
  /** Clock, injectable for tests (default `performance.now`). */
  now?: () => number;
}

/** Thrown internally when a step does not do what the scenario says. */
export class StepFailedError extends AechannelError<'CHANNEL_SCENARIO_STEP_FAILED', { expected: string; actual: string }> {
  override name = 'StepFailedError';
}

const fail = (expected: string, actual: string): never => {
  throw new StepFailedError('CHANNEL_SCENARIO_STEP_FAILED', `expected ${expected}, got ${actual}`, {
    context: { expected, actual },
  });
};

/** The events of each role, consumed in order by `wait` steps. */
class EventLog {
  readonly #events: Record<ScenarioRole, { name: string; payload: unknown; consumed: boolean }[]> = {
    initiator: [],
    responder: [],
  };
  readonly #waiters = new Set<() => void>();

  push(role: ScenarioRole, name: string, payload: unknown): void {
    this.#events[role].push({ name, payload, consumed: false });
    for (const wake of [...this.#waiters]) wake();
  }

  #take(role: ScenarioRole, name: string, match: Record<string, JsonValue> | undefined): { payload: unknown } | undefined {
    const entry = this.#events[role].find(
      (event) => !event.consumed && event.name === name && (match === undefined || findMismatch(match, event.payload) === undefined),
    );
    if (entry) entry.consumed = true;
    return entry;
  }

  /** Resolves at the next event of either role, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  names(role: ScenarioRole): string[] {
    return this.#events[role].map((event) => event.name);
  }

  /** Resolves with the first unconsumed matching event, now or when it arrives. */
  wait(role: ScenarioRole, name: string, match: Record<string, JsonValue> | undefined, signal: AbortSignal): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.#take(role, name, match);
        if (found) {
          this.#waiters.delete(check);
          signal.removeEventListener('abort', onAbort);
          resolve(found.payload);
        }
      };
      const onAbort = (): void => {
        this.#waiters.delete(check);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(check);
      check();
    });
  }
}

/**
 * Runs one scenario.
 * @param scenario - the parsed scenario
 * @param options - the driver factory, progress callbacks and time limits
 * @returns the result; a failing step is reported in `failure`, never thrown
 * @example
 * const result = await runScenario(scenario, { createDriver: (ctx) => createChannelDriver(ctx, env) });
 */
export async function runScenario(scenario: Scenario, options: RunScenarioOptions): Promise<ScenarioResult> {
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.stepTimeoutMs ?? 30_000;
  const settleMs = Math.min(options.settleMs ?? 5_000, timeoutMs);
  const started = now();
  const decisions = new SignDecisions();
  const events = new EventLog();
  const result = (passed: number, failure: StepFailure | undefined): ScenarioResult => ({
    name: scenario.name,
    ok: failure === undefined,
    passed,
    total: scenario.steps.length,
    durationMs: now() - started,
    failure,
  });
  const failure = (step: string, label: string, error: unknown): StepFailure => {
    if (error instanceof StepFailedError) return { scenario: scenario.name, step, label, ...error.context };
    return { scenario: scenario.name, step, label, expected: 'no error', actual: describeError(error) };
  };

  let driver: ScenarioDriver;
  try {
    driver = await options.createDriver({
      scenario,
      sign: (role, request) => decisions.decide(role, request),
      event: (role, name, payload) => events.push(role, name, payload),
    });
  } catch (error) {
    return result(0, failure('setup', 'start the clients', error));
  }

  const runStep = async (step: ScenarioStep, signal: AbortSignal): Promise<void> => {
    switch (step.kind) {
      case 'command': {
        const roles = step.role === undefined ? scenarioRoles : [step.role];
        const outcomes = await Promise.all(
          roles.map((role) =>
            driver.run(role, step).then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
          ),
        );
        for (const [index, outcome] of outcomes.entries()) {
          const role = roles[index]!;
          const who = roles.length > 1 ? `${role}: ` : '';
          const wanted = step.expect?.error;
          if (wanted !== undefined) {
            if (outcome.ok) fail(`${who}error ${describeWantedError(wanted)}`, `success (${show(outcome.value)})`);
            else checkError(wanted, outcome.error, who);
          } else if (!outcome.ok) {
            fail(`${who}success`, describeError(outcome.error));
          } else if (step.expect?.result !== undefined) {
            const mismatch = findMismatch(step.expect.result, outcome.value);
            if (mismatch) {
              fail(`${who}result${mismatch.path ? `.${mismatch.path}` : ''} = ${show(mismatch.expected)}`, `${show(mismatch.actual)} (result ${show(outcome.value)})`);
            }
          }
        }
        if (step.expect !== undefined) await checkState(step.expect, roles);
        return;
      }
      case 'sign':
        decisions.queue(step.role, step.decision, { tag: step.tag, times: step.times, barrier: step.barrier });
        return;
      case 'wait':
        await events.wait(step.role, step.event, step.match, signal).catch((error: unknown) => {
          if (signal.aborted) {
            const seen = events.names(step.role);
            fail(
              `event ${step.event}${step.match ? ` matching ${show(step.match)}` : ''} on ${step.role}`,
              `none within the time limit (events seen: ${seen.length === 0 ? 'none' : seen.slice(-8).join(', ')})`,
            );
          }
          throw error;
        });
        return;
      case 'parallel': {
        const outcomes = await Promise.allSettled(step.steps.map((child) => runStep(child, signal)));
        const firstFailure = outcomes.findIndex((outcome) => outcome.status === 'rejected');
        if (firstFailure >= 0) {
          const child = step.steps[firstFailure]!;
          const reason = (outcomes[firstFailure] as PromiseRejectedResult).reason;
          throw new ChildStepError(child, reason);
        }
        return;
      }
      case 'expect':
        await eventually(() => checkState(step.expect, step.role === undefined ? liveRoles() : [step.role]), signal);
        return;
      case 'mine':
        await driver.mine(step.blocks);
        return;
    }
  };

  const liveRoles = (): ScenarioRole[] => scenarioRoles.filter((role) => driver.phase(role) !== undefined);

  /**
   * Runs a check until it passes: an `expect` step may look at a party that learns of the
   * other party's operation a moment after it completed (its own `channels.update`
   * arrives separately). Re-checks after every event, for at most `settleMs`; then the
   * last failure stands.
   */
  const eventually = async (check: () => Promise<void>, signal: AbortSignal): Promise<void> => {
    const deadline = now() + settleMs;
    for (;;) {
      try {
        await check();
        return;
      } catch (error) {
        if (!(error instanceof StepFailedError) || now() >= deadline || signal.aborted) throw error;
      }
      await events.next(Math.max(1, Math.min(50, deadline - now())));
    }
  };

  const checkState = async (expect: ScenarioExpectation, roles: readonly ScenarioRole[]): Promise<void> => {
    for (const role of roles) {
      const who = roles.length > 1 ? `${role} sees ` : '';
      if (expect.balances !== undefined) {
        const balances = await driver.balances(role).catch((error: unknown) =>
          fail(`${who}${describeExpectation({ balances: expect.balances! })}`, `no balances: ${describeError(error)}`),
        );
        for (const target of scenarioRoles) {
          const wanted = expect.balances[target];
          if (wanted !== undefined && balances[target] !== wanted) {
            fail(`${who}${target} balance ${wanted}`, `${balances[target]} (initiator=${balances.initiator} responder=${balances.responder})`);
          }
        }
      }
      if (expect.phase !== undefined && driver.phase(role) !== expect.phase) {
        fail(`${who}phase ${expect.phase}`, `phase ${driver.phase(role) ?? '(no client)'}`);
      }
      if (expect.round !== undefined && driver.round(role) !== expect.round) {
        fail(`${who}round ${expect.round}`, `round ${driver.round(role) ?? '(unknown)'}`);
      }
    }
  };

  let passed = 0;
  let stepFailure: StepFailure | undefined;
  for (const step of scenario.steps) {
    options.progress?.stepStarted?.(scenario, step);
    const stepStarted = now();
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Abort first, so a waiting step can reject with what it was waiting for; the
        // generic time-limit failure follows a moment later for steps that cannot.
        controller.abort(new Error('step time limit'));
        timer = setTimeout(() => reject(new TimeLimitError(timeoutMs)), 20);
      }, timeoutMs);
    });
    try {
      await Promise.race([runStep(step, controller.signal), timeout]);
      passed += 1;
      options.progress?.stepFinished?.(scenario, step, { ok: true, durationMs: now() - stepStarted });
    } catch (error) {
      options.progress?.stepFinished?.(scenario, step, { ok: false, durationMs: now() - stepStarted });
      let failed: ScenarioStep = step;
      let reason = error;
      while (reason instanceof ChildStepError) {
        failed = reason.step;
        reason = reason.reason;
      }
      if (reason instanceof TimeLimitError) {
        reason = new StepFailedError('CHANNEL_SCENARIO_STEP_FAILED', 'time limit', {
          context: { expected: `the step to finish within ${timeoutMs} ms`, actual: 'it did not finish (time limit)' },
        });
      }
      stepFailure = failure(failed.id, failed.label, reason);
      break;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }
  if (stepFailure === undefined) {
    const pending = decisions.pending();
    if (pending.length > 0) {
      stepFailure = {
        scenario: scenario.name,
        step: 'teardown',
        label: 'every queued signing decision was used',
        expected: 'no unused sign decisions',
        actual: pending.map((p) => `${p.role}${p.tag === undefined ? '' : ` ${p.tag}`} ×${p.remaining}`).join(', '),
      };
    }
  }
  try {
    await driver.close();
  } catch (error) {
    stepFailure ??= failure('teardown', 'close the clients', error);
  }
  return result(passed, stepFailure);
}

class ChildStepError extends Error {
  constructor(
    readonly step: ScenarioStep,
    readonly reason: unknown,
  ) {
    super(`step ${step.id} failed`);
  }
}

class TimeLimitError extends Error {
  constructor(readonly ms: number) {
    super(`time limit of ${ms} ms`);
  }
}

function describeWantedError(wanted: NonNullable<ScenarioExpectation['error']>): string {
  const parts = [wanted.code ?? '(any code)'];
  if (wanted.message !== undefined) parts.push(`message containing ${JSON.stringify(wanted.message)}`);
  if (wanted.context !== undefined) parts.push(`context ${show(wanted.context)}`);
  return parts.join(', ');
}

function checkError(wanted: NonNullable<ScenarioExpectation['error']>, error: unknown, who: string): void {
  const actual = error as { code?: unknown; message?: unknown; context?: unknown };
  if (wanted.code !== undefined && actual?.code !== wanted.code) {
    fail(`${who}error ${describeWantedError(wanted)}`, describeError(error));
  }
  if (wanted.message !== undefined && !(typeof actual?.message === 'string' && actual.message.includes(wanted.message))) {
    fail(`${who}error ${describeWantedError(wanted)}`, describeError(error));
  }
  if (wanted.context !== undefined) {
    const mismatch = findMismatch(wanted.context, actual?.context);
    if (mismatch) {
      fail(`${who}error context ${mismatch.path} = ${show(mismatch.expected)}`, `${show(mismatch.actual)} (${describeError(error)})`);
    }
  }
}

/** One line describing an error: code, message and context. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const coded = error as Error & { code?: unknown; shortMessage?: unknown; context?: unknown };
    const message = typeof coded.shortMessage === 'string' ? coded.shortMessage : error.message;
    const code = typeof coded.code === 'string' || typeof coded.code === 'number' ? `${coded.code}: ` : '';
    const context =
      coded.context !== undefined && typeof coded.context === 'object' && Object.keys(coded.context as object).length > 0
        ? ` ${show(coded.context, 200)}`
        : '';
    return `error ${code}${message}${context}`;
  }
  return `error ${show(error)}`;
}
