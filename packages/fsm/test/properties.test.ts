/**
 * Property tests (fast-check): random interleavings and duplications of valid node
 * messages, commands and signer answers never break the reducer's invariants.
 */
import { decodeSignedTx, Tag, type Encoded, type JsonValue } from '@aechannel/codec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deserializeState, serializeState, step, type ChannelState, type Command, type Effect, type Input } from '../src/index.js';
import {
  channelUpdate,
  conflict,
  depositTx,
  depositUpdate,
  I,
  info,
  INITIAL,
  offChainTx,
  onChainTx,
  openChannel,
  R,
  result,
  SIG_I,
  SIG_R,
  signedBy,
  signRequest,
  transferUpdate,
  unsigned,
  withdrawTx,
  withdrawUpdate,
  type Balances,
} from './helpers.js';

const move = (b: Balances, from: Encoded<'ak'>, to: Encoded<'ak'>, amount: bigint): Balances => ({ ...b, [from]: b[from]! - amount, [to]: b[to]! + amount });

/** Valid node messages around round 1 -> 2 -> 3 for a channel opened by the initiator. */
function messagePool(): Record<string, JsonValue> {
  const own2 = unsigned(offChainTx(2n, move(INITIAL, I, R, 1n)));
  const peer2 = signedBy(unsigned(offChainTx(2n, move(INITIAL, R, I, 2n))), SIG_R);
  const own3 = unsigned(offChainTx(3n, move(move(INITIAL, I, R, 1n), I, R, 1n)));
  const peer3 = signedBy(unsigned(offChainTx(3n, move(move(INITIAL, R, I, 2n), R, I, 2n))), SIG_R);
  const dep2 = unsigned(depositTx(I, 5n, 2n, { ...INITIAL, [I]: INITIAL[I]! + 5n }));
  const wd2 = signedBy(unsigned(withdrawTx(R, 3n, 2n, { ...INITIAL, [R]: INITIAL[R]! - 3n })), SIG_R);
  return {
    own2: signRequest('update', own2, [transferUpdate(I, R, 1n)]),
    peer2: signRequest('update_ack', peer2, [transferUpdate(R, I, 2n)]),
    own3: signRequest('update', own3, [transferUpdate(I, R, 1n)]),
    peer3: signRequest('update_ack', peer3, [transferUpdate(R, I, 2n)]),
    dep2: signRequest('deposit_tx', dep2, [depositUpdate(I, 5n)]),
    wd2: signRequest('withdraw_ack', wd2, [withdrawUpdate(R, 3n)]),
    own2done: channelUpdate(signedBy(own2, SIG_I, SIG_R)),
    peer2done: channelUpdate(signedBy(peer2, SIG_I)),
    own3done: channelUpdate(signedBy(own3, SIG_I, SIG_R)),
    peer3done: channelUpdate(signedBy(peer3, SIG_I)),
    dep2done: channelUpdate(signedBy(dep2, SIG_I, SIG_R)),
    wd2done: channelUpdate(signedBy(wd2, SIG_I)),
    conflict1: conflict(1n),
    conflict2: conflict(2n),
    infoUpdate: info('update'),
    infoWithdraw: info('withdraw_created'),
    aborted: info('aborted_update'),
    locked: info('own_deposit_locked'),
    depSigned: onChainTx('deposit_signed', signedBy(dep2, SIG_I, SIG_R), 'channel_deposit_tx'),
    pong: { jsonrpc: '2.0', method: 'channels.system.pong', params: { channel_id: null, data: { action: 'system', tag: 'pong' } } },
    ok: result(2n, 'ok'),
    balances: result(5n, [{ account: I, balance: 1n }]),
    message: { jsonrpc: '2.0', method: 'channels.message', params: { channel_id: null, data: { message: { from: R, to: I, info: 'hi' } } } },
  };
}

const COMMANDS = {
  transfer: { kind: 'transfer', from: I, to: R, amount: 1n },
  deposit: { kind: 'deposit', amount: 5n },
  withdraw: { kind: 'withdraw', amount: 3n },
  ping: { kind: 'ping' },
  balances: { kind: 'getBalances', accounts: [I, R] },
} satisfies Record<string, Command>;

type Action =
  | { kind: 'node'; name: string }
  | { kind: 'command'; name: keyof typeof COMMANDS }
  | { kind: 'sign'; refuse: boolean }
  | { kind: 'persisted' }
  | { kind: 'timer' };

const pool = messagePool();
const node = (name: string): Action => ({ kind: 'node', name });
const cmd = (name: keyof typeof COMMANDS): Action => ({ kind: 'command', name });
const SIGN: Action = { kind: 'sign', refuse: false };
const PERSISTED: Action = { kind: 'persisted' };

/** Valid flows (both roles' sides of §9.3–§9.5) the generator interleaves, duplicates and perturbs. */
const CHAINS: Action[][] = [
  [cmd('transfer'), node('own2'), SIGN, node('own2done'), PERSISTED, cmd('transfer'), node('own3'), SIGN, node('own3done'), PERSISTED],
  [node('infoUpdate'), node('peer2'), SIGN, node('peer2done'), PERSISTED, node('infoUpdate'), node('peer3'), SIGN, node('peer3done'), PERSISTED],
  [cmd('deposit'), node('dep2'), SIGN, node('depSigned'), node('locked'), node('dep2done'), PERSISTED],
  [node('infoWithdraw'), node('wd2'), SIGN, node('wd2done'), PERSISTED],
  [cmd('transfer'), node('infoUpdate'), node('peer2'), node('own2'), SIGN, SIGN, node('conflict1'), node('conflict1'), cmd('transfer'), node('own2'), SIGN, node('own2done'), PERSISTED],
  [cmd('transfer'), node('own2'), { kind: 'sign', refuse: true }, node('aborted'), node('infoUpdate'), node('peer2'), SIGN, node('peer2done'), PERSISTED],
];

const randomAction: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...Object.keys(pool)).map(node) },
  { weight: 2, arbitrary: fc.constantFrom(...(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])).map(cmd) },
  { weight: 3, arbitrary: fc.boolean().map((refuse): Action => ({ kind: 'sign', refuse })) },
  { weight: 2, arbitrary: fc.constant(PERSISTED) },
  { weight: 1, arbitrary: fc.constant<Action>({ kind: 'timer' }) },
);

type Edit = { op: 'dup' | 'swap' | 'drop' | 'insert'; at: number; noise: Action };

/** A chain with random duplications, adjacent swaps, drops and inserted noise. */
const perturbedChain: fc.Arbitrary<Action[]> = fc
  .tuple(
    fc.nat(CHAINS.length - 1),
    fc.array(fc.record({ op: fc.constantFrom<Edit['op']>('dup', 'dup', 'swap', 'drop', 'insert'), at: fc.nat(40), noise: randomAction }), { maxLength: 8 }),
  )
  .map(([index, edits]) => {
    const actions = [...CHAINS[index]!];
    for (const { op, at, noise } of edits) {
      const i = at % actions.length;
      if (op === 'dup') actions.splice(i, 0, actions[i]!);
      if (op === 'swap' && i + 1 < actions.length) [actions[i], actions[i + 1]] = [actions[i + 1]!, actions[i]!];
      if (op === 'drop' && actions.length > 1) actions.splice(i, 1);
      if (op === 'insert') actions.splice(i, 0, noise);
    }
    return actions;
  });

const actions: fc.Arbitrary<Action[]> = fc.oneof(
  { weight: 3, arbitrary: perturbedChain },
  { weight: 1, arbitrary: fc.array(randomAction, { maxLength: 60 }) },
  { weight: 1, arbitrary: fc.array(perturbedChain, { minLength: 2, maxLength: 3 }).map((chains) => chains.flat()) },
);

interface Run {
  states: ChannelState[];
  effects: Effect[][];
  inputs: Input[];
}

/** Applies actions to an open channel; signer answers target the oldest unanswered sign effect. */
function run(actions: readonly Action[], pool: Record<string, JsonValue>): Run {
  let state = openChannel('initiator').state;
  const out: Run = { states: [state], effects: [], inputs: [] };
  const pendingSigns: Extract<Effect, { type: 'sign' }>[] = [];
  const pendingPersists: number[] = [];
  let now = 10_000;
  let commandId = 100;
  for (const a of actions) {
    now += 7;
    let input: Input | null = null;
    if (a.kind === 'node') input = { type: 'nodeMessage', now, message: pool[a.name]! };
    if (a.kind === 'command') input = { type: 'command', now, commandId: (commandId += 1), command: COMMANDS[a.name] };
    if (a.kind === 'sign') {
      const sign = pendingSigns.shift();
      if (sign !== undefined) {
        input = a.refuse
          ? { type: 'signRefused', now, requestId: sign.requestId, errorCode: 200 }
          : { type: 'signed', now, requestId: sign.requestId, signedTx: signedBy(sign.tx, SIG_I) };
      }
    }
    if (a.kind === 'persisted') {
      const persistId = pendingPersists.shift();
      if (persistId !== undefined) input = { type: 'persisted', now, persistId };
    }
    if (a.kind === 'timer') input = { type: 'timerFired', now: now + 10_000_000, timer: 'reply' };
    if (input === null) continue;
    const r = step(state, input);
    state = r.state;
    for (const e of r.effects) {
      if (e.type === 'sign') pendingSigns.push(e);
      if (e.type === 'persist') pendingPersists.push(e.persistId);
    }
    out.states.push(state);
    out.effects.push(r.effects);
    out.inputs.push(input);
  }
  return out;
}


describe('properties of step', () => {
  it('the generated runs reach signing, adoption, conflicts and persists (the properties are not vacuous)', () => {
    const seen = { sign: 0, stateChanged: 0, conflict: 0, persist: 0, security: 0 };
    fc.assert(
      fc.property(actions, (as) => {
        for (const effects of run(as, pool).effects) {
          for (const e of effects) {
            if (e.type === 'sign') seen.sign += 1;
            if (e.type === 'persist') seen.persist += 1;
            if (e.type === 'emit' && e.event.type === 'stateChanged') seen.stateChanged += 1;
            if (e.type === 'emit' && e.event.type === 'conflict') seen.conflict += 1;
            if (e.type === 'emit' && e.event.type === 'security') seen.security += 1;
          }
        }
      }),
      { numRuns: 150, seed: 42 },
    );
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(10);
  });

  it('never throws, never reports an internal error, and every state round-trips through serializeState', () => {
    fc.assert(
      fc.property(actions, (as) => {
        const r = run(as, pool);
        for (const effects of r.effects) {
          for (const e of effects) expect(e.type === 'emit' && e.event.type === 'error' && e.event.error.code === 'FSM_INTERNAL_ERROR').toBe(false);
        }
        for (const s of r.states) expect(deserializeState(serializeState(s))).toEqual(s);
      }),
      { numRuns: 150 },
    );
  });

  it('never emits two sign effects for the same round with different content (until a conflict/abort voids the first)', () => {
    fc.assert(
      fc.property(actions, (as) => {
        const r = run(as, pool);
        let signedByRound = new Map<bigint, string>();
        r.effects.forEach((effects, i) => {
          const before = r.states[i]!;
          for (const e of effects) {
            if (e.type === 'emit' && (e.event.type === 'conflict' || (e.event.type === 'info' && e.event.event === 'aborted_update') || e.event.type === 'stateChanged')) {
              signedByRound = new Map();
            }
            if (e.type === 'sign' && 'round' in e.decoded && typeof e.decoded.round === 'bigint') {
              const seen = signedByRound.get(e.decoded.round);
              expect(seen === undefined || seen === e.tx, `round ${e.decoded.round} signed twice`).toBe(true);
              signedByRound.set(e.decoded.round, e.tx);
              expect(e.decoded.round).toBe(before.round + 1n);
            }
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('the round never decreases and transfers conserve the balance total', () => {
    fc.assert(
      fc.property(actions, (as) => {
        const r = run(as, pool);
        const total = (s: ChannelState): bigint => Object.values(s.balances).reduce((a, b) => a + b, 0n);
        for (let i = 1; i < r.states.length; i += 1) {
          const prev = r.states[i - 1]!;
          const next = r.states[i]!;
          expect(next.round >= prev.round).toBe(true);
          if (next.latestState === prev.latestState) {
            expect(next.balances).toEqual(prev.balances);
            continue;
          }
          const inner = decodeSignedTx(next.latestState!).tx;
          // Off-chain transfers move coins between the two; deposits/withdrawals add/remove exactly their amount.
          const delta = inner.tag === Tag.ChannelDepositTx ? inner.amount : inner.tag === Tag.ChannelWithdrawTx ? -inner.amount : 0n;
          expect(total(next) - total(prev)).toBe(delta);
          expect(next.round).toBe(prev.round + 1n);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('nothing is sent while a persist is outstanding', () => {
    fc.assert(
      fc.property(actions, (as) => {
        const r = run(as, pool);
        r.effects.forEach((effects, i) => {
          const before = r.states[i]!;
          const input = r.inputs[i]!;
          // A matching `persisted` ends the freeze before its effects (settle, deferred inputs).
          let persisting = before.persisting !== null && !(input.type === 'persisted' && input.persistId === before.persisting.persistId);
          for (const e of effects) {
            if (e.type === 'persist') persisting = true;
            if (e.type === 'send' || e.type === 'sign') expect(persisting, `${e.type} during a persist`).toBe(false);
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('is deterministic: the same inputs give the same states and effects', () => {
    fc.assert(
      fc.property(actions, (as) => {
        const a = run(as, pool);
        const b = run(as, pool);
        expect(b.states).toEqual(a.states);
        expect(b.effects.map((es) => es.map((e) => (e.type === 'emit' && e.event.type === 'error' ? e.event.error.message : e)))).toEqual(
          a.effects.map((es) => es.map((e) => (e.type === 'emit' && e.event.type === 'error' ? e.event.error.message : e))),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('does not modify the state it is given', () => {
    fc.assert(
      fc.property(actions, (as) => {
        const r = run(as, pool);
        // Re-running every step from a frozen copy of each state gives equal results.
        for (const s of r.states.slice(0, 10)) {
          const copy = structuredClone(s);
          step(s, { type: 'nodeMessage', now: 1, message: pool['own2']! });
          expect(s).toEqual(copy);
        }
      }),
      { numRuns: 30 },
    );
  });
});
