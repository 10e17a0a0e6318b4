import { computeStateHash, decodeSignedTx, stringifyJson, type Encoded } from '@aechannel/codec';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import type { ChannelOptions } from '../src/index.js';
import { innerHex, methodAndParams, replayRole, type ReplayReport, type ReplaySetup } from './replay.js';

function expectFaithful(report: ReplayReport, deviations: number[] = []): void {
  for (const pair of report.pairs) {
    if (deviations.includes(pair.section.line)) {
      // A deliberate deviation: the fsm does not send it (see the test's comment).
      expect(pair.sent, `line ${pair.section.line}`).toBeNull();
      continue;
    }
    expect(methodAndParams(pair.sent), `recorded message at line ${pair.section.line}`).toEqual(methodAndParams(pair.section.message));
  }
  expect(report.extraSends).toEqual([]);
  expect(report.signs.map((s) => innerHex(s.tx))).toEqual(report.recordedSignTxs.map(innerHex));
  expect(report.signs.map((s) => s.tx)).toEqual(report.recordedSignTxs);
  for (const sign of report.signs) expect(sign.networkId).toBe(report.networkId);
  for (const { produced, recorded } of report.connects) expect(produced).toEqual(recorded);
  const problems = report.effects.filter((e) => e.type === 'emit' && (e.event.type === 'security' || (e.event.type === 'error' && e.event.error.code === 'FSM_INTERNAL_ERROR')));
  expect(problems).toEqual([]);
}

function settled(report: ReplayReport): { ok: number; failed: string[] } {
  const settles = report.effects.filter((e) => e.type === 'settle');
  return { ok: settles.filter((e) => e.ok).length, failed: settles.flatMap((e) => (e.ok ? [] : [e.error.code])) };
}

describe('transcript replay: opening_ping_pong.md', () => {
  const fixture = loadFixture('opening_ping_pong.md');
  it.each(['initiator', 'responder'] as const)('%s', (role) => {
    const report = replayRole(fixture, role);
    expectFaithful(report);
    expect(report.state.status).toBe('died');
    expect(report.state.round).toBe(1n);
    expect(settled(report).failed).toEqual([]);
  });
});

describe('transcript replay: abort_withdraw.md', () => {
  const fixture = loadFixture('abort_withdraw.md');
  it('initiator', () => {
    // Line 54 (section "initiator ---> node" {error: 42} after the withdraw was already signed):
    // the recorded client aborts with nothing pending and earns error 1018. The fsm refuses to
    // send into that state (the signRefused input names an answered request), so no message.
    const aborts = fixture.sections.filter((s) => s.kind === 'send' && s.role === 'initiator' && stringifyJson(s.message).includes(`"error"`));
    const line = aborts[1]!.line;
    const report = replayRole(fixture, 'initiator');
    expectFaithful(report, [line]);
    // First withdraw aborted by the user (42), second withdraw voided by the peer's abort (conflict 42).
    const { failed } = settled(report);
    expect(failed).toEqual(['FSM_SIGN_REFUSED', 'FSM_CONFLICT']);
    expect(report.state.status).toBe('died');
  });
  it('responder', () => {
    const report = replayRole(fixture, 'responder');
    expectFaithful(report);
    expect(settled(report).failed).toEqual(['FSM_SIGN_REFUSED']);
    expect(report.state.round).toBe(1n);
  });
});

describe('transcript replay: client_reconnect_responder.txt', () => {
  const fixture = loadFixture('client_reconnect_responder.txt');
  it.each(['initiator', 'responder'] as const)('%s', (role) => {
    const report = replayRole(fixture, role);
    expectFaithful(report);
    expect(report.state.status).toBe('died');
    if (role === 'responder') {
      // Four rejected attempts (2000, 1016, 1016, 1016), then fsm_up with the same id.
      const rejections = report.effects.filter((e) => e.type === 'emit' && e.event.type === 'error' && e.event.error.code === 'FSM_CONNECTION_REJECTED');
      expect(rejections.map((e) => (e.type === 'emit' && e.event.type === 'error' ? e.event.error.context['code'] : null))).toEqual([2000, 1016, 1016, 1016]);
      expect(report.connects).toHaveLength(6);
    } else {
      expect(report.state.round).toBe(2n);
    }
  });
});

const WITHDRAW_INITIATOR = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS' as const;
const WITHDRAW_RESPONDER = 'ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W' as const;

function fragmentSetup(
  role: 'initiator' | 'responder',
  networkId: string,
  channelId: Encoded<'ch'>,
  initiatorId: Encoded<'ak'>,
  responderId: Encoded<'ak'>,
  round: bigint,
  balances: [bigint, bigint],
): ReplaySetup {
  const options: ChannelOptions = {
    role,
    initiatorId,
    responderId,
    initiatorAmount: 70000000000000n,
    responderAmount: 40000000000000n,
    pushAmount: 1n,
    channelReserve: 2n,
    lockPeriod: 10n,
    port: 13179,
    networkId,
  };
  return {
    options,
    fsmId: 'ba_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZ1rOqA==' as Encoded<'ba'>,
    saved: {
      options,
      channelId,
      fsmId: null,
      latestState: null,
      round,
      balances: { [initiatorId]: balances[0], [responderId]: balances[1] } as Record<Encoded<'ak'>, bigint>,
      onChainRound: 1n,
    },
  };
}

describe('transcript replay: conflict_two_withdrawals.md (fragment)', () => {
  const fixture = loadFixture('conflict_two_withdrawals.md');
  const channelId = 'ch_2BMQYgssMhC6X6vrZ4vwdoqMo5yAasWyUCTqY1rB4MLtqYXZQU' as const;
  // The fragment starts right after open (conflicts report round 1); the withdraw txs' state
  // hashes pin the round-1 balances to the open parameters with push 1:
  it('derives the starting balances from the recorded state hashes', () => {
    const tx = fixture.sections.find((s) => s.kind === 'receive' && s.role === 'initiator')!;
    const signedTx = ((tx as unknown as { message: { params: { data: { signed_tx: Encoded<'tx'> } } } }).message.params.data.signed_tx);
    const inner = decodeSignedTx(signedTx).tx;
    expect(inner).toMatchObject({ round: 2n, stateHash: computeStateHash({ [WITHDRAW_INITIATOR]: 69999999999998n, [WITHDRAW_RESPONDER]: 40000000000001n }) });
  });
  it.each(['initiator', 'responder'] as const)('%s', (role) => {
    const setup = fragmentSetup(role, fixture.networkId, channelId, WITHDRAW_INITIATOR, WITHDRAW_RESPONDER, 1n, [69999999999999n, 40000000000001n]);
    const report = replayRole(fixture, role, setup);
    expectFaithful(report);
    expect(settled(report).failed).toEqual(['FSM_CONFLICT', 'FSM_CONFLICT']);
    expect(report.state.round).toBe(1n);
    expect(report.state.status).toBe('died');
  });
});

describe('transcript replay: conflict_two_updates_and_user_abort.md (fragment, 2019 node)', () => {
  const fixture = loadFixture('conflict_two_updates_and_user_abort.md');
  const channelId = 'ch_Bx4x8rvNpeHe2LtnDNqyqCvguqX5jEeotUDk5cRXH3mEXzy77' as const;
  const initiator = 'ak_p5mwxAHVY4fqWNqYDvGLfTAWGGra3B4zuNQayyHZZwS9bKrRx' as const;
  const responder = 'ak_2J29WNS9gzYvK6VWkQQqmAyUu8DH7zHQ1CaN2hZr8B7cxGKNZn' as const;
  it.each(['initiator', 'responder'] as const)('%s', (role) => {
    // Round 5 and its balances: from the conflicts (round 5) and get.balances in the recording.
    const setup = fragmentSetup(role, fixture.networkId, channelId, initiator, responder, 5n, [69999999999999n, 40000000000001n]);
    const report = replayRole(fixture, role, setup);
    expectFaithful(report);
    const { failed } = settled(report);
    // Two transfer races (each voided by the first of two conflicts), then (initiator) the aborted update (code 147).
    expect(failed).toEqual(role === 'initiator' ? ['FSM_CONFLICT', 'FSM_CONFLICT', 'FSM_SIGN_REFUSED'] : ['FSM_CONFLICT', 'FSM_CONFLICT']);
    expect(report.state.round).toBe(5n);
  });
});
