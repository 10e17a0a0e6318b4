/**
 * Open failures say why (issue 16): the node's reason, the URL and the underlying cause,
 * for a wrong network id at open (the node refuses the create tx's signature) and for a
 * port nothing listens on.
 */
import { isAechannelError, type AechannelError } from '@aechannel/codec';
import type { Devnode } from '@aechannel/devnode';
import { memorySigner } from '@aechannel/signer';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel } from '../src/Channel.js';
import { ChannelError } from '../src/errors.js';
import { smallChannelOptions, startTestDevnode } from './helpers.js';

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startTestDevnode();
});
afterAll(async () => {
  await devnode.stop();
});

/** A local port nothing listens on (taken from the OS, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function options(i: number, r: number, url: string, networkId: string) {
  return { ...smallChannelOptions(devnode, i, r), url, networkId, a: devnode.accounts[i]!, b: devnode.accounts[r]! };
}

async function failure(promise: Promise<unknown>): Promise<ChannelError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelError);
  return error as ChannelError;
}

describe('open failures carry the reason, the URL and the cause', () => {
  it('a wrong network id: the node refuses the signature of the create tx', async () => {
    const { a, b, ...common } = options(0, 1, devnode.url, 'ae_mainnet');
    const [initiator, responder] = await Promise.all([
      failure(Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: memorySigner(a.secretKey), reconnect: false })),
      failure(Channel.open({ ...common, role: 'responder', signer: memorySigner(b.secretKey), reconnect: false })),
    ]);
    expect(initiator.code).toBe('CHANNEL_CLOSED');
    expect(initiator.message).toContain('bad_signature');
    expect(initiator.message).toContain(devnode.url);
    expect(initiator.message).toContain('ae_mainnet');
    expect(initiator.context).toMatchObject({ url: devnode.url, networkId: 'ae_mainnet', nodeReason: 'bad_signature' });
    expect(isAechannelError(initiator.cause)).toBe(true);
    expect((initiator.cause as AechannelError).message).toContain('bad_signature');
    // the responder learns only that the peer's fsm went away: still the URL
    expect(responder.message).toContain(devnode.url);
  });

  it('a port nothing listens on: the URL and the connection error', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}/channel`;
    const { a, ...common } = options(2, 3, url, devnode.networkId);
    const error = await failure(Channel.open({ ...common, role: 'initiator', host: '127.0.0.1', signer: memorySigner(a.secretKey) }));
    expect(error.code).toBe('CHANNEL_UNRECOVERABLE');
    expect(error.message).toContain(url);
    expect(error.context).toMatchObject({ url });
    expect(isAechannelError(error.cause, 'TRANSPORT_CONNECT_FAILED')).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED|refused/);
  });
});
