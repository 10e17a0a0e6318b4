/**
 * Connection drops at every message boundary. For a transfer, a withdrawal and a contract
 * call (a counter's `add`, in a channel that already holds the contract), the
 * socket of one participant (initiator or responder) is cut abruptly after the n-th
 * message of the operation, for every n. Each time the channel must recover by itself
 * (reconnect by fsm id, resync, unblock the node), and after the caller retries what
 * reported "not applied" (`CHANNEL_CONNECTION_LOST` with `applied: false`) or a conflict,
 * the operation has happened exactly once: same balances on both sides, at the node, and
 * (for the withdrawal) on chain.
 */
import { isAechannelError } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Encoded } from '@aechannel/codec';
import { COUNTER } from './fixtures/contracts.js';
import { AE, openPair, startTestDevnode, until, type Pair } from './helpers.js';
import { createCutController, type CutController } from './cutTransport.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode();
});
afterAll(async () => {
  await devnode.stop();
});

type Side = 'initiator' | 'responder';

type Operation = 'transfer' | 'withdraw' | 'callContract';

const AMOUNT = { transfer: 5n, withdraw: AE, callContract: 3n } as const;

/** The counter each pair holds for `callContract` (created before the cut is armed). */
const counters = new WeakMap<Pair, Encoded<'ct'>>();

/** What exists before the operation: the counter (init(5)) for a contract call; the round it starts from. */
async function prepare(pair: Pair, operation: Operation): Promise<bigint> {
  if (operation !== 'callContract') return 1n;
  const { contractId } = await pair.initiator.createContract({ code: COUNTER.code, aci: COUNTER.aci, args: [5n] });
  counters.set(pair, contractId);
  pair.responder.setContractAci(contractId, COUNTER.aci);
  await until(() => pair.responder.round === 2n);
  return 2n;
}

async function runOperation(pair: Pair, operation: Operation): Promise<void> {
  if (operation === 'transfer') await pair.initiator.transfer(pair.responderId, AMOUNT.transfer, { timeoutMs: 10_000 });
  else if (operation === 'withdraw') await pair.initiator.withdraw(AMOUNT.withdraw, { timeoutMs: 10_000 });
  else {
    // add(2) with 3 aettos: the counter goes from 5 to 7 (once), the coins move into it
    const { call } = await pair.initiator.callContract(counters.get(pair)!, { function: 'add', args: [2n], amount: AMOUNT.callContract }, { timeoutMs: 10_000 });
    if (call.value !== 7n) throw new Error(`add(2) returned ${String(call.value)}, not 7: applied twice?`);
  }
}

/** Runs the operation until it succeeds, retrying only on outcomes that say it did not happen. */
async function runWithRetries(pair: Pair, operation: Operation): Promise<string[]> {
  const outcomes: string[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      await runOperation(pair, operation);
      outcomes.push('ok');
      return outcomes;
    } catch (error) {
      const retryable =
        (isAechannelError(error, 'CHANNEL_CONNECTION_LOST') && (error.context as { applied?: unknown }).applied === false) ||
        isAechannelError(error, 'CHANNEL_CONFLICT');
      outcomes.push(isAechannelError(error) ? error.code : String(error));
      if (!retryable) throw error;
    }
  }
  throw new Error(`no success after retries: ${outcomes.join(', ')}`);
}

async function openWithCutter(side: Side, accounts: [number, number]): Promise<{ pair: Pair; cut: CutController }> {
  const cut = createCutController();
  const driver = { transport: cut.factory, reconnect: { baseDelayMs: 5, maxDelayMs: 50 } };
  const pair = await openPair(devnode, { accounts, [side]: driver });
  return { pair, cut };
}

/**
 * Messages of one clean run of the operation on the cut side's socket (requests, sign
 * requests and replies, infos and, for the withdrawal, the on-chain reports that may arrive
 * after the call resolved).
 */
const MESSAGES: Record<Operation, Record<Side, number>> = {
  transfer: { initiator: 6, responder: 5 },
  withdraw: { initiator: 10, responder: 9 },
  callContract: { initiator: 6, responder: 5 },
};

/** Counts the messages of one clean run; waits (event-driven) for the trailing ones. */
async function cleanMessageCount(side: Side, operation: Operation): Promise<number> {
  const { pair, cut } = await openWithCutter(side, [0, 1]);
  await prepare(pair, operation);
  cut.arm(Number.MAX_SAFE_INTEGER);
  await runOperation(pair, operation);
  // The on-chain reports of a withdrawal can come after the call resolved, later on a busy machine.
  await until(() => cut.count >= MESSAGES[operation][side]).catch(() => undefined);
  const count = cut.count;
  pair.initiator.dispose();
  pair.responder.dispose();
  return count;
}

describe('recovery from a dropped connection at every message boundary', () => {
  for (const operation of ['transfer', 'withdraw', 'callContract'] as const) {
    for (const side of ['initiator', 'responder'] as const) {
      it(`${operation}, ${side}'s socket cut`, async () => {
        const total = await cleanMessageCount(side, operation);
        // every boundary of the operation is cut below: none may be missed
        expect(total).toBe(MESSAGES[operation][side]);
        const report: string[] = [];
        for (let n = 1; n <= total; n++) {
          const { pair, cut } = await openWithCutter(side, [2, 3]);
          const { initiator, responder, initiatorId, responderId } = pair;
          const cutChannel = side === 'initiator' ? initiator : responder;
          let recovered = 0;
          cutChannel.on('recovered', () => recovered++);
          const start = await prepare(pair, operation);
          const chainBefore = devnode.chain.getBalance(initiatorId);
          cut.arm(n);
          const outcomes = await runWithRetries(pair, operation);
          report.push(`${n}: ${outcomes.join(' -> ')}`);
          // a cut after the operation's last message happens once those trailing messages arrive
          await until(() => cut.cuts === 1);
          // a cut after the last message of the operation is repaired in the background
          await until(() => recovered === 1 && cutChannel.status === 'open');
          // the other side learns the new state from its own node fsm, a moment apart
          await until(() => initiator.round === start + 1n && responder.round === start + 1n);
          // exactly once, on both sides, at the node
          const expected =
            operation === 'transfer'
              ? { [initiatorId]: 10n * AE - AMOUNT.transfer, [responderId]: 10n * AE + AMOUNT.transfer }
              : { [initiatorId]: 10n * AE - AMOUNT[operation], [responderId]: 10n * AE };
          expect(initiator.localBalances, `initiator after cut ${n}`).toEqual(expected);
          expect(responder.localBalances, `responder after cut ${n}`).toEqual(expected);
          expect(initiator.round).toBe(start + 1n);
          expect(responder.round).toBe(start + 1n);
          if (operation === 'callContract') {
            // A call whose round the drop did not prevent resolves with its result instead of
            // CHANNEL_CONNECTION_LOST: only a call that did not take effect is retried.
            if (outcomes.length > 1) expect(outcomes.slice(0, -1).every((o) => o === 'CHANNEL_CONNECTION_LOST' || o === 'CHANNEL_CONFLICT')).toBe(true);
            expect((await cutChannel.getContract(counters.get(pair)!)).state).toMatchObject({ value: 7n });
            // Each side reports the call's round once as a contractCall event (the cut side too,
            // when the round was decided after recovering), decoded.
            for (const role of ['initiator', 'responder'] as const) {
              const calls = pair.events[role].filter((e) => e.type === 'contractCall' && e.round === start + 1n);
              expect(calls, `${role} after cut ${n}`).toHaveLength(1);
              expect(calls[0]).toMatchObject({ own: role === 'initiator', result: { function: 'add', value: 7n } });
            }
            const other = side === 'initiator' ? responder : initiator;
            expect((await other.getContract(counters.get(pair)!)).state).toMatchObject({ value: 7n });
          }
          expect(await cutChannel.balances()).toEqual(expected);
          if (operation === 'withdraw') {
            // one withdrawal on chain: the amount came out once, minus one fee
            const gained = devnode.chain.getBalance(initiatorId) - chainBefore;
            expect(gained).toBeGreaterThan(AMOUNT.withdraw - AE / 1000n);
            expect(gained).toBeLessThan(AMOUNT.withdraw);
          }
          // the channel keeps working
          await responder.transfer(initiatorId, 1n);
          expect(initiator.localBalances[initiatorId]).toBe(expected[initiatorId]! + 1n);
          initiator.dispose();
          responder.dispose();
        }
        expect(report).toHaveLength(total);
        if (operation === 'callContract' && side === 'initiator') {
          // A cut after the node had our signature (before its channels.update came) resolves
          // the call with its result after recovery, without a retry.
          expect(report.slice(0, -1).some((line) => line.endsWith(': ok'))).toBe(true);
        }
      });
    }
  }
});
