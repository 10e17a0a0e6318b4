/**
 * The README's embedding example (examples/embed.ts) against a scripted node that speaks
 * the opening of abort_withdraw.md (the initiator's side), with a signer that returns the
 * recorded signatures.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJson, stringifyJson, type Encoded, type JsonValue } from '@aechannel/codec';
import { loadFixture } from '@aechannel/transcript/fixtures';
import { describe, expect, it } from 'vitest';
import { embed } from '../examples/embed.js';
import { createInitialState, type ChannelEvent, type PersistedChannel } from '../src/index.js';
import { optionsFromUrl } from './replay.js';

const fixture = loadFixture('abort_withdraw.md');
const mine = fixture.sections.filter((s) => s.role === 'initiator');
const received = mine.flatMap((s) => (s.kind === 'receive' ? [s.message as { method?: string; params?: { data?: { event?: string } } }] : []));
const byMethod = (method: string, event?: string): JsonValue =>
  received.find((m) => m.method === method && (event === undefined || m.params?.data?.event === event)) as JsonValue;
const recordedSigned = mine.find((s) => s.kind === 'send' && (s.message as { method: string }).method === 'channels.initiator_sign') as unknown as { message: { params: { signed_tx: Encoded<'tx'> } } };

describe('README example: embedding the fsm with your own transport, signer and store', () => {
  it('the README shows examples/embed.ts verbatim', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const example = readFileSync(fileURLToPath(new URL('../examples/embed.ts', import.meta.url)), 'utf8');
    expect(readme).toContain(example.trim());
  });

  it('opens a channel and answers a query', async () => {
    const connect = mine.find((s) => s.kind === 'connect')!;
    const options = optionsFromUrl((connect as { url: string }).url, fixture.networkId);
    const events: ChannelEvent[] = [];
    const persisted: PersistedChannel[] = [];
    const sent: JsonValue[] = [];
    const channel = embed(createInitialState(options as never, { mode: 'open' }), {
      connect(_query, on) {
        const deliver = (...messages: JsonValue[]): void => {
          for (const m of messages) queueMicrotask(() => on.message(stringifyJson(m)));
        };
        queueMicrotask(() => {
          on.open();
          deliver(byMethod('channels.info', 'fsm_up'), byMethod('channels.info', 'channel_accept'), byMethod('channels.sign.initiator_sign'));
        });
        return {
          send(text) {
            const message = parseJson(text) as { id: bigint; method: string };
            sent.push(message);
            if (message.method === 'channels.initiator_sign') {
              deliver(byMethod('channels.info', 'funding_signed'), byMethod('channels.info', 'open'), byMethod('channels.update'));
            }
            if (message.method === 'channels.get.balances') {
              const reply = received.find((m) => 'result' in m && Array.isArray((m as { result: unknown }).result)) as { result: JsonValue };
              deliver({ jsonrpc: '2.0', version: 1n, id: message.id, result: reply.result });
            }
          },
          close: () => on.close(),
        };
      },
      sign: async () => recordedSigned.message.params.signed_tx,
      persist: async (snapshot) => {
        persisted.push(snapshot);
      },
      onEvent: (event) => events.push(event),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(channel.state.status).toBe('open');
    // the signed create tx (before its reply goes out), then the co-signed create
    expect(persisted).toMatchObject([
      { round: 0n, latestState: null, signedCreateTx: recordedSigned.message.params.signed_tx, channelId: 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1' },
      { round: 1n, channelId: 'ch_7hoXbLuZWVcAiZDeohufNVNnnbGK6SMcVdoZY7XcWTf4kP5m1' },
    ]);
    expect(persisted[1]!.signedCreateTx).toBeUndefined();
    const balances = await channel.command({ kind: 'getBalances', accounts: ['ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS'] });
    expect(balances).toEqual({ ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS: 69999999999999n, ak_cU4JbcvVzqCtttniEVwvN1z6P7s4vgtTCjfDYfF1kbh7gCs7W: 40000000000001n });
    expect(events).toContainEqual({ type: 'statusChanged', status: 'open' });
    expect(sent.map((m) => (m as { method: string }).method)).toEqual(['channels.initiator_sign', 'channels.get.balances']);
    channel.stop();
  });
});
