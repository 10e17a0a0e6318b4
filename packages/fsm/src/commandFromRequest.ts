/**
 * The inverse of the requests the fsm sends: which `Command` makes a client send a given
 * JSON-RPC request (PROTOCOL.md §7.2–§7.6). Conformance checks and transcript replays use
 * it to turn recorded client messages back into the user actions behind them.
 */
import type { Encoded, JsonValue } from '@aechannel/codec';
import type { Command } from './types.js';

type JsonObject = { [key: string]: JsonValue };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The contract call fields of a call_contract / dry_run / force_progress request (§7.2, §7.3). */
function callOf(p: JsonObject): { contractId: Encoded<'ct'>; callData: Encoded<'cb'>; abiVersion: bigint; amount: bigint } {
  return { contractId: p['contract_id'] as Encoded<'ct'>, callData: p['call_data'] as Encoded<'cb'>, abiVersion: p['abi_version'] as bigint, amount: p['amount'] as bigint };
}

/**
 * The command a client request corresponds to, or `null` when no user command produces it
 * (sign replies, aborts and unknown methods). Values are taken as they are: the fsm checks
 * a command when it runs it.
 * @param message - a JSON-RPC request as a client sends it (integers as bigint)
 * @returns the command, or null
 * @example
 * commandFromRequest({ jsonrpc: '2.0', method: 'channels.withdraw', params: { amount: 2n } })
 * // { kind: 'withdraw', amount: 2n }
 */
export function commandFromRequest(message: JsonValue): Command | null {
  if (!isObject(message)) return null;
  const p = isObject(message['params']) ? message['params'] : {};
  const opt = (key: string, value: JsonValue | undefined): Record<string, JsonValue> => (value === undefined ? {} : { [key]: value });
  const onChain = { ...opt('fee', p['fee']), ...opt('gasPrice', p['gas_price']), ...opt('nonce', p['nonce']) } as { fee?: bigint; gasPrice?: bigint; nonce?: bigint };
  const extras = {
    ...(Array.isArray(p['meta']) ? { meta: p['meta'] as string[] } : {}),
    ...(typeof p['block_hash'] === 'string' ? { blockHash: p['block_hash'] as Encoded<'kh'> } : {}),
  };
  switch (message['method']) {
    case 'channels.system':
      if (p['action'] === 'ping') return { kind: 'ping' };
      if (p['action'] === 'stop') return { kind: 'stop' };
      return null;
    case 'channels.update.new':
      return { kind: 'transfer', from: p['from'] as Encoded<'ak'>, to: p['to'] as Encoded<'ak'>, amount: p['amount'] as bigint, ...extras };
    case 'channels.deposit':
      return { kind: 'deposit', amount: p['amount'] as bigint, ...onChain, ...extras };
    case 'channels.withdraw':
      return { kind: 'withdraw', amount: p['amount'] as bigint, ...onChain, ...extras };
    case 'channels.shutdown':
      return { kind: 'shutdown', ...onChain };
    case 'channels.close_solo':
      return { kind: 'closeSolo', ...onChain };
    case 'channels.slash':
      return { kind: 'slash', ...onChain };
    case 'channels.settle':
      return { kind: 'settle', ...onChain };
    case 'channels.snapshot_solo':
      return { kind: 'snapshotSolo', ...onChain };
    case 'channels.leave':
      return { kind: 'leave' };
    case 'channels.message':
      return {
        kind: 'sendMessage',
        to: p['to'] as Encoded<'ak'>,
        info: p['info'] as string,
        ...(typeof p['from'] === 'string' ? { from: p['from'] as Encoded<'ak'> } : {}),
      };
    case 'channels.get.balances':
      return { kind: 'getBalances', accounts: p['accounts'] as Encoded<'ak'>[] };
    case 'channels.get.poi':
      return {
        kind: 'getPoi',
        ...(Array.isArray(p['accounts']) ? { accounts: p['accounts'] as Encoded<'ak'>[] } : {}),
        ...(Array.isArray(p['contracts']) ? { contracts: p['contracts'] as Encoded<'ct'>[] } : {}),
      };
    case 'channels.get.offchain_state':
      return { kind: 'getOffchainState' };
    case 'channels.history.fetch':
      return {
        kind: 'getHistory',
        ...(typeof p['n'] === 'bigint' ? { n: p['n'] } : {}),
        ...(Array.isArray(p['type']) ? { types: p['type'] as ('rpt' | 'rcv' | 'snd' | 'req')[] } : {}),
      };
    case 'channels.assume_minimum_depth':
      return { kind: 'assumeMinimumDepth', txHash: p['tx_hash'] as Encoded<'th'> };
    case 'channels.update.new_contract':
      return {
        kind: 'newContract',
        code: p['code'] as Encoded<'cb'>,
        callData: p['call_data'] as Encoded<'cb'>,
        vmVersion: p['vm_version'] as bigint,
        abiVersion: p['abi_version'] as bigint,
        deposit: p['deposit'] as bigint,
        ...extras,
      };
    case 'channels.update.call_contract':
      return { kind: 'callContract', ...callOf(p), ...extras };
    case 'channels.dry_run.call_contract':
      return { kind: 'dryRunCall', ...callOf(p), ...(extras.blockHash === undefined ? {} : { blockHash: extras.blockHash }) };
    case 'channels.get.contract':
      return { kind: 'getContract', contractId: p['pubkey'] as Encoded<'ct'> };
    case 'channels.get.contract_call':
      return { kind: 'getContractCall', contractId: p['contract_id'] as Encoded<'ct'>, callerId: p['caller_id'] as Encoded<'ak'>, round: p['round'] as bigint };
    case 'channels.clean_contract_calls':
      return { kind: 'cleanContractCalls' };
    case 'channels.force_progress':
      return {
        kind: 'forceProgress',
        ...callOf(p),
        gasPrice: p['gas_price'] as bigint,
        ...(p['gas'] === undefined ? {} : { gas: p['gas'] as bigint }),
        ...(p['nonce'] === undefined ? {} : { nonce: p['nonce'] as bigint }),
      };
    default:
      return null;
  }
}
