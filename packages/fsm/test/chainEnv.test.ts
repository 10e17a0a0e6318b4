/**
 * The chain environment of a contract round (CONTRACTS.md §2.8): a run that reads it is
 * never signed blindly. Without `resolveChainEnv` it is refused; with it, the driver is asked
 * for candidate environments and the round is signed only when one gives the signed state.
 */
import { encode, type Encoded } from '@aechannel/codec';
import { describe, expect, it } from 'vitest';
import type { ChainEnv, ChannelOptions, Command, Effect } from '../src/index.js';
import { ABI, ADD_3, callContractJson, HEIGHT, nextRound, offChainTxWithHash, withCounter } from './contracts.js';
import { conflict, events, expectRefused, I, info, securityEvents, sends, SIG_I, signedBy, signRequest, signs, unsigned, type Driver } from './helpers.js';

const ZERO_AK = encode(new Uint8Array(32), 'ak');
/** The environment the node pinned in these tests (height 1000, see CHAIN_1000). */
const ENV_1000: ChainEnv = { height: 1000n, timestamp: 1_700_000_000_000n, beneficiary: ZERO_AK, difficulty: 1n };
const ENV_999: ChainEnv = { ...ENV_1000, height: 999n };

const callHeight = (contractId: Encoded<'ct'>, extra: Partial<Extract<Command, { kind: 'callContract' }>> = {}): Command => ({
  kind: 'callContract',
  contractId,
  callData: HEIGHT,
  abiVersion: ABI,
  amount: 0n,
  ...extra,
});

/** A channel holding a counter, with `extra` options, and the own sign.update of `height()` the node computed at height 1000. */
function heightRound(extra: Partial<ChannelOptions> = {}, command?: (c: Encoded<'ct'>) => Command): { d: Driver; effects: Effect[] } {
  const { d, contract } = withCounter('initiator');
  d.state = { ...d.state, options: { ...d.state.options, ...extra } };
  d.command((command ?? callHeight)(contract));
  const updates = [callContractJson(I, contract, HEIGHT)];
  const next = nextRound(d.state, updates);
  return { d, effects: d.node(signRequest('update', unsigned(offChainTxWithHash(next.round, next.stateHash)), updates)) };
}

const resolveEnvs = (effects: Effect[]): Extract<Effect, { type: 'resolveEnv' }>[] => effects.flatMap((e) => (e.type === 'resolveEnv' ? [e] : []));

describe('a contract round that reads the chain environment', () => {
  it('by default is refused (not signed blindly), with the values it read', () => {
    const { effects } = heightRound();
    expectRefused(effects, 'channels.update', /reads the chain environment \(height\).*not signed/);
    expect(securityEvents(effects)[0]!.details).toEqual({ reads: ['height'] });
  });

  it('a round that reads nothing of it needs no environment', () => {
    const { d, contract } = withCounter('initiator', 'initiator');
    d.command({ kind: 'callContract', contractId: contract, callData: ADD_3, abiVersion: ABI, amount: 0n });
    const updates = [callContractJson(I, contract, ADD_3)];
    const next = nextRound(d.state, updates);
    expect(signs(d.node(signRequest('update', unsigned(offChainTxWithHash(next.round, next.stateHash)), updates)))).toHaveLength(1);
  });

  describe('with resolveChainEnv', () => {
    it('asks the driver (resolveEnv, env timer), sends nothing, then signs against the environment that gives the signed state', () => {
      const { d, effects } = heightRound({ resolveChainEnv: true });
      const [ask] = resolveEnvs(effects);
      expect(ask).toMatchObject({ type: 'resolveEnv', blockHash: null, reads: ['height'], tag: 'update' });
      expect(sends(effects)).toEqual([]);
      expect(signs(effects)).toEqual([]);
      expect(effects).toContainEqual({ type: 'setTimer', timer: 'env', at: expect.any(Number) });
      const answered = d.feed({ type: 'envResolved', requestId: ask!.requestId, envs: [ENV_999, ENV_1000] });
      expect(signs(answered)).toHaveLength(1);
      expect(signs(answered)[0]!.calls[0]).toMatchObject({ return_type: 'ok', return_value: expect.any(String) });
      expect(answered).toContainEqual({ type: 'clearTimer', timer: 'env' });
    });

    it('an environment that does not give the signed state: refused', () => {
      const { d, effects } = heightRound({ resolveChainEnv: true });
      const answered = d.feed({ type: 'envResolved', requestId: resolveEnvs(effects)[0]!.requestId, envs: [ENV_999] });
      expectRefused(answered, 'channels.update', /state hash .* \(the run read the chain environment: height\)/);
    });

    it('no environment (an empty answer), or a malformed one: refused', () => {
      const a = heightRound({ resolveChainEnv: true });
      expectRefused(a.d.feed({ type: 'envResolved', requestId: resolveEnvs(a.effects)[0]!.requestId, envs: [] }), 'channels.update', /chain environment/);
      const b = heightRound({ resolveChainEnv: true });
      const bad = { ...ENV_1000, beneficiary: 'ak_x' } as unknown as ChainEnv;
      expectRefused(b.d.feed({ type: 'envResolved', requestId: resolveEnvs(b.effects)[0]!.requestId, envs: [bad] }), 'channels.update', /chain environment/);
    });

    it('no answer before the env timer: refused', () => {
      const { d, effects } = heightRound({ resolveChainEnv: true, clientTimeouts: { env: 500 } });
      const timer = effects.find((e) => e.type === 'setTimer' && e.timer === 'env');
      expect(d.feed({ type: 'timerFired', timer: 'env', now: d.now + 1 })).toEqual([]);
      const fired = d.feed({ type: 'timerFired', timer: 'env', now: timer!.type === 'setTimer' ? timer.at : 0 });
      expectRefused(fired, 'channels.update', /not supplied in time/);
      // a late answer changes nothing
      expect(d.feed({ type: 'envResolved', requestId: resolveEnvs(effects)[0]!.requestId, envs: [ENV_1000] })).toEqual([]);
    });

    it('names the block this client pinned for its own update', () => {
      const blockHash = encode(new Uint8Array(32).fill(3), 'kh') as Encoded<'kh'>;
      const { effects } = heightRound({ resolveChainEnv: true }, (c) => callHeight(c, { blockHash }));
      expect(resolveEnvs(effects)[0]).toMatchObject({ blockHash });
    });

    it("the peer's round: asked with the node's block unknown; a conflict voids the wait", () => {
      const { d, contract } = withCounter('responder');
      d.state = { ...d.state, options: { ...d.state.options, resolveChainEnv: true } };
      d.node(info('update'));
      const updates = [callContractJson(I, contract, HEIGHT)];
      const next = nextRound(d.state, updates);
      const request = signRequest('update_ack', signedBy(unsigned(offChainTxWithHash(next.round, next.stateHash)), SIG_I), updates);
      const [ask] = resolveEnvs(d.node(request));
      expect(ask).toMatchObject({ blockHash: null, tag: 'update_ack' });
      expect(d.node(request)).toEqual([]); // a repeated request while waiting
      d.node(conflict(2n));
      expect(d.state.envWait).toBeNull();
      expect(signs(d.feed({ type: 'envResolved', requestId: ask!.requestId, envs: [ENV_1000] }))).toEqual([]);
      expect(events(d.effects).some((e) => e.type === 'security')).toBe(false);
    });
  });
});
