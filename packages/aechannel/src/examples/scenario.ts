/**
 * The scenario format of the examples runner, and its parser.
 *
 * A scenario is one JSON file under the repository's `examples/` directory (its name is
 * the file name without `.json`). It gives the channel parameters, then a list of steps
 * that run in order. Integers are read bigint-safe (`parseJson`): amounts may be written
 * as JSON integers or as decimal strings.
 *
 * ```jsonc
 * {
 *   "description": "The initiator pays the responder twice.",
 *   "channel": { "initiatorAmount": "70000000000000", "responderAmount": "40000000000000",
 *                "pushAmount": 1, "channelReserve": 2, "lockPeriod": 10 },
 *   "steps": [
 *     { "do": "open", "expect": { "balances": { "initiator": "69999999999999", "responder": "40000000000001" } } },
 *     { "role": "responder", "sign": "abort", "code": 42 },          // the next signing request of the responder is aborted
 *     { "role": "initiator", "do": "withdraw", "amount": 2,
 *       "expect": { "error": { "code": "CHANNEL_CONFLICT" } } },     // ... so the initiator's withdrawal fails
 *     { "parallel": [ { "role": "initiator", "do": "transfer", "amount": 1 },
 *                     { "role": "responder", "do": "transfer", "amount": 2 } ] },
 *     { "role": "responder", "wait": "message", "match": { "info": "hi" } },
 *     { "expect": { "balances": { "initiator": "69999999999998" } } }
 *   ]
 * }
 * ```
 *
 * Step kinds (each may carry a `"label"` printed in the progress line):
 *
 * - **command** `{ "role", "do": <command>, ...arguments, "expect"? }`: runs a `Channel`
 *   operation for that role and waits for it to settle. `open`, `reestablish` and
 *   `reconnect` without a `role` act for both roles at once. See {@link commandArguments}
 *   for the arguments of each command.
 * - **sign** `{ "role", "sign": "accept" | "abort", "code"?, "tag"?, "times"?, "barrier"? }`:
 *   queues the decision for the role's next signing request(s) (optionally only those
 *   with the given sign tag, e.g. `withdraw_ack`). Without a queued decision every request
 *   is accepted. Decisions sharing a `barrier` name are released together, once every one
 *   of them has a request: this is how a scenario makes both sides sign "at the same time"
 *   (PROTOCOL.md §9.5 conflicts) without depending on timing.
 * - **wait** `{ "role", "wait": <event>, "match"? }`: waits until that role's channel
 *   emits the event (matching the given fields), unless it already has since the
 *   previous wait for it.
 * - **parallel** `{ "parallel": [steps] }`: starts the steps together and waits for all.
 * - **expect** `{ "role"?, "expect": {...} }`: checks balances, phase or round of one
 *   role or both, waiting a few seconds at most for them to hold (a party learns of the
 *   other's completed operation a moment after the other does).
 * - **mine** `{ "mine": <blocks> }`: mines blocks on the embedded devnode's chain.
 *
 * Expectations (`expect`): `balances` (`{ initiator?, responder? }`, the off-chain
 * balances as the acting role, or the initiator, sees them), `phase`, `round`, `error`
 * (the command must fail: a code string, or `{ code?, message?, context? }` where
 * `context` is matched as a subset of the error's context), `result` (a subset match of
 * the command's result).
 */
import { AechannelError, parseJson, type JsonValue } from '@aechannel/codec';
import { show } from './match.js';

/** A channel participant. */
export type ScenarioRole = 'initiator' | 'responder';

/** The roles, in order. */
export const scenarioRoles: readonly ScenarioRole[] = ['initiator', 'responder'];

/** The other participant. */
export function otherRole(role: ScenarioRole): ScenarioRole {
  return role === 'initiator' ? 'responder' : 'initiator';
}

/** Channel parameters of a scenario (PROTOCOL.md §6.2), camel-cased. */
export interface ScenarioChannel {
  initiatorAmount: bigint;
  responderAmount: bigint;
  pushAmount: bigint;
  channelReserve: bigint;
  lockPeriod: bigint;
  /** Further open parameters passed through unchanged (e.g. `minimumDepth`, `timeoutIdle`). */
  extra: Record<string, JsonValue>;
}

/** The commands a scenario can run, with the arguments each accepts. */
export const commandArguments = {
  /** Opens the channel (both roles when no role is given). */
  open: [],
  /** Off-chain transfer; `from`/`to` are roles (default: from the acting role to the other). */
  transfer: ['amount', 'from', 'to'],
  deposit: ['amount'],
  withdraw: ['amount'],
  /** Solo snapshot of the latest co-signed state (PROTOCOL.md §9.12). */
  snapshot: [],
  /** Mutual close (PROTOCOL.md §9.10). */
  shutdown: [],
  closeSolo: [],
  slash: [],
  settle: [],
  /** Leaves the channel; the FSM caches the state for a later `reestablish` (§9.7). */
  leave: [],
  /** Opens a new session for a channel left earlier (both roles when no role is given). */
  reestablish: [],
  /** Reattaches to a running FSM by fsm id after `disconnect` (§9.7). */
  reconnect: [],
  /** Drops the WebSocket without telling the node. */
  disconnect: [],
  /** Sends a generic message to the other participant (`to`: a role, default the other). */
  message: ['info', 'to'],
  /** `channels.system ping`. */
  ping: [],
  /** Queries the off-chain balances. */
  balances: [],
  /** Queries a proof of inclusion of both participants. */
  poi: [],
  /** Queries the latest off-chain state. */
  state: [],
  /**
   * Misbehaves: posts a close solo with the older co-signed state of `round` straight to
   * the chain (embedded devnode only), the stale close a `slash` answers (§9.11).
   */
  staleCloseSolo: ['round'],
  /**
   * Creates an off-chain contract from the fixture `contracts/<contract>.json` beside the
   * scenarios (code and ACI): `args` of `init`, optional `deposit`. Both roles learn its ACI.
   */
  createContract: ['contract', 'args', 'deposit'],
  /** Calls `function` of the contract last created from that fixture (`args`, optional `amount`). */
  callContract: ['contract', 'function', 'args', 'amount'],
  /** Dry-runs a call on the latest state (nothing changes). */
  dryRunContract: ['contract', 'function', 'args'],
  /** The contract and its decoded state, as this role's trees hold it. */
  getContract: ['contract'],
  /** The call result of a past round from the node's archive (`from`: the caller's role, default the acting one). */
  getContractCall: ['contract', 'round', 'from'],
  /** Empties the node's archive of call results. */
  cleanContractCalls: [],
  /** Posts a call on chain with the latest co-signed state (`gasPrice` mandatory). */
  forceProgress: ['contract', 'function', 'args', 'gasPrice'],
  /**
   * Makes the role's account a generalized account (PROTOCOL.md §2.9; the embedded devnode
   * only): posts a `ga_attach` of the auth contract `contracts/<contract>.json`, whose auth
   * function is `authorize(nonce, signature)` over tx hash ++ nonce (`contracts/ga_auth.aes`).
   * From then on the role signs with a GA signer, and both roles open with it in
   * `generalizedAccounts`. Run it before `open`.
   */
  gaAttach: ['contract'],
} as const satisfies Record<string, readonly string[]>;

/** The commands whose `amount` may be left out (0). */
const optionalAmount = new Set<string>(['callContract']);

/** A contract fixture: what `aesophia_cli` printed for it (code and JSON ACI). */
export interface ScenarioContract {
  code: `cb_${string}`;
  aci: JsonValue[];
}

/** Reads the fixture of a contract named by a scenario (`contracts/<name>.json`). */
export type ScenarioContractReader = (name: string) => ScenarioContract;

/** A command name. */
export type ScenarioCommandName = keyof typeof commandArguments;

/** What a step expects after it ran. */
export interface ScenarioExpectation {
  balances?: Partial<Record<ScenarioRole, bigint>>;
  phase?: string;
  round?: bigint;
  /** The command must fail with this error (fields are matched when given). */
  error?: { code?: string; message?: string; context?: Record<string, JsonValue> };
  /** Subset of the command's result. */
  result?: JsonValue;
}

/** A signing decision queued by a `sign` step. */
export type SignDecision = { action: 'accept' } | { action: 'abort'; code: bigint };

interface StepBase {
  /** Position in the scenario: `"3"`, or `"3.2"` inside a parallel step. */
  id: string;
  /** Printed in progress lines: the `label`, or a description of the step. */
  label: string;
}

/** A validated scenario step. */
export type ScenarioStep =
  | (StepBase & {
      kind: 'command';
      /** Absent for `open`/`reestablish`/`reconnect` on both roles. */
      role: ScenarioRole | undefined;
      command: ScenarioCommandName;
      amount?: bigint;
      /** `staleCloseSolo`: the round of the state to close with. */
      round?: bigint;
      from?: ScenarioRole;
      to?: ScenarioRole;
      info?: string;
      /** Contract commands: the fixture name, the function, its arguments (`"@initiator"`/`"@responder"` stand for the accounts). */
      contract?: string;
      function?: string;
      args?: JsonValue[];
      deposit?: bigint;
      gasPrice?: bigint;
      expect: ScenarioExpectation | undefined;
    })
  | (StepBase & {
      kind: 'sign';
      role: ScenarioRole;
      decision: SignDecision;
      tag: string | undefined;
      times: number;
      barrier: string | undefined;
    })
  | (StepBase & { kind: 'wait'; role: ScenarioRole; event: string; match: Record<string, JsonValue> | undefined })
  | (StepBase & { kind: 'parallel'; steps: ScenarioStep[] })
  | (StepBase & { kind: 'expect'; role: ScenarioRole | undefined; expect: ScenarioExpectation })
  | (StepBase & { kind: 'mine'; blocks: bigint });

/** A validated scenario. */
export interface Scenario {
  /** The file name without `.json`. */
  name: string;
  /** The file it was read from (as given to the parser). */
  file: string;
  description: string;
  channel: ScenarioChannel;
  steps: ScenarioStep[];
  /** The contract fixtures its steps name, by name. */
  contracts: Record<string, ScenarioContract>;
}

/** Context of a `CHANNEL_SCENARIO_INVALID` error. */
export interface ScenarioErrorContext {
  [key: string]: unknown;
  /** The scenario file. */
  file: string;
  /** The step id (`"3"`, `"3.2"`), when the problem is inside a step. */
  step: string | undefined;
  /** The JSON path of the offending value, e.g. `steps[2].amount`. */
  path: string;
}

/** The error thrown for a scenario file that cannot be used. */
export class ScenarioError extends AechannelError<'CHANNEL_SCENARIO_INVALID', ScenarioErrorContext> {
  override name = 'ScenarioError';
}

type JsonObject = { [key: string]: JsonValue };

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses and validates a scenario file.
 * @param text - the file contents (JSON)
 * @param file - the file path, used for the name and in error messages
 * @returns the scenario
 * @throws {ScenarioError} `CHANNEL_SCENARIO_INVALID` naming the file, the step and the
 * offending field when the JSON is invalid or does not follow the format
 * @example
 * const scenario = parseScenario(readFileSync('examples/transfer.json', 'utf8'), 'examples/transfer.json');
 */
export function parseScenario(text: string, file: string, readContract?: ScenarioContractReader): Scenario {
  const name = file.replace(/^.*[\\/]/, '').replace(/\.json$/, '');
  let root: JsonValue;
  try {
    root = parseJson(text);
  } catch (cause) {
    throw new ScenarioError('CHANNEL_SCENARIO_INVALID', `${file}: not valid JSON.`, {
      cause,
      details: cause instanceof Error ? cause.message.replace(/^[^]*Details: /, '') : String(cause),
      context: { file, step: undefined, path: '' },
    });
  }
  const reader = new Reader(file);
  const object = reader.object(root, '', undefined);
  reader.keys(object, ['description', 'channel', 'steps'], '', undefined);
  const description = object.description === undefined ? '' : reader.string(object.description, 'description', undefined);
  const channel = reader.channel(object.channel, 'channel');
  const stepsValue = object.steps;
  if (!Array.isArray(stepsValue) || stepsValue.length === 0) {
    reader.fail('"steps" must be a non-empty array', 'steps', undefined);
  }
  const steps = (stepsValue as JsonValue[]).map((value, index) => reader.step(value, `steps[${index}]`, String(index + 1)));
  const contracts: Record<string, ScenarioContract> = {};
  const read = readContract;
  const visit = (list: readonly ScenarioStep[]): void => {
    for (const step of list) {
      if (step.kind === 'parallel') visit(step.steps);
      if (step.kind !== 'command' || step.contract === undefined || contracts[step.contract] !== undefined) continue;
      if (read === undefined) return reader.fail(`contract "${step.contract}" cannot be read (scenarios with contracts are read with loadScenarios)`, 'contract', step.id);
      try {
        contracts[step.contract] = read(step.contract);
      } catch (cause) {
        reader.fail(`contract "${step.contract}": ${cause instanceof Error ? cause.message : String(cause)}`, 'contract', step.id);
      }
    }
  };
  visit(steps);
  return { name, file, description, channel, steps, contracts };
}

/**
 * Reads a contract fixture: JSON with `bytecode` (`cb_…`, as `aesophia_cli` prints it) and
 * `aci` (its `--create_json_aci` output).
 * @param text - the fixture file's contents
 * @returns the code and ACI
 * @throws {Error} when it is not such a fixture
 * @example parseContractFixture(readFileSync('examples/contracts/race_to_ten.json', 'utf8'))
 */
export function parseContractFixture(text: string): ScenarioContract {
  const value = parseJson(text);
  if (!isObject(value)) throw new Error('a contract fixture must be an object with "bytecode" and "aci"');
  const { bytecode, aci } = value;
  if (typeof bytecode !== 'string' || !bytecode.startsWith('cb_')) throw new Error('"bytecode" must be the compiler\'s cb_ string');
  if (!Array.isArray(aci) || aci.length === 0) throw new Error('"aci" must be the compiler\'s JSON ACI (an array)');
  return { code: bytecode as `cb_${string}`, aci };
}

const roleNames = new Set<string>(scenarioRoles);
const bothRoleCommands = new Set<string>(['open', 'reestablish', 'reconnect']);

/** Walks the JSON tree, throwing a {@link ScenarioError} that names the file, step and path. */
class Reader {
  constructor(private readonly file: string) {}

  fail(what: string, path: string, step: string | undefined): never {
    const where = step === undefined ? '' : `, step ${step}`;
    throw new ScenarioError('CHANNEL_SCENARIO_INVALID', `${this.file}${where}: ${what}.`, {
      context: { file: this.file, step, path },
    });
  }

  object(value: JsonValue | undefined, path: string, step: string | undefined): JsonObject {
    if (!isObject(value)) this.fail(`${path || 'the file'} must be an object`, path, step);
    return value;
  }

  keys(object: JsonObject, allowed: readonly string[], path: string, step: string | undefined): void {
    for (const key of Object.keys(object)) {
      if (!allowed.includes(key)) {
        this.fail(`unknown field "${key}"${path ? ` in ${path}` : ''} (allowed: ${allowed.join(', ')})`, join(path, key), step);
      }
    }
  }

  string(value: JsonValue | undefined, path: string, step: string | undefined): string {
    if (typeof value !== 'string') this.fail(`"${last(path)}" must be a string`, path, step);
    return value;
  }

  /** A non-negative integer, written as a JSON integer or a decimal string. */
  amount(value: JsonValue | undefined, path: string, step: string | undefined): bigint {
    if (typeof value === 'bigint' && value >= 0n) return value;
    if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
    return this.fail(`"${last(path)}" must be a non-negative integer (a JSON integer or a decimal string)`, path, step);
  }

  role(value: JsonValue | undefined, path: string, step: string | undefined): ScenarioRole {
    if (typeof value !== 'string' || !roleNames.has(value)) {
      this.fail(`"${last(path)}" must be "initiator" or "responder"`, path, step);
    }
    return value as ScenarioRole;
  }

  channel(value: JsonValue | undefined, path: string): ScenarioChannel {
    const object = this.object(value, path, undefined);
    const required = ['initiatorAmount', 'responderAmount', 'pushAmount', 'channelReserve', 'lockPeriod'] as const;
    const [initiatorAmount, responderAmount, pushAmount, channelReserve, lockPeriod] = required.map((key) => {
      if (object[key] === undefined) this.fail(`"channel.${key}" is missing`, join(path, key), undefined);
      return this.amount(object[key], join(path, key), undefined);
    }) as [bigint, bigint, bigint, bigint, bigint];
    const extra: Record<string, JsonValue> = {};
    for (const [key, entry] of Object.entries(object)) {
      if (!(required as readonly string[]).includes(key)) extra[key] = entry;
    }
    if (initiatorAmount - pushAmount < channelReserve || responderAmount + pushAmount < channelReserve) {
      this.fail('the channel reserve is larger than an initial balance (PROTOCOL.md §6.4, error 105)', path, undefined);
    }
    return { initiatorAmount, responderAmount, pushAmount, channelReserve, lockPeriod, extra };
  }

  expectation(value: JsonValue | undefined, path: string, step: string): ScenarioExpectation {
    const object = this.object(value, path, step);
    this.keys(object, ['balances', 'phase', 'round', 'error', 'result'], path, step);
    const expect: ScenarioExpectation = {};
    if (object.balances !== undefined) {
      const balances = this.object(object.balances, join(path, 'balances'), step);
      this.keys(balances, scenarioRoles, join(path, 'balances'), step);
      expect.balances = {};
      for (const role of scenarioRoles) {
        if (balances[role] !== undefined) expect.balances[role] = this.amount(balances[role], join(path, `balances.${role}`), step);
      }
    }
    if (object.phase !== undefined) expect.phase = this.string(object.phase, join(path, 'phase'), step);
    if (object.round !== undefined) expect.round = this.amount(object.round, join(path, 'round'), step);
    if (object.error !== undefined) {
      const errorPath = join(path, 'error');
      if (typeof object.error === 'string') {
        expect.error = { code: object.error };
      } else {
        const error = this.object(object.error, errorPath, step);
        this.keys(error, ['code', 'message', 'context'], errorPath, step);
        expect.error = {};
        if (error.code !== undefined) expect.error.code = this.string(error.code, join(errorPath, 'code'), step);
        if (error.message !== undefined) expect.error.message = this.string(error.message, join(errorPath, 'message'), step);
        if (error.context !== undefined) expect.error.context = this.object(error.context, join(errorPath, 'context'), step);
      }
    }
    if (object.result !== undefined) expect.result = object.result;
    return expect;
  }

  step(value: JsonValue | undefined, path: string, id: string): ScenarioStep {
    const object = this.object(value, path, id);
    const kinds = ['do', 'sign', 'wait', 'parallel', 'expect', 'mine'].filter((key) => object[key] !== undefined);
    // A command step may carry "expect" too; only a step with "expect" alone is an expect step.
    const commandWithExpect = kinds.length === 2 && kinds.includes('do') && kinds.includes('expect');
    const kind = commandWithExpect ? 'do' : kinds[0];
    if (kind === undefined || (kinds.length > 1 && !commandWithExpect)) {
      this.fail(
        kind === undefined
          ? 'a step needs one of "do", "sign", "wait", "parallel", "expect" or "mine"'
          : `a step has exactly one of ${kinds.map((k) => `"${k}"`).join(', ')}`,
        path,
        id,
      );
    }
    const label = object.label === undefined ? undefined : this.string(object.label, join(path, 'label'), id);
    const optionalRole = object.role === undefined ? undefined : this.role(object.role, join(path, 'role'), id);
    const requireRole = (): ScenarioRole => optionalRole ?? this.fail('"role" is missing', join(path, 'role'), id);
    switch (kind) {
      case 'do': {
        const command = this.string(object.do, join(path, 'do'), id);
        if (!Object.hasOwn(commandArguments, command)) {
          this.fail(`unknown command "${command}" (known: ${Object.keys(commandArguments).join(', ')})`, join(path, 'do'), id);
        }
        const name = command as ScenarioCommandName;
        const args: readonly string[] = commandArguments[name];
        this.keys(object, ['label', 'role', 'do', 'expect', ...args], path, id);
        if (optionalRole === undefined && !bothRoleCommands.has(name)) requireRole();
        const step: ScenarioStep & { kind: 'command' } = {
          id,
          label: '',
          kind: 'command',
          role: optionalRole,
          command: name,
          expect: object.expect === undefined ? undefined : this.expectation(object.expect, join(path, 'expect'), id),
        };
        if (args.includes('amount')) {
          if (object.amount === undefined) {
            if (!optionalAmount.has(name)) this.fail(`"${name}" needs "amount"`, join(path, 'amount'), id);
          } else step.amount = this.amount(object.amount, join(path, 'amount'), id);
        }
        if (args.includes('contract')) {
          const contract = this.string(object.contract, join(path, 'contract'), id);
          if (!/^[a-z0-9_]{1,64}$/.test(contract)) this.fail('"contract" must name a fixture contracts/<name>.json (lowercase letters, digits, _)', join(path, 'contract'), id);
          step.contract = contract;
        }
        if (args.includes('function')) step.function = this.string(object.function, join(path, 'function'), id);
        if (args.includes('args') && object.args !== undefined) {
          if (!Array.isArray(object.args)) this.fail('"args" must be an array of the function\'s arguments', join(path, 'args'), id);
          step.args = object.args;
        }
        if (object.deposit !== undefined) step.deposit = this.amount(object.deposit, join(path, 'deposit'), id);
        if (args.includes('gasPrice')) {
          if (object.gasPrice === undefined) this.fail(`"${name}" needs "gasPrice"`, join(path, 'gasPrice'), id);
          step.gasPrice = this.amount(object.gasPrice, join(path, 'gasPrice'), id);
        }
        if (args.includes('round')) {
          if (object.round === undefined) this.fail(`"${name}" needs "round"`, join(path, 'round'), id);
          step.round = this.amount(object.round, join(path, 'round'), id);
        }
        if (object.from !== undefined) step.from = this.role(object.from, join(path, 'from'), id);
        if (object.to !== undefined) step.to = this.role(object.to, join(path, 'to'), id);
        if (name === 'transfer') {
          const from = step.from ?? optionalRole!;
          const to = step.to ?? (step.from === undefined ? otherRole(optionalRole!) : otherRole(from));
          if (from === to) this.fail('"from" and "to" are the same role', path, id);
          if (from !== optionalRole && to !== optionalRole) this.fail('the acting role must be "from" or "to"', path, id);
          step.from = from;
          step.to = to;
        }
        if (name === 'message') {
          if (object.info === undefined) this.fail('"message" needs "info"', join(path, 'info'), id);
          step.info = this.string(object.info, join(path, 'info'), id);
          step.to = step.to ?? otherRole(optionalRole!);
        }
        step.label = label ?? describeCommand(step);
        return step;
      }
      case 'sign': {
        this.keys(object, ['label', 'role', 'sign', 'code', 'tag', 'times', 'barrier'], path, id);
        const role = requireRole();
        const action = this.string(object.sign, join(path, 'sign'), id);
        let decision: SignDecision;
        if (action === 'accept') {
          if (object.code !== undefined) this.fail('"code" is only allowed with "sign": "abort"', join(path, 'code'), id);
          decision = { action: 'accept' };
        } else if (action === 'abort') {
          if (object.code === undefined) this.fail('"sign": "abort" needs "code"', join(path, 'code'), id);
          const code = this.amount(object.code, join(path, 'code'), id);
          // PROTOCOL.md §9.6: abort codes are 1…65535.
          if (code < 1n || code > 65535n) this.fail('"code" must be between 1 and 65535 (PROTOCOL.md §9.6)', join(path, 'code'), id);
          decision = { action: 'abort', code };
        } else {
          return this.fail(`"sign" must be "accept" or "abort", not "${action}"`, join(path, 'sign'), id);
        }
        const tag = object.tag === undefined ? undefined : this.string(object.tag, join(path, 'tag'), id);
        const times = object.times === undefined ? 1n : this.amount(object.times, join(path, 'times'), id);
        if (times < 1n || times > 1000n) this.fail('"times" must be between 1 and 1000', join(path, 'times'), id);
        const barrier = object.barrier === undefined ? undefined : this.string(object.barrier, join(path, 'barrier'), id);
        const what = decision.action === 'accept' ? 'accepts' : `aborts (code ${decision.code})`;
        return {
          id,
          kind: 'sign',
          role,
          decision,
          tag,
          times: Number(times),
          barrier,
          label: label ?? `${role} ${what} ${tag === undefined ? 'its next signing request' : `the next ${tag}`}${times > 1n ? ` ×${times}` : ''}${barrier === undefined ? '' : ` (together: ${barrier})`}`,
        };
      }
      case 'wait': {
        this.keys(object, ['label', 'role', 'wait', 'match'], path, id);
        const role = requireRole();
        const event = this.string(object.wait, join(path, 'wait'), id);
        const match = object.match === undefined ? undefined : this.object(object.match, join(path, 'match'), id);
        return { id, kind: 'wait', role, event, match, label: label ?? `${role} waits for ${event}` };
      }
      case 'parallel': {
        this.keys(object, ['label', 'parallel'], path, id);
        const list = object.parallel;
        if (!Array.isArray(list) || list.length < 2) this.fail('"parallel" must list at least two steps', join(path, 'parallel'), id);
        const steps = (list as JsonValue[]).map((child, index) => {
          const childId = `${id}.${index + 1}`;
          const parsed = this.step(child, `${path}.parallel[${index}]`, childId);
          if (parsed.kind === 'parallel') this.fail('parallel steps cannot nest', `${path}.parallel[${index}]`, childId);
          return parsed;
        });
        return { id, kind: 'parallel', steps, label: label ?? steps.map((s) => s.label).join(' ‖ ') };
      }
      case 'expect': {
        this.keys(object, ['label', 'role', 'expect'], path, id);
        const expect = this.expectation(object.expect, join(path, 'expect'), id);
        if (expect.error !== undefined || expect.result !== undefined) {
          this.fail('"error" and "result" can only be expected of a command step', join(path, 'expect'), id);
        }
        return { id, kind: 'expect', role: optionalRole, expect, label: label ?? `check ${describeExpectation(expect)}` };
      }
      case 'mine': {
        this.keys(object, ['label', 'mine'], path, id);
        const blocks = this.amount(object.mine, join(path, 'mine'), id);
        if (blocks < 1n) this.fail('"mine" must be at least 1', join(path, 'mine'), id);
        return { id, kind: 'mine', blocks, label: label ?? `mine ${blocks} block${blocks === 1n ? '' : 's'}` };
      }
      default:
        return this.fail(`unknown step kind "${kind}"`, path, id);
    }
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function last(path: string): string {
  return path.replace(/^.*\./, '');
}

/** A one-line description of a command step, for progress output. */
export function describeCommand(step: ScenarioStep & { kind: 'command' }): string {
  const who = step.role ?? 'both';
  switch (step.command) {
    case 'transfer':
      return `${who} transfer ${step.amount} ${step.from} → ${step.to}`;
    case 'deposit':
    case 'withdraw':
      return `${who} ${step.command} ${step.amount}`;
    case 'message':
      return `${who} message ${JSON.stringify(step.info)} → ${step.to}`;
    case 'staleCloseSolo':
      return `${who} posts a stale close solo (round ${step.round})`;
    case 'createContract':
      return `${who} creates ${step.contract}(${(step.args ?? []).map((a) => show(a)).join(', ')})${step.deposit === undefined ? '' : ` with ${step.deposit}`}`;
    case 'callContract':
    case 'dryRunContract':
    case 'forceProgress': {
      const verb = step.command === 'callContract' ? 'calls' : step.command === 'dryRunContract' ? 'dry-runs' : 'forces progress:';
      return `${who} ${verb} ${step.contract}.${step.function}(${(step.args ?? []).map((a) => show(a)).join(', ')})${step.amount === undefined ? '' : ` with ${step.amount}`}`;
    }
    case 'getContract':
      return `${who} reads ${step.contract}`;
    case 'gaAttach':
      return `${who} becomes a generalized account (auth contract ${step.contract})`;
    case 'getContractCall':
      return `${who} reads the ${step.contract} call of round ${step.round}`;
    default:
      return `${who} ${step.command}`;
  }
}

/** A one-line description of an expectation. */
export function describeExpectation(expect: ScenarioExpectation): string {
  const parts: string[] = [];
  if (expect.balances) {
    parts.push(`balances ${scenarioRoles.filter((r) => expect.balances![r] !== undefined).map((r) => `${r}=${expect.balances![r]}`).join(' ')}`);
  }
  if (expect.phase !== undefined) parts.push(`phase ${expect.phase}`);
  if (expect.round !== undefined) parts.push(`round ${expect.round}`);
  if (expect.error !== undefined) parts.push(`error ${expect.error.code ?? expect.error.message ?? '(any)'}`);
  if (expect.result !== undefined) parts.push('result');
  return parts.join(', ') || 'nothing';
}
