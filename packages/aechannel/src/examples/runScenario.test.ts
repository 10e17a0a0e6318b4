import { AechannelError } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { runScenario, type CommandStep, type RoleBalances, type ScenarioDriverContext, type ScenarioDriverFactory } from './runScenario.js';
import { otherRole, parseScenario, type ScenarioRole } from './scenario.js';

/**
 * A two-party channel in memory, just enough to exercise the engine: transfers and
 * withdrawals ask the starter then the acknowledger to sign (PROTOCOL.md §9.3/§9.4); an
 * abort by the starter fails with CHANNEL_ABORTED, by the acknowledger with a
 * CHANNEL_CONFLICT carrying the abort code.
 */
function fakeDriver(log: string[] = []): ScenarioDriverFactory {
  return async (ctx: ScenarioDriverContext) => {
    const { channel } = ctx.scenario;
    let balances: RoleBalances | undefined;
    let round = 0n;
    const phase: Partial<Record<ScenarioRole, string>> = {};
    const update = async (role: ScenarioRole, tag: string, apply: (b: RoleBalances) => void): Promise<void> => {
      const mine = await ctx.sign(role, { tag });
      if (mine.action === 'abort') throw new AechannelError('CHANNEL_ABORTED', 'aborted', { context: { errorCode: mine.code } });
      const theirs = await ctx.sign(otherRole(role), { tag: `${tag}_ack` });
      if (theirs.action === 'abort') throw new AechannelError('CHANNEL_CONFLICT', 'conflict', { context: { errorCode: theirs.code } });
      apply(balances!);
      round += 1n;
    };
    return {
      async run(role: ScenarioRole, step: CommandStep) {
        log.push(`${role} ${step.command}`);
        switch (step.command) {
          case 'open':
            balances = { initiator: channel.initiatorAmount - channel.pushAmount, responder: channel.responderAmount + channel.pushAmount };
            round = 1n;
            phase[role] = 'open';
            ctx.event(role, 'open');
            return undefined;
          case 'transfer':
            return update(role, 'update', (b) => {
              if (b[step.from!] - step.amount! < channel.channelReserve) throw new AechannelError('CHANNEL_RPC_ERROR', 'Insufficient balance', { context: { code: 1001n } });
              b[step.from!] -= step.amount!;
              b[step.to!] += step.amount!;
            });
          case 'withdraw':
            return update(role, 'withdraw_tx', (b) => {
              b[role] -= step.amount!;
            });
          case 'message':
            ctx.event(step.to!, 'message', { info: step.info, from: role });
            return undefined;
          case 'balances':
            return { ...balances };
          default:
            throw new AechannelError('CHANNEL_UNSUPPORTED', `fake has no ${step.command}`);
        }
      },
      async balances() {
        return { ...balances! };
      },
      phase: (role) => phase[role],
      round: () => round,
      async mine() {},
      async close() {
        log.push('close');
      },
    };
  };
}

const channel = { initiatorAmount: 100, responderAmount: 50, pushAmount: 0, channelReserve: 2, lockPeriod: 10 };
const scenario = (steps: unknown[]) => parseScenario(JSON.stringify({ channel, steps }), 'examples/test.json');

describe('runScenario', () => {
  it('runs commands, sign decisions, waits and expectations in order', async () => {
    const log: string[] = [];
    const result = await runScenario(
      scenario([
        { do: 'open', expect: { balances: { initiator: 100, responder: 50 }, phase: 'open' } },
        { role: 'initiator', do: 'transfer', amount: 10, expect: { balances: { initiator: 90, responder: 60 }, round: 2 } },
        { role: 'responder', sign: 'abort', code: 42, tag: 'withdraw_tx_ack' },
        { role: 'initiator', do: 'withdraw', amount: 5, expect: { error: { code: 'CHANNEL_CONFLICT', context: { errorCode: 42 } } } },
        { role: 'initiator', sign: 'abort', code: 7 },
        { role: 'initiator', do: 'transfer', amount: 1, expect: { error: 'CHANNEL_ABORTED' } },
        { role: 'responder', do: 'message', info: 'hello' },
        { role: 'initiator', wait: 'message', match: { info: 'hello', from: 'responder' } },
        { role: 'responder', do: 'transfer', amount: 20, from: 'initiator', expect: { balances: { initiator: 70 } } },
        { role: 'initiator', do: 'balances', expect: { result: { initiator: '70', responder: 80 } } },
      ]),
      { createDriver: fakeDriver(log) },
    );
    expect(result.failure).toBeUndefined();
    expect(result).toMatchObject({ name: 'test', ok: true, passed: 10, total: 10 });
    expect(log).toEqual(['initiator open', 'responder open', 'initiator transfer', 'initiator withdraw', 'initiator transfer', 'responder message', 'responder transfer', 'initiator balances', 'close']);
  });

  it('reports the failing step with what was expected and what happened, and stops there', async () => {
    const log: string[] = [];
    const result = await runScenario(
      scenario([
        { do: 'open' },
        { role: 'initiator', do: 'transfer', amount: 10, expect: { balances: { responder: 61 } } },
        { role: 'initiator', do: 'transfer', amount: 1 },
      ]),
      { createDriver: fakeDriver(log) },
    );
    expect(result).toMatchObject({ ok: false, passed: 1, total: 3 });
    expect(result.failure).toEqual({
      scenario: 'test',
      step: '2',
      label: 'initiator transfer 10 initiator → responder',
      expected: 'responder balance 61',
      actual: '60 (initiator=90 responder=60)',
    });
    expect(log.at(-1)).toBe('close');
    expect(log).not.toContain('initiator transfer 1');
  });

  it('fails a command that should have failed, and one that failed unexpectedly, naming the error', async () => {
    const unexpectedSuccess = await runScenario(scenario([{ do: 'open' }, { role: 'initiator', do: 'transfer', amount: 1, expect: { error: 'CHANNEL_CONFLICT' } }]), {
      createDriver: fakeDriver(),
    });
    expect(unexpectedSuccess.failure).toMatchObject({ step: '2', expected: 'error CHANNEL_CONFLICT', actual: 'success (nothing)' });
    const unexpectedError = await runScenario(scenario([{ do: 'open' }, { role: 'initiator', do: 'transfer', amount: 99 }]), { createDriver: fakeDriver() });
    expect(unexpectedError.failure).toMatchObject({ step: '2', expected: 'success', actual: 'error CHANNEL_RPC_ERROR: Insufficient balance {"code":1001}' });
  });

  it('names the child of a parallel step that failed', async () => {
    const result = await runScenario(
      scenario([{ do: 'open' }, { parallel: [{ role: 'initiator', do: 'transfer', amount: 1 }, { role: 'responder', do: 'transfer', amount: 500 }] }]),
      { createDriver: fakeDriver() },
    );
    expect(result.failure).toMatchObject({ step: '2.2', label: 'responder transfer 500 responder → initiator', expected: 'success' });
  });

  it('releases decisions that share a barrier together, and not before', async () => {
    const order: string[] = [];
    const factory: ScenarioDriverFactory = async (ctx) => ({
      async run(role) {
        order.push(`${role} asks`);
        const decision = await ctx.sign(role, { tag: 'update' });
        order.push(`${role} ${decision.action}`);
      },
      balances: async () => ({ initiator: 0n, responder: 0n }),
      phase: () => 'open',
      round: () => 1n,
      mine: async () => {},
      close: async () => {},
    });
    const result = await runScenario(
      scenario([
        { role: 'initiator', sign: 'accept', barrier: 'race' },
        { role: 'responder', sign: 'accept', barrier: 'race' },
        { parallel: [{ role: 'initiator', do: 'ping' }, { role: 'responder', do: 'ping' }] },
      ]),
      { createDriver: factory },
    );
    expect(result.ok).toBe(true);
    expect(order).toEqual(['initiator asks', 'responder asks', 'initiator accept', 'responder accept']);
  });

  it('fails a wait that never sees its event, listing the events seen', async () => {
    const result = await runScenario(scenario([{ do: 'open' }, { role: 'initiator', wait: 'message' }]), { createDriver: fakeDriver(), stepTimeoutMs: 30 });
    expect(result.failure).toMatchObject({ step: '2', expected: 'event message on initiator', actual: 'none within the time limit (events seen: open)' });
  });

  it('lets an expect step wait for the other party to learn of a completed update, within a limit', async () => {
    // The acting party's view changes when its command settles; the peer's a moment later.
    let round = 1n;
    let peerRound = 1n;
    const factory: ScenarioDriverFactory = async (ctx) => ({
      async run(role) {
        round += 1n;
        setTimeout(() => {
          peerRound = round;
          ctx.event(otherRole(role), 'stateChanged');
        }, 20);
      },
      balances: async () => ({ initiator: 0n, responder: 0n }),
      phase: () => 'open',
      round: (role) => (role === 'initiator' ? round : peerRound),
      mine: async () => {},
      close: async () => {},
    });
    const ok = await runScenario(scenario([{ role: 'initiator', do: 'ping' }, { expect: { round: 2 } }]), { createDriver: factory });
    expect(ok.failure).toBeUndefined();
    const stuck = await runScenario(scenario([{ role: 'initiator', do: 'ping' }, { expect: { round: 9 } }]), { createDriver: factory, settleMs: 60 });
    expect(stuck.failure).toMatchObject({ step: '2', expected: 'initiator sees round 9', actual: 'round 3' });
  });

  it('fails a scenario that leaves a sign decision unused', async () => {
    const result = await runScenario(scenario([{ do: 'open' }, { role: 'responder', sign: 'abort', code: 3 }]), { createDriver: fakeDriver() });
    expect(result.failure).toMatchObject({ step: 'teardown', actual: 'responder ×1' });
  });
});
