import { describe, expect, it } from 'vitest';
import { contractFixtureNames, loadFixture, loadFixtures } from '@aechannel/transcript/fixtures';
import { commandFromRequest } from './commandFromRequest.js';

const ak = 'ak_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
const request = (method: string, params: Record<string, unknown>) => ({ jsonrpc: '2.0', method, params }) as never;

describe('commandFromRequest', () => {
  it('maps each user request to its command, with snake_case options in camelCase', () => {
    expect(commandFromRequest(request('channels.update.new', { from: ak, to: ak, amount: 5n, meta: ['m'], block_hash: 'kh_x' }))).toEqual({
      kind: 'transfer', from: ak, to: ak, amount: 5n, meta: ['m'], blockHash: 'kh_x',
    });
    expect(commandFromRequest(request('channels.deposit', { amount: 3n, fee: 1n, gas_price: 2n, nonce: 9n }))).toEqual({ kind: 'deposit', amount: 3n, fee: 1n, gasPrice: 2n, nonce: 9n });
    expect(commandFromRequest(request('channels.settle', {}))).toEqual({ kind: 'settle' });
    expect(commandFromRequest(request('channels.get.poi', { accounts: [ak] }))).toEqual({ kind: 'getPoi', accounts: [ak] });
    expect(commandFromRequest(request('channels.system', { action: 'stop' }))).toEqual({ kind: 'stop' });
    expect(commandFromRequest(request('channels.assume_minimum_depth', { tx_hash: 'th_x' }))).toEqual({ kind: 'assumeMinimumDepth', txHash: 'th_x' });
    expect(commandFromRequest(request('channels.history.fetch', { n: 3n, type: ['rpt'] }))).toEqual({ kind: 'getHistory', n: 3n, types: ['rpt'] });
    const ct = 'ct_2MJU325LQVfAu36vjGvdVpVgiCDbjRsMAjHZc7ahzuLZHTjWYS';
    expect(commandFromRequest(request('channels.update.new_contract', { code: 'cb_c', call_data: 'cb_d', vm_version: 8n, abi_version: 3n, deposit: 10n, meta: ['m'] }))).toEqual({
      kind: 'newContract', code: 'cb_c', callData: 'cb_d', vmVersion: 8n, abiVersion: 3n, deposit: 10n, meta: ['m'],
    });
    expect(commandFromRequest(request('channels.update.call_contract', { contract_id: ct, call_data: 'cb_d', abi_version: 3n, amount: 1n, block_hash: 'kh_x' }))).toEqual({
      kind: 'callContract', contractId: ct, callData: 'cb_d', abiVersion: 3n, amount: 1n, blockHash: 'kh_x',
    });
    expect(commandFromRequest(request('channels.dry_run.call_contract', { contract_id: ct, call_data: 'cb_d', abi_version: 3n, amount: 0n }))).toEqual({
      kind: 'dryRunCall', contractId: ct, callData: 'cb_d', abiVersion: 3n, amount: 0n,
    });
    expect(commandFromRequest(request('channels.get.contract', { pubkey: ct }))).toEqual({ kind: 'getContract', contractId: ct });
    expect(commandFromRequest(request('channels.get.contract_call', { contract_id: ct, caller_id: ak, round: 3n }))).toEqual({ kind: 'getContractCall', contractId: ct, callerId: ak, round: 3n });
    expect(commandFromRequest(request('channels.clean_contract_calls', {}))).toEqual({ kind: 'cleanContractCalls' });
    expect(commandFromRequest(request('channels.force_progress', { contract_id: ct, call_data: 'cb_d', abi_version: 3n, amount: 0n, gas_price: 2n, gas: 5n }))).toEqual({
      kind: 'forceProgress', contractId: ct, callData: 'cb_d', abiVersion: 3n, amount: 0n, gasPrice: 2n, gas: 5n,
    });
  });

  it('gives null for sign replies, aborts, unknown methods and non-requests', () => {
    expect(commandFromRequest(request('channels.update', { signed_tx: 'tx_x' }))).toBeNull();
    expect(commandFromRequest(request('channels.withdraw_ack', { error: 42n }))).toBeNull();
    expect(commandFromRequest(request('channels.system', { action: 'dance' }))).toBeNull();
    expect(commandFromRequest(request('channels.nope', {}))).toBeNull();
    expect(commandFromRequest([] as never)).toBeNull();
    expect(commandFromRequest(null)).toBeNull();
  });

  it('maps every recorded client message that is not a sign reply', () => {
    const sends = [...loadFixtures(), ...contractFixtureNames.map(loadFixture)].flatMap((f) => f.sections.filter((s) => s.kind === 'send'));
    const replies = /^channels\.(initiator_sign|responder_sign|update|update_ack|deposit_tx|deposit_ack|withdraw_tx|withdraw_ack|shutdown_sign|shutdown_sign_ack)$/;
    const unmapped = sends
      .map((s) => (s.kind === 'send' ? (s.message as { method: string }) : null))
      .filter((m) => m !== null && !replies.test(m.method) && commandFromRequest(m as never) === null);
    expect(unmapped).toEqual([]);
    expect(sends.length).toBeGreaterThan(20);
  });
});
