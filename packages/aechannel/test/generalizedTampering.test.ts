/**
 * Tampered GA meta txs (issue 17, PROTOCOL.md §2.9) between two `Channel` clients on the
 * in-process devnode: a layer whose inner channel tx was changed, a co-signed state whose
 * own layer carries other auth data, a layer forged in the client's name, and auth data the
 * account's auth function refuses. The node refuses what needs the chain (the auth
 * function); the client refuses what it can see (the channel tx, its own layer).
 */
import { readFileSync } from 'node:fs';
import { buildUnwrappedTx, computeStateHash, isAechannelError, serializeObject, unwrapSignedTx, wrapInGaMeta, type Encoded, type TxOf, Tag } from '@aechannel/codec';
import { startDevnode, type Devnode, type DevnodeAccount } from '@aechannel/devnode';
import { memorySigner, type Signer } from '@aechannel/signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, type ChannelClientEvent } from '../src/Channel.js';
import { gaAttachTx, gaAuthSigner } from '../src/examples/generalizedAccount.js';
import { freshPort, until } from './helpers.js';
import { replaceTx, tampering } from './tampering.js';

const fixture = JSON.parse(readFileSync(new URL('../../../examples/contracts/ga_auth.json', import.meta.url), 'utf8')) as { bytecode: Encoded<'cb'>; aci: unknown[] };

let devnode: Devnode;
beforeAll(async () => {
  devnode = await startDevnode({ listen: false });
});
afterAll(async () => {
  await devnode.stop();
});

let nextAccount = 0;
async function gaAccount(): Promise<DevnodeAccount> {
  const account = devnode.accounts[nextAccount++]!;
  const signed = await memorySigner(account.secretKey).signTransaction(gaAttachTx({ owner: account.address, nonce: 1n, contract: { code: fixture.bytecode, aci: fixture.aci } }), { networkId: devnode.networkId });
  await devnode.chain.post(signed);
  await devnode.idle();
  return account;
}
const basicAccount = (): DevnodeAccount => devnode.accounts[nextAccount++]!;
const gaSignerOf = (account: DevnodeAccount, key = account.secretKey): Signer => gaAuthSigner({ address: account.address, secretKey: key, aci: fixture.aci });

/** Opens a channel: GA initiator `i`, basic responder `r`, each with its own (possibly tampering) transport. */
async function open(i: DevnodeAccount, r: DevnodeAccount, options: { initiatorSigner?: Signer } = {}) {
  const link = { initiator: tampering(devnode), responder: tampering(devnode) };
  const events = { initiator: [] as ChannelClientEvent[], responder: [] as ChannelClientEvent[] };
  const common = {
    networkId: devnode.networkId, initiatorId: i.address, responderId: r.address, initiatorAmount: 10n ** 15n, responderAmount: 10n ** 15n,
    channelReserve: 1n, lockPeriod: 3n, port: freshPort(), timeoutMs: 10_000, generalizedAccounts: [i.address], watcher: false as const,
  };
  const [initiator, responder] = await Promise.all([
    Channel.open({ ...common, role: 'initiator', host: 'localhost', signer: options.initiatorSigner ?? gaSignerOf(i), transport: link.initiator.factory, onEvent: (e) => events.initiator.push(e) }),
    Channel.open({ ...common, role: 'responder', signer: memorySigner(r.secretKey), transport: link.responder.factory, onEvent: (e) => events.responder.push(e) }),
  ]);
  return { initiator, responder, link, events };
}

const security = (events: ChannelClientEvent[]) => events.flatMap((e) => (e.type === 'security' ? [e.reason] : []));

describe('tampered GA meta txs', () => {
  it('the basic client refuses the peer\'s layer around a changed channel tx (another state hash)', async () => {
    const i = await gaAccount();
    const r = basicAccount();
    const c = await open(i, r);
    c.link.responder.set(
      replaceTx('channels.sign.update_ack', 'signed_tx', async (tx) => {
        const u = unwrapSignedTx(tx);
        const inner = u.tx as TxOf<typeof Tag.ChannelOffChainTx>;
        // the responder's balance one aetto lower than the update says
        const changed = { ...inner, stateHash: computeStateHash({ [i.address]: 10n ** 15n - 5n, [r.address]: 10n ** 15n + 4n }) };
        return buildUnwrappedTx({ ...u, innerBytes: serializeObject(changed) });
      }),
    );
    const transfer = c.initiator.transfer(r.address, 5n);
    await expect(transfer).rejects.toSatisfy((e) => isAechannelError(e));
    expect(security(c.events.responder).join('\n')).toMatch(/state hash/);
    expect(c.responder.round).toBe(1n);
    c.link.responder.set(null);
    await c.initiator.transfer(r.address, 5n);
    expect(c.responder.localBalances[r.address]).toBe(10n ** 15n + 5n);
  });

  it('the GA client does not adopt a co-signed state whose own layer carries other auth data', async () => {
    const i = await gaAccount();
    const r = basicAccount();
    const c = await open(i, r);
    c.link.initiator.set(
      replaceTx('channels.update', 'state', async (tx) => {
        const u = unwrapSignedTx(tx);
        const layer = u.layers[0]!;
        const authData = Uint8Array.from(layer.authData);
        authData[authData.length - 1] = (authData[authData.length - 1] ?? 0) ^ 1;
        return buildUnwrappedTx({ ...u, layers: [{ ...layer, authData }] });
      }),
    );
    await c.responder.transfer(i.address, 7n);
    // the tampered report is dropped; the client takes the node's own copy after verifying it
    await until(() => c.initiator.latestState === c.responder.latestState, 5_000);
    expect(security(c.events.initiator).join('\n')).toMatch(/lacks the GA meta layer this client made/);
    const held = unwrapSignedTx(c.initiator.latestState!);
    expect(held.tx.tag === Tag.ChannelOffChainTx && held.tx.round).toBe(2n);
    expect(c.initiator.localBalances[i.address]).toBe(10n ** 15n + 7n);
  });

  it('the GA client refuses a sign request carrying a layer in its own name in place of the peer\'s signature', async () => {
    const i = await gaAccount();
    const r = basicAccount();
    const c = await open(i, r);
    c.link.initiator.set(
      replaceTx('channels.sign.update_ack', 'signed_tx', async (tx) => {
        const u = unwrapSignedTx(tx);
        return wrapInGaMeta(buildUnwrappedTx({ ...u, signatures: [] }), { version: 2, gaId: i.address, authData: Uint8Array.of(0x2b, 0), abiVersion: 3n, fee: 1n, gas: 1n, gasPrice: 1n });
      }),
    );
    await expect(c.responder.transfer(i.address, 3n)).rejects.toSatisfy((e) => isAechannelError(e));
    expect(security(c.events.initiator).join('\n')).toMatch(/in this client's name/);
    expect(c.initiator.round).toBe(1n);
    c.link.initiator.set(null);
    await c.responder.transfer(i.address, 3n);
    await until(() => c.initiator.round === 2n);
  });

  it('the node refuses auth data the account\'s auth function rejects (signed with another key): the update fails, the channel goes on', async () => {
    const i = await gaAccount();
    const r = basicAccount();
    const other = basicAccount();
    let wrong = false;
    const good = gaSignerOf(i);
    const bad = gaSignerOf(i, other.secretKey);
    const switching: Signer = {
      address: i.address,
      generalized: true,
      signTransaction: (tx, options) => (wrong ? bad : good).signTransaction(tx, options),
      signBytes: (bytes) => good.signBytes(bytes),
    };
    const c = await open(i, r, { initiatorSigner: switching });
    wrong = true;
    // the node's answer (its channel FSM runs the auth function and refuses: a conflict with
    // the validation error code), not a timeout
    await expect(c.initiator.transfer(r.address, 2n)).rejects.toSatisfy(
      (e) => isAechannelError(e, 'CHANNEL_CONFLICT') && (e as { context: { conflictCode?: unknown } }).context.conflictCode === 1n,
    );
    expect(c.initiator.round).toBe(1n);
    wrong = false;
    await c.initiator.transfer(r.address, 2n);
    expect(c.initiator.round).toBe(2n);
    expect(c.responder.localBalances[r.address]).toBe(10n ** 15n + 2n);
  });
});
