import { isAechannelError } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from './scenario.js';

const channel = { initiatorAmount: '70000000000000', responderAmount: 40000000000000, pushAmount: 1, channelReserve: 2, lockPeriod: 10 };
const file = 'examples/broken.json';

function parse(value: unknown): ReturnType<typeof parseScenario> {
  return parseScenario(typeof value === 'string' ? value : JSON.stringify(value), file);
}

function parseError(value: unknown): ScenarioError {
  try {
    parse(value);
  } catch (error) {
    expect(isAechannelError(error, 'CHANNEL_SCENARIO_INVALID')).toBe(true);
    return error as ScenarioError;
  }
  throw new Error('expected a CHANNEL_SCENARIO_INVALID error');
}

describe('parseScenario', () => {
  it('reads channel parameters and every step kind, amounts as bigint', () => {
    const scenario = parse({
      description: 'all kinds',
      channel: { ...channel, minimumDepth: 0 },
      steps: [
        { do: 'open', expect: { balances: { initiator: '69999999999999', responder: 40000000000001 } } },
        { role: 'responder', sign: 'abort', code: 42, tag: 'withdraw_ack' },
        { role: 'initiator', do: 'withdraw', amount: 2, expect: { error: { code: 'CHANNEL_CONFLICT', context: { errorCode: 42 } } } },
        { parallel: [{ role: 'initiator', do: 'transfer', amount: 1 }, { role: 'responder', do: 'transfer', amount: '2', from: 'initiator' }] },
        { role: 'initiator', do: 'message', info: 'hi' },
        { role: 'responder', wait: 'message', match: { info: 'hi' } },
        { mine: 3 },
        { expect: { phase: 'open', round: 4 } },
      ],
    });
    expect(scenario.name).toBe('broken');
    expect(scenario.channel).toEqual({
      initiatorAmount: 70000000000000n,
      responderAmount: 40000000000000n,
      pushAmount: 1n,
      channelReserve: 2n,
      lockPeriod: 10n,
      extra: { minimumDepth: 0n },
    });
    expect(scenario.steps.map((s) => [s.id, s.kind, s.label])).toEqual([
      ['1', 'command', 'both open'],
      ['2', 'sign', 'responder aborts (code 42) the next withdraw_ack'],
      ['3', 'command', 'initiator withdraw 2'],
      ['4', 'parallel', 'initiator transfer 1 initiator → responder ‖ responder transfer 2 initiator → responder'],
      ['5', 'command', 'initiator message "hi" → responder'],
      ['6', 'wait', 'responder waits for message'],
      ['7', 'mine', 'mine 3 blocks'],
      ['8', 'expect', 'check phase open, round 4'],
    ]);
    const parallel = scenario.steps[3];
    expect(parallel?.kind === 'parallel' && parallel.steps.map((s) => s.id)).toEqual(['4.1', '4.2']);
    expect(scenario.steps[0]).toMatchObject({ role: undefined, expect: { balances: { initiator: 69999999999999n, responder: 40000000000001n } } });
    expect(scenario.steps[1]).toMatchObject({ decision: { action: 'abort', code: 42n }, tag: 'withdraw_ack', times: 1 });
  });

  it.each([
    ['invalid JSON', '{"channel": ', undefined, /not valid JSON/],
    ['no steps', { channel, steps: [] }, undefined, /"steps" must be a non-empty array/],
    ['missing channel amount', { channel: { ...channel, lockPeriod: undefined }, steps: [{ do: 'open' }] }, undefined, /"channel.lockPeriod" is missing/],
    ['reserve above a balance', { channel: { ...channel, channelReserve: '50000000000000' }, steps: [{ do: 'open' }] }, undefined, /channel reserve/],
    ['unknown command', { channel, steps: [{ do: 'open' }, { role: 'initiator', do: 'tranfer', amount: 1 }] }, '2', /unknown command "tranfer"/],
    ['negative amount', { channel, steps: [{ do: 'open' }, { role: 'initiator', do: 'deposit', amount: -5 }] }, '2', /"amount" must be a non-negative integer/],
    ['fractional amount', { channel, steps: [{ do: 'open' }, { role: 'initiator', do: 'deposit', amount: 1.5 }] }, '2', /"amount" must be a non-negative integer/],
    ['missing amount', { channel, steps: [{ do: 'open' }, { role: 'initiator', do: 'withdraw' }] }, '2', /"withdraw" needs "amount"/],
    ['missing role', { channel, steps: [{ do: 'open' }, { do: 'withdraw', amount: 1 }] }, '2', /"role" is missing/],
    ['bad role', { channel, steps: [{ do: 'open', role: 'observer' }] }, '1', /"role" must be "initiator" or "responder"/],
    ['unknown field', { channel, steps: [{ do: 'open' }, { role: 'initiator', do: 'ping', amount: 3 }] }, '2', /unknown field "amount"/],
    ['two kinds', { channel, steps: [{ do: 'open', role: 'initiator', wait: 'open' }] }, '1', /exactly one of "do", "wait"/],
    ['abort without code', { channel, steps: [{ role: 'initiator', sign: 'abort' }] }, '1', /needs "code"/],
    ['abort code out of range', { channel, steps: [{ role: 'initiator', sign: 'abort', code: 70000 }] }, '1', /between 1 and 65535/],
    ['unknown decision', { channel, steps: [{ role: 'initiator', sign: 'maybe' }] }, '1', /"sign" must be "accept" or "abort"/],
    ['bad child of parallel', { channel, steps: [{ do: 'open' }, { parallel: [{ role: 'initiator', do: 'ping' }, { role: 'x', do: 'ping' }] }] }, '2.2', /"role" must be/],
    ['transfer to self', { channel, steps: [{ role: 'initiator', do: 'transfer', amount: 1, to: 'initiator' }] }, '1', /same role/],
    ['error in a plain expect', { channel, steps: [{ expect: { error: 'X' } }] }, '1', /only be expected of a command step/],
  ])('rejects %s with an error naming the file and step', (_name, value, step, message) => {
    const error = parseError(value);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${file}${step === undefined ? ':' : `, step ${step}:`}`)).toBe(true);
    expect(error.context.file).toBe(file);
    expect(error.context.step).toBe(step);
  });

  it('names the JSON path of the offending field', () => {
    const error = parseError({ channel, steps: [{ do: 'open' }, { parallel: [{ role: 'initiator', do: 'ping' }, { role: 'responder', do: 'deposit', amount: 'ten' }] }] });
    expect(error.context.path).toBe('steps[1].parallel[1].amount');
  });

  it('reads contract steps with their fixtures; a missing fixture, function or gas price is named', () => {
    const fixture = { code: 'cb_AAAA' as const, aci: [{ contract: { name: 'C', functions: [] } }] };
    const read = (name: string) => {
      if (name !== 'game') throw new Error(`no contracts/${name}.json`);
      return fixture;
    };
    const steps = [
      { do: 'open' },
      { role: 'initiator', do: 'createContract', contract: 'game', args: [1000, '@responder'], deposit: 5 },
      { parallel: [{ role: 'initiator', do: 'callContract', contract: 'game', function: 'join', amount: '1000' }, { role: 'responder', do: 'dryRunContract', contract: 'game', function: 'total' }] },
      { role: 'responder', do: 'getContractCall', contract: 'game', round: 3, from: 'initiator' },
      { role: 'initiator', do: 'forceProgress', contract: 'game', function: 'move', args: [1], gasPrice: '1000000000' },
    ];
    const scenario = parseScenario(JSON.stringify({ channel, steps }), file, read);
    expect(scenario.contracts).toEqual({ game: fixture });
    expect(scenario.steps[1]).toMatchObject({ kind: 'command', command: 'createContract', contract: 'game', args: [1000n, '@responder'], deposit: 5n, label: 'initiator creates game(1000, "@responder") with 5' });
    expect(scenario.steps[2]).toMatchObject({ steps: [{ command: 'callContract', function: 'join', amount: 1000n }, { command: 'dryRunContract', function: 'total' }] });
    expect(scenario.steps[3]).toMatchObject({ command: 'getContractCall', round: 3n, from: 'initiator' });
    expect(scenario.steps[4]).toMatchObject({ command: 'forceProgress', gasPrice: 1000000000n });

    const fail = (changed: unknown[], reader: typeof read | null = read): string => {
      try {
        parseScenario(JSON.stringify({ channel, steps: changed }), file, reader ?? undefined);
      } catch (error) {
        expect(isAechannelError(error, 'CHANNEL_SCENARIO_INVALID')).toBe(true);
        return (error as Error).message;
      }
      throw new Error('expected a CHANNEL_SCENARIO_INVALID error');
    };
    expect(fail([{ do: 'open' }, { role: 'initiator', do: 'createContract', contract: 'chess' }])).toContain('step 2: contract "chess": no contracts/chess.json');
    expect(fail([{ do: 'open' }, { role: 'initiator', do: 'createContract', contract: 'game' }], null)).toContain('scenarios with contracts are read with loadScenarios');
    expect(fail([{ do: 'open' }, { role: 'initiator', do: 'callContract', contract: 'game' }])).toContain('step 2: "function" must be a string');
    expect(fail([{ do: 'open' }, { role: 'initiator', do: 'callContract', contract: 'game', function: 'f', args: 3 }])).toContain('"args" must be an array');
    expect(fail([{ do: 'open' }, { role: 'initiator', do: 'forceProgress', contract: 'game', function: 'f' }])).toContain('"forceProgress" needs "gasPrice"');
    expect(fail([{ do: 'open' }, { role: 'initiator', do: 'getContract', contract: '../etc/passwd' }])).toContain('"contract" must name a fixture');
  });

  it('reads gaAttach with its auth contract fixture; the contract is required', () => {
    const fixture = { code: 'cb_AAAA' as const, aci: [{ contract: { name: 'GaAuth', functions: [] } }] };
    const read = (name: string) => {
      if (name !== 'ga_auth') throw new Error(`no contracts/${name}.json`);
      return fixture;
    };
    const scenario = parseScenario(JSON.stringify({ channel, steps: [{ role: 'initiator', do: 'gaAttach', contract: 'ga_auth' }, { do: 'open' }] }), file, read);
    expect(scenario.contracts).toEqual({ ga_auth: fixture });
    expect(scenario.steps[0]).toMatchObject({ kind: 'command', command: 'gaAttach', role: 'initiator', contract: 'ga_auth', label: 'initiator becomes a generalized account (auth contract ga_auth)' });
    expect(() => parseScenario(JSON.stringify({ channel, steps: [{ role: 'initiator', do: 'gaAttach' }] }), file, read)).toThrow(/"contract"/);
  });
});
