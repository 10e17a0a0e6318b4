/**
 * Verify before sign (PROTOCOL.md §3.3 step 2, §7.4; STYLE.md "Verify before sign").
 *
 * Every `channels.sign.<tag>` request is checked against what this client knows before a
 * `sign` effect is produced: the pending command (own operations) or the update the peer
 * announced (acknowledgements), the channel id, the parties, the round (last co-signed
 * round + 1), the state hash recomputed from the last co-signed balances and the updates
 * (codec `computeStateHash`), the amounts paid out (close mutual: balances minus the §5.5
 * fee split; settle: the latest balances), the PoI of solo closes, and the fee limits.
 *
 * The node re-checks what the *peer* sends, but a client must not trust its own node
 * blindly: this module is what makes the fsm "never sign what it did not check".
 *
 * Signatures already on the tx are counted (none for the first signer, exactly one for the
 * second, §3.3) but not verified: the fsm has no ed25519; the node verifies the peer's
 * signature, and a bad one only makes the tx invalid.
 *
 * The ttl of a tx the peer built is its own open-time setting: it must be 0 or within
 * `maxTtl`; the fee of the peer's close mutual is bounded by `maxFee` or its default; the
 * nonce of an own tx is the command's, else within what the channel knows of the account
 * (all three in `safeDefaults.ts`).
 *
 * Contract rounds (CONTRACTS.md §2.2–§2.8) are recomputed with the FATE VM
 * (`contractRound.ts`): the update must be exactly the one requested (own: owner/caller,
 * code, VM/ABI version, deposit, call data, amount, gas, gas price, contract id, call stack)
 * or announced (peer: its owner/caller is the peer, with the gas and gas price every
 * WebSocket call carries), and the state hash must be the one the VM computes from our own
 * latest trees. Once the channel holds contracts every round, payments included, is
 * computed over the full trees (calls tree emptied, §2.5). A run that reads the chain
 * environment is verified only against an environment the driver supplied (`ChainEnv`);
 * otherwise it fails with `needsEnv`. A force progress is checked as §3.5 says, its
 * post-call state hash recomputed the same way.
 *
 * Generalized participants (`generalized.ts`, PROTOCOL.md §2.9): the channel tx inside any
 * GA meta layers is checked as above; around it, a generalized participant counts by its
 * layer and a basic one by its signature, and a layer in this client's name it did not make
 * is refused. A generalized account's own txs carry nonce 0, and a generalized initiator's
 * channel id comes from the auth id of its layer.
 *
 * Not checked (and why): the fee of a peer's deposit or withdrawal (the peer pays it); txs
 * the account sent outside this channel (the chain is not known here); whether the peer's
 * auth function accepts its layer (the peer's contract is on chain: the node runs it).
 */
import {
  computeStateHash,
  decode,
  unwrapSignedTx,
  type UnwrappedTx,
  encode,
  feeGas,
  fixFee,
  isAechannelError,
  MIN_MINER_GAS_PRICE,
  minFee,
  splitCloseMutualFee,
  stateTreesHash,
  Tag,
  unpackTx,
  verifyPoi,
  type ChannelOffChainUpdateCallContract,
  type Encoded,
  type JsonValue,
  type Tx,
  type TxWithFee,
} from '@aechannel/codec';
import { FateError, type CallObjectJson } from '@aechannel/fate';
import type { ChainEnv } from './chainEnv.js';
import {
  canonicalCb,
  canonicalJson,
  latestTrees,
  OFF_CHAIN_CALL_GAS,
  OFF_CHAIN_CALL_GAS_PRICE,
  ownContractUpdate,
  packAndRemember,
  participantBalances,
  runRound,
  toCodecUpdate,
  type ContractUpdate,
} from './contractRound.js';
import { equalBytes } from './equalBytes.js';
import { authenticationCount, channelBytesOf, createChannelId, isGeneralized, layersProblem, selfOf } from './generalized.js';
import { DEFAULT_MAX_FEE_MULTIPLIER, defaultMaxFee, expectedNonceRange, maxPeerTtl } from './safeDefaults.js';
import { initialBalances } from './state.js';
import type { ChannelState, Command, SignTag } from './types.js';

/** A successful verification: what the tx would make true if co-signed. */
export interface VerifySignRequestSuccess {
  ok: true;
  /** The inner transaction, decoded. */
  decoded: Tx;
  /** Round of the new state (state-creating txs), else null. */
  round: bigint | null;
  /** Balances after the tx (state-creating txs), else null. */
  balances: Record<Encoded<'ak'>, bigint> | null;
  /** The channel id the tx belongs to (derived for the create tx). */
  channelId: Encoded<'ch'> | null;
  /** Human-readable summary for the user policy / wallet. */
  reason: string;
  /** The full trees after the tx (`ss_`) when the channel holds contracts, else null. */
  trees: Encoded<'ss'> | null;
  /** Call objects the round produces (contract rounds), as the VM computed them. */
  calls: CallObjectJson[];
  /** The round's contract update (contract rounds), else null. */
  contractUpdate: ContractUpdate | null;
}

/** A refusal: the tx does not match. */
export interface VerifySignRequestFailure {
  ok: false;
  /** What did not match. */
  reason: string;
  /** Expected/got facts. */
  details: JsonValue;
  /**
   * Set when the only problem is a contract run that reads the chain environment (these
   * values) and no supplied environment answers them: supply one and verify again.
   */
  needsEnv?: readonly string[];
}

/** What {@link verifySignRequest} may use beyond the state. */
export interface VerifySignRequestContext {
  /** Candidate chain environments for a contract round (CONTRACTS.md §2.8), newest first. */
  envs?: readonly ChainEnv[];
}

/** What {@link verifySignRequest} returns. */
export type VerifySignRequestReturnType = VerifySignRequestSuccess | VerifySignRequestFailure;

class Mismatch {
  constructor(
    readonly reason: string,
    readonly details: JsonValue = null,
  ) {}
}

/** A contract run read environment values nothing answered. */
class NeedsEnv {
  constructor(readonly reads: readonly string[]) {}
}

function expect(condition: boolean, reason: string, details: JsonValue = null): asserts condition {
  if (!condition) throw new Mismatch(reason, details);
}

function expectEqual<T extends string | bigint | number | boolean>(got: T, expected: T, field: string): void {
  expect(got === expected, `${field} is ${String(got)}, expected ${String(expected)}`, { field, expected, got });
}

/** The two participants and which one we are. */
export function partiesOf(state: ChannelState): {
  initiator: Encoded<'ak'> | 'any';
  responder: Encoded<'ak'>;
  self: Encoded<'ak'> | 'any';
  peer: Encoded<'ak'> | 'any';
} {
  const { initiatorId, responderId, role } = state.options;
  return role === 'initiator'
    ? { initiator: initiatorId, responder: responderId, self: initiatorId, peer: responderId }
    : { initiator: initiatorId, responder: responderId, self: responderId, peer: initiatorId };
}

/** An off-chain update as the node writes it in `updates` (§2.7), parsed. */
export type ParsedUpdate =
  | { op: 'transfer'; from: string; to: string; amount: bigint }
  | { op: 'deposit'; from: string; amount: bigint }
  | { op: 'withdraw'; to: string; amount: bigint }
  | { op: 'meta'; data: string }
  | ContractUpdate
  | { op: 'invalid'; value: JsonValue };

const str = (v: JsonValue | undefined): string | null => (typeof v === 'string' ? v : null);
const big = (v: JsonValue | undefined): bigint | null => (typeof v === 'bigint' ? v : null);

/**
 * Parses one JSON update of a sign request (§2.7); unknown shapes become `invalid`.
 * @param value - an entry of `updates`
 * @returns the parsed update
 * @example parseUpdate({ op: 'OffChainTransfer', from, to, amount: 1n }) // { op: 'transfer', from, to, amount: 1n }
 */
export function parseUpdate(value: JsonValue): ParsedUpdate {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { op: 'invalid', value };
  const amount = value['amount'];
  switch (value['op']) {
    case 'OffChainTransfer': {
      const from = str(value['from']);
      const to = str(value['to']);
      if (from === null || to === null || typeof amount !== 'bigint') return { op: 'invalid', value };
      return { op: 'transfer', from, to, amount };
    }
    case 'OffChainDeposit': {
      const from = str(value['from']);
      if (from === null || typeof amount !== 'bigint') return { op: 'invalid', value };
      return { op: 'deposit', from, amount };
    }
    case 'OffChainWithdrawal': {
      const to = str(value['to']);
      if (to === null || typeof amount !== 'bigint') return { op: 'invalid', value };
      return { op: 'withdraw', to, amount };
    }
    case 'OffChainMeta': {
      const data = str(value['data']);
      return data === null ? { op: 'invalid', value } : { op: 'meta', data };
    }
    case 'OffChainNewContract': {
      const owner = str(value['owner']);
      const vmVersion = big(value['vm_version']);
      const abiVersion = big(value['abi_version']);
      const code = canonicalCb(value['code']);
      const deposit = big(value['deposit']);
      const callData = canonicalCb(value['call_data']);
      if (owner === null || vmVersion === null || abiVersion === null || code === null || deposit === null || callData === null) return { op: 'invalid', value };
      return { op: 'newContract', owner, vmVersion, abiVersion, code, deposit, callData };
    }
    case 'OffChainCallContract': {
      const caller = str(value['caller_id'] ?? value['caller']);
      const contract = str(value['contract_id'] ?? value['contract']);
      const abiVersion = big(value['abi_version']);
      const gas = big(value['gas']);
      const gasPrice = big(value['gas_price']);
      const callData = canonicalCb(value['call_data']);
      const stack = value['call_stack'] ?? [];
      if (caller === null || contract === null || abiVersion === null || typeof amount !== 'bigint' || gas === null || gasPrice === null || callData === null) return { op: 'invalid', value };
      if (!Array.isArray(stack) || !stack.every((x) => typeof x === 'bigint')) return { op: 'invalid', value };
      return { op: 'callContract', caller, contract, abiVersion, amount, gas, gasPrice, callData, callStack: stack as bigint[] };
    }
    default:
      return { op: 'invalid', value };
  }
}

/** Applies payment updates to balances; throws a mismatch on anything invalid. */
function applyUpdates(
  balances: Record<Encoded<'ak'>, bigint>,
  updates: readonly ParsedUpdate[],
  reserve: bigint,
): Record<Encoded<'ak'>, bigint> {
  const next: Record<string, bigint> = { ...balances };
  const has = (id: string): boolean => Object.prototype.hasOwnProperty.call(next, id);
  for (const update of updates) {
    switch (update.op) {
      case 'transfer':
        expect(has(update.from) && has(update.to), 'transfer between accounts that are not the two participants', {
          from: update.from,
          to: update.to,
        });
        expect(update.from !== update.to, 'transfer to the same account', { from: update.from });
        expect(update.amount >= 0n, 'negative transfer amount', { amount: update.amount });
        expect(next[update.from]! - update.amount >= reserve, 'transfer leaves the payer below the channel reserve', {
          balance: next[update.from]!,
          amount: update.amount,
          reserve,
        });
        next[update.from] = next[update.from]! - update.amount;
        next[update.to] = next[update.to]! + update.amount;
        break;
      case 'deposit':
        expect(has(update.from), 'deposit from an account that is not a participant', { from: update.from });
        expect(update.amount > 0n, 'deposit amount must be positive', { amount: update.amount });
        next[update.from] = next[update.from]! + update.amount;
        break;
      case 'withdraw':
        expect(has(update.to), 'withdrawal to an account that is not a participant', { to: update.to });
        expect(update.amount > 0n, 'withdrawal amount must be positive', { amount: update.amount });
        expect(next[update.to]! - update.amount >= reserve, 'withdrawal leaves the account below the channel reserve', {
          balance: next[update.to]!,
          amount: update.amount,
          reserve,
        });
        next[update.to] = next[update.to]! - update.amount;
        break;
      case 'meta':
      case 'newContract':
      case 'callContract':
        // Contract updates move coins only through the VM (contractRound.ts).
        break;
      case 'invalid':
        throw new Mismatch('malformed update', { update: update.value });
    }
  }
  return next as Record<Encoded<'ak'>, bigint>;
}

/** Checks `updates` = one real update equal to `expected`, then the command's meta strings. */
function expectUpdates(updates: readonly ParsedUpdate[], expected: ParsedUpdate, meta: readonly string[] | undefined): void {
  const want: ParsedUpdate[] = [expected, ...(meta ?? []).map((data): ParsedUpdate => ({ op: 'meta', data }))];
  expect(
    updates.length === want.length && updates.every((u, i) => sameUpdate(u, want[i]!)),
    'updates differ from the requested operation',
    { expected: want.map(describeUpdate), got: updates.map(describeUpdate) },
  );
}

/**
 * Whether two updates are the same operation, as their canonical JSON texts compare. A
 * payment update (flat: every field a string or bigint) with the same keys and identical
 * values is the same without writing either text; anything else is compared as text.
 */
function sameUpdate(a: ParsedUpdate, b: ParsedUpdate): boolean {
  const keys = Object.keys(a);
  if (keys.length === Object.keys(b).length) {
    let identical = true;
    for (const key of keys) {
      const value = (a as Record<string, unknown>)[key];
      if ((typeof value === 'object' && value !== null) || value === undefined || value !== (b as Record<string, unknown>)[key]) {
        identical = false;
        break;
      }
    }
    if (identical) return true;
  }
  return canonicalJson(a) === canonicalJson(b);
}

function describeUpdate(u: ParsedUpdate): string {
  switch (u.op) {
    case 'transfer':
      return `transfer ${u.amount} ${u.from} -> ${u.to}`;
    case 'deposit':
      return `deposit ${u.amount} from ${u.from}`;
    case 'withdraw':
      return `withdraw ${u.amount} to ${u.to}`;
    case 'meta':
      return `meta ${u.data}`;
    case 'newContract':
      return `create contract by ${u.owner}: vm ${u.vmVersion}, abi ${u.abiVersion}, deposit ${u.deposit}, code ${u.code.length} chars, init call data ${u.callData}`;
    case 'callContract':
      return `call ${u.contract} by ${u.caller}: abi ${u.abiVersion}, amount ${u.amount}, gas ${u.gas}, gas price ${u.gasPrice}, call data ${u.callData}${u.callStack.length > 0 ? `, call stack [${u.callStack.join(', ')}]` : ''}`;
    case 'invalid':
      return 'invalid';
  }
}

/**
 * Fee of a tx this client pays for (or that is paid from the channel). Without `maxFee`:
 * exactly what the node's rule gives for the request's `fee`/`gas_price` (§5.3: fix-point at
 * 1e9 without either, at `gas_price` with it, the given fee verbatim, or the larger of the
 * two when both are given); without this a node could pick any fee and burn the user's
 * coins. With `maxFee` the user has said what a fee may cost, so any fee from the node's
 * minimum (the tx's own size at the request's gas price, else the miner minimum 1e9, §5.2)
 * up to `maxFee` is accepted: a fee the node did not take from the request as this client
 * computes it, such as an older node's fixed fee. `draft` is the tx the node computes the
 * fee on (close mutual: the full balances, §5.5).
 */
function expectFee(
  tx: TxWithFee,
  params: { fee?: bigint | undefined; gasPrice?: bigint | undefined },
  maxFee: bigint | undefined,
  draft: TxWithFee = tx,
): void {
  const expected = fixFee(draft, { fee: params.fee, gasPrice: params.gasPrice }).fee;
  if (maxFee === undefined || tx.fee === expected) expectEqual(tx.fee, expected, 'fee');
  else {
    const minimum = minFee({ ...draft, fee: tx.fee }, params.gasPrice ?? MIN_MINER_GAS_PRICE);
    expect(tx.fee >= minimum, `fee ${tx.fee} is below the node's minimum ${minimum} (the rule gives ${expected})`, { field: 'fee', min: minimum, got: tx.fee });
  }
  expectMaxFee(tx.fee, maxFee);
}

function expectMaxFee(fee: bigint, maxFee: bigint | undefined): void {
  if (maxFee !== undefined) expect(fee <= maxFee, `fee ${fee} exceeds maxFee ${maxFee}`, { maxFee, got: fee });
}

function expectNonce(nonce: bigint, expected: bigint | undefined): void {
  if (expected !== undefined) expectEqual(nonce, expected, 'nonce');
}

/**
 * Nonce of an own on-chain tx: the operation's `nonce` exactly, else within
 * `expectedNonceRange` (what the channel knows of the account, see safeDefaults).
 */
function expectOwnNonce(state: ChannelState, nonce: bigint, requested: bigint | undefined): void {
  const self = selfOf(state);
  if (self !== null && isGeneralized(state, self)) {
    // §5.6: a generalized account's channel txs carry nonce 0 (its GA meta layer authenticates them).
    expectEqual(nonce, 0n, 'nonce (a generalized account)');
    return;
  }
  if (requested !== undefined) {
    expectEqual(nonce, requested, 'nonce');
    return;
  }
  const range = expectedNonceRange(state.ownNonces, state.options.maxNonceGap ?? 0n);
  if (range === null) return;
  const { signed, onChain } = state.ownNonces;
  expect(
    nonce >= range.min && nonce <= range.max,
    `nonce is ${nonce}, expected ${range.min === range.max ? range.min : `${range.min}..${range.max}`} (highest nonce of this account signed ${signed ?? 'none'}, on chain ${onChain ?? 'unknown'}; pass nonce or set maxNonceGap if the account sends txs outside this channel)`,
    { field: 'nonce', min: range.min, max: range.max, got: nonce },
  );
}

/**
 * TTL of an own on-chain tx: the open-time `ttl` (absolute height), else 0 (§5.6). A node
 * that drops the user's bound gets a signed tx it can post at any later height.
 */
function expectTtl(ttl: bigint, options: ChannelState['options']): void {
  expectEqual(ttl, options.ttl ?? 0n, 'ttl');
}

/** TTL of an on-chain tx the peer built: 0 or at most `maxPeerTtl` (see safeDefaults). */
function expectPeerTtl(ttl: bigint, options: ChannelState['options']): void {
  const limit = maxPeerTtl(options);
  expect(ttl === 0n || ttl <= limit, `ttl ${ttl} exceeds maxTtl ${limit} (the peer's tx would stay valid beyond this channel's own ttl; set maxTtl to allow more)`, {
    field: 'ttl',
    maxTtl: limit,
    got: ttl,
  });
}

/** Fee, nonce and ttl of an on-chain tx this client requested (see expectFee, expectTtl). */
function expectOwnOnChainTx(
  tx: TxWithFee & { nonce: bigint; ttl: bigint },
  cmd: { fee?: bigint | undefined; gasPrice?: bigint | undefined; nonce?: bigint | undefined },
  state: ChannelState,
  draft?: TxWithFee,
): void {
  expectFee(tx, cmd, state.options.maxFee, draft);
  expectOwnNonce(state, tx.nonce, cmd.nonce);
  expectTtl(tx.ttl, state.options);
}

/** The pending command an own `update` sign request answers: a transfer or a contract create/call. */
function ownUpdateCommand(state: ChannelState): Extract<Command, { kind: 'transfer' | 'newContract' | 'callContract' }> {
  const own = state.own;
  const kinds = ['transfer', 'newContract', 'callContract'];
  expect(own !== null && kinds.includes(own.command.kind), 'no pending transfer or contract command for this sign request', {
    pending: own === null ? null : own.command.kind,
  });
  expect(own.stage === 'requested', `the ${own.command.kind} command already had its sign request`, { stage: own.stage });
  return own.command as Extract<Command, { kind: 'transfer' | 'newContract' | 'callContract' }>;
}

function ownCommand<K extends Command['kind']>(state: ChannelState, kind: K): Extract<Command, { kind: K }> {
  const own = state.own;
  expect(own !== null && own.command.kind === kind, `no pending ${kind} command for this sign request`, {
    pending: own === null ? null : own.command.kind,
  });
  expect(own.stage === 'requested', `the ${kind} command already had its sign request`, { stage: own.stage });
  return own.command as Extract<Command, { kind: K }>;
}

function latestStateHash(state: ChannelState): { stateHash: Encoded<'st'>; innerBytes: Uint8Array; tag: number } {
  expect(state.latestState !== null, 'no co-signed state yet');
  const { tx, innerBytes } = unwrapSignedTx(state.latestState);
  expect('stateHash' in tx, 'latest state has no state hash');
  return { stateHash: (tx as { stateHash: Encoded<'st'> }).stateHash, innerBytes, tag: tx.tag };
}

/** The payload of a solo tx must be the latest co-signed state, or empty if it is on chain (§2.8). */
function expectPayload(state: ChannelState, payload: Uint8Array, emptyAllowed: boolean): void {
  expect(state.latestState !== null, 'no co-signed state yet');
  if (payload.length === 0) {
    expect(emptyAllowed && state.onChainRound >= state.round, 'empty payload but the latest state is not on chain', {
      round: state.round,
      onChainRound: state.onChainRound,
    });
    return;
  }
  expect(equalBytes(payload, decode(state.latestState, 'tx')), 'payload is not the latest co-signed state', { round: state.round });
}

function expectPoi(state: ChannelState, poi: Uint8Array): void {
  const { stateHash } = latestStateHash(state);
  const proven = verifyPoi(poi);
  expectEqual(proven.stateHash, stateHash, 'poi state hash');
  for (const [id, balance] of Object.entries(state.balances)) {
    const account = proven.accounts[id as Encoded<'ak'>];
    expect(account !== undefined, `poi does not prove ${id}`, { account: id });
    expectEqual(account.balance, balance, `poi balance of ${id}`);
  }
}

/** The block gas limit a force progress must fit in (CONTRACTS.md §1.3). */
const BLOCK_GAS_LIMIT = 6_000_000n;

const CREATE_TAGS: readonly SignTag[] = ['initiator_sign', 'responder_sign'];

/** What a verified body yields (the wrapper adds `ok` and `decoded`; contract fields default to none). */
type Body = Omit<VerifySignRequestSuccess, 'ok' | 'decoded' | 'trees' | 'calls' | 'contractUpdate'> &
  Partial<Pick<VerifySignRequestSuccess, 'trees' | 'calls' | 'contractUpdate'>>;

const isContractUpdate = (u: ParsedUpdate): u is ContractUpdate => u.op === 'newContract' || u.op === 'callContract';

/** A round computed for verification. */
interface ComputedRound {
  balances: Record<Encoded<'ak'>, bigint>;
  trees: Encoded<'ss'> | null;
  calls: CallObjectJson[];
  contractUpdate: ContractUpdate | null;
}

/**
 * Computes the state a round leads to and checks the tx's state hash against it: the two
 * balances of a payment-only channel (PROTOCOL.md §2.11), or, once the channel holds
 * contracts or the round creates/calls one, the full trees with the VM (CONTRACTS.md
 * §2.2–§2.5). Payment updates are checked against the participants' balances either way
 * (the node's own rules: participants only, the reserve).
 */
function computeRound(
  state: ChannelState,
  updates: readonly ParsedUpdate[],
  round: bigint,
  stateHash: Encoded<'st'>,
  context: VerifySignRequestContext,
): ComputedRound {
  const reserve = state.options.channelReserve;
  const contractUpdate = updates.find(isContractUpdate) ?? null;
  const balances = applyUpdates(state.balances, updates, reserve);
  if (state.trees === null && contractUpdate === null) {
    expectEqual(stateHash, computeStateHash(balances), 'state hash');
    return { balances, trees: null, calls: [], contractUpdate: null };
  }
  let outcome;
  try {
    outcome = runRound({
      trees: latestTrees(state),
      updates: updates.flatMap((u) => (u.op === 'meta' || u.op === 'invalid' ? [] : [toCodecUpdate(u)])),
      round,
      reserve,
      rules: state.options.fateRules ?? 'ceres',
      networkId: state.options.networkId,
      envs: context.envs ?? [],
      expectedHash: stateHash,
    });
  } catch (error) {
    // What the node itself would refuse (insufficient balance, init failed, unknown contract,
    // an operation the VM does not support): nothing to sign.
    if (error instanceof FateError) throw new Mismatch(`the round cannot be applied: ${error.shortMessage}`, { error: error.code });
    throw error;
  }
  if (outcome.kind === 'needsEnv') throw new NeedsEnv(outcome.reads);
  const withEnv = outcome.envReads.length > 0 ? ` (the run read the chain environment: ${outcome.envReads.join(', ')})` : '';
  expect(stateHash === outcome.stateHash, `state hash is ${stateHash}, expected ${outcome.stateHash}${withEnv}`, { field: 'state hash', expected: outcome.stateHash, got: stateHash });
  const { initiator, responder } = partiesOf(state);
  return {
    balances: participantBalances(outcome.trees, [initiator as Encoded<'ak'>, responder]),
    trees: packAndRemember(outcome.trees),
    calls: outcome.calls,
    contractUpdate,
  };
}

/** The call of a force progress tx as a parsed update (its call stack checked empty by the callers). */
function forcedCall(update: ChannelOffChainUpdateCallContract): ParsedUpdate {
  return {
    op: 'callContract',
    caller: update.caller,
    contract: update.contract,
    abiVersion: update.abiVersion,
    amount: update.amount,
    gas: update.gas,
    gasPrice: update.gasPrice,
    callData: encode(update.callData, 'cb'),
    callStack: [],
  };
}

/** A summary of a round's contract call for the signer/policy. */
function describeCalls(calls: readonly CallObjectJson[]): string {
  return calls.map((c) => `${c.return_type} (gas used ${c.gas_used}, return value ${c.return_value})`).join(', ');
}

/**
 * Tags whose tx the node sends already signed by the peer (§3.3: the first signer gets 0
 * signatures, the second the tx carrying the first). The fsm cannot verify that signature,
 * but a count other than expected means the node is not asking what the tag says: our
 * signature on a tx already signed by the peer would complete a state we believe
 * half-signed; an acknowledgement without the peer's signature would hand the node our
 * signature on a proposal the peer never made.
 */
const SECOND_SIGNER_TAGS: readonly SignTag[] = ['responder_sign', 'deposit_ack', 'withdraw_ack', 'update_ack', 'shutdown_sign_ack'];

function verifyCreate(state: ChannelState, tag: SignTag, inner: Tx, updates: readonly ParsedUpdate[], unwrapped: UnwrappedTx): Body {
  const o = state.options;
  expectEqual(tag, o.role === 'initiator' ? 'initiator_sign' : 'responder_sign', 'sign request for role');
  expect(state.round === 0n && state.latestState === null, 'a create tx for a channel that already exists', { round: state.round });
  expect(inner.tag === Tag.ChannelCreateTx, `expected a channel create tx, got tag ${inner.tag}`, { tag: inner.tag });
  if (o.initiatorId !== 'any') expectEqual(inner.initiatorId, o.initiatorId, 'initiator');
  expectEqual(inner.responderId, o.responderId, 'responder');
  expectEqual(inner.initiatorAmount, o.initiatorAmount, 'initiator amount');
  expectEqual(inner.responderAmount, o.responderAmount, 'responder amount');
  expectEqual(inner.channelReserve, o.channelReserve, 'channel reserve');
  expectEqual(inner.lockPeriod, o.lockPeriod, 'lock period');
  const delegates = inner.version === 1 ? inner.delegateIds : [...inner.initiatorDelegateIds, ...inner.responderDelegateIds];
  expect(delegates.length === 0, 'the create tx names delegates', { delegates: delegates.length });
  const balances = initialBalances(o, inner.initiatorId);
  expectEqual(inner.stateHash, computeStateHash(balances), 'initial state hash');
  expect(updates.length === 0, 'a create tx with updates', { updates: updates.length });
  if (o.role === 'initiator') {
    // The initiator pays the create fee and uses its own nonce (§6.2 fee/gas_price/nonce).
    expectFee(inner, { fee: o.fee, gasPrice: o.gasPrice }, o.maxFee);
    expectNonce(inner.nonce, o.nonce);
  }
  // §5.6: a generalized initiator's create carries nonce 0.
  if (isGeneralized(state, inner.initiatorId)) expectEqual(inner.nonce, 0n, 'nonce (a generalized initiator)');
  // §5.6: the node leaves the create tx at ttl 0 (older nodes may have used the open-time ttl).
  expect(inner.ttl === 0n || inner.ttl === o.ttl, `ttl is ${inner.ttl}, expected 0`, { field: 'ttl', expected: 0n, got: inner.ttl });
  // §4: from the nonce, or a generalized initiator's auth id (known once it has wrapped the tx).
  const channelId = createChannelId(state, unwrapped, inner);
  if (state.channelId !== null && channelId !== null) expectEqual(channelId, state.channelId, 'channel id');
  return {
    round: 1n,
    balances,
    channelId,
    reason: `create channel: initiator ${balances[inner.initiatorId]}, responder ${balances[inner.responderId]}, reserve ${inner.channelReserve}, lock period ${inner.lockPeriod}, fee ${inner.fee}`,
  };
}

function verifyBody(
  state: ChannelState,
  tag: SignTag,
  inner: Tx,
  updates: readonly ParsedUpdate[],
  signedInner: Uint8Array,
  unwrapped: UnwrappedTx,
  context: VerifySignRequestContext,
): Body {
  // The authentications already there: the peer's (a signature, or its GA layer when it is
  // generalized) for the second signer, none for the first (§2.9, §3.3).
  expectEqual(authenticationCount(unwrapped), SECOND_SIGNER_TAGS.includes(tag) ? 1 : 0, `signatures already on the ${tag} tx`);
  const o0 = state.options;
  const participants = [o0.initiatorId === 'any' && inner.tag === Tag.ChannelCreateTx ? inner.initiatorId : o0.initiatorId, o0.responderId];
  const layers = layersProblem(state, unwrapped, participants, false);
  if (layers !== null) throw new Mismatch(layers, { layers: unwrapped.layers.map((l) => l.gaId) });
  if (unwrapped.signatures.length > 0 || unwrapped.layers.length > 0) {
    const self = selfOf(state) ?? (o0.role === 'responder' ? o0.responderId : null);
    const peer = participants.find((p) => p !== self);
    if (peer !== undefined && peer !== 'any') {
      const peerGa = isGeneralized(state, peer);
      expect(peerGa ? unwrapped.layers.length === 1 && unwrapped.signatures.length === 0 : unwrapped.layers.length === 0,
        peerGa ? `the peer ${peer} is a generalized account: it authenticates with a GA meta layer, not a signature` : `the peer ${peer} is a basic account: it signs, it does not wrap (§3.2)`,
        { peer });
    }
  }
  if (CREATE_TAGS.includes(tag)) return verifyCreate(state, tag, inner, updates, unwrapped);
  const { self, peer, initiator, responder } = partiesOf(state);
  const o = state.options;
  expect(state.channelId !== null && state.round >= 1n, 'the channel is not open yet');
  expect(self !== 'any' && peer !== 'any' && initiator !== 'any', 'participants unknown');
  expect('channelId' in inner, `tag ${inner.tag} is not a channel tx`, { tag: inner.tag });
  expectEqual((inner as { channelId: string }).channelId, state.channelId, 'channel id');
  const nextRound = state.round + 1n;
  const reserve = o.channelReserve;
  // An acknowledgement must match the kind of proposal the node announced (info update /
  // deposit_created / withdraw_created / shutdown), when it announced one.
  const ackKind = ({ update_ack: 'transfer', deposit_ack: 'deposit', withdraw_ack: 'withdraw', shutdown_sign_ack: 'shutdown' } as Partial<Record<SignTag, string>>)[tag];
  if (ackKind !== undefined && state.ack !== null && state.ack.stage === 'announced') {
    expectEqual(ackKind, state.ack.kind, 'kind of the announced proposal');
  }
  // Another tx for the same round already went to the signer (and was not voided by a
  // conflict/abort): signing a second, different one would give the peer two co-signable
  // states of one round.
  const guardRound = (): void => {
    const ahead = state.signedAhead;
    if (ahead !== null && ahead.round === nextRound) {
      expect(equalBytes(channelBytesOf(ahead.tx) ?? new Uint8Array(), signedInner), `another tx for round ${nextRound} was already signed`, {
        round: nextRound,
      });
    }
  };

  switch (tag) {
    case 'update':
    case 'update_ack': {
      expect(inner.tag === Tag.ChannelOffChainTx, `expected an off-chain tx, got tag ${inner.tag}`, { tag: inner.tag });
      expect(inner.version === 2, 'off-chain tx v1 (pre-Fortuna) is not supported', { version: inner.version });
      expectEqual(inner.round, nextRound, 'round');
      guardRound();
      if (tag === 'update') {
        const cmd = ownUpdateCommand(state);
        const expected: ParsedUpdate = cmd.kind === 'transfer' ? { op: 'transfer', from: cmd.from, to: cmd.to, amount: cmd.amount } : ownContractUpdate(cmd, self);
        expectUpdates(updates, expected, cmd.meta);
      } else {
        // The node builds one update per request plus its meta updates (§2.7, §8.2): more real
        // updates are not something the peer asked for with channels.update.new(_contract) or
        // channels.update.call_contract.
        const real = updates.filter((u) => u.op !== 'meta');
        expect(real.length === 1, `a peer update must carry exactly one update (plus meta), got ${real.length} updates`, { updates: updates.map(describeUpdate) });
        const u = real[0]!;
        expect(u.op !== 'deposit' && u.op !== 'withdraw', 'deposit/withdraw updates in an off-chain tx', { updates: updates.map(describeUpdate) });
        // The owner/caller of a contract update is always the requesting participant
        // (CONTRACTS.md §2.1), and every WebSocket call carries gas 1 000 000, gas price 1
        // and no call stack: anything else is not what the peer can have asked for.
        if (u.op === 'newContract') expectEqual(u.owner, peer, 'owner of the peer\'s contract');
        if (u.op === 'callContract') {
          expectEqual(u.caller, peer, 'caller of the peer\'s call');
          expectEqual(u.gas, OFF_CHAIN_CALL_GAS, 'gas');
          expectEqual(u.gasPrice, OFF_CHAIN_CALL_GAS_PRICE, 'gas price');
          expect(u.callStack.length === 0, 'a call with a call stack', { callStack: [...u.callStack] });
        }
      }
      const computed = computeRound(state, updates, nextRound, inner.stateHash, context);
      const who = tag === 'update' ? 'your' : 'peer';
      const what =
        computed.contractUpdate === null
          ? `off-chain update round ${nextRound}: ${updates.filter((u) => u.op === 'transfer').map(describeUpdate).join(', ')}`
          : `contract round ${nextRound}: ${describeUpdate(computed.contractUpdate)} -> ${describeCalls(computed.calls)}`;
      return { round: nextRound, channelId: state.channelId, reason: `${who} ${what}`, ...computed };
    }
    case 'deposit_tx':
    case 'deposit_ack':
    case 'withdraw_tx':
    case 'withdraw_ack': {
      // Deposit (from_id) and withdrawal (to_id) have the same shape (§2.6, §9.4).
      const deposit = tag === 'deposit_tx' || tag === 'deposit_ack';
      const wantTag = deposit ? Tag.ChannelDepositTx : Tag.ChannelWithdrawTx;
      expect(inner.tag === wantTag, `expected a ${deposit ? 'deposit' : 'withdraw'} tx, got tag ${inner.tag}`, { tag: inner.tag });
      expect(inner.tag === Tag.ChannelDepositTx || inner.tag === Tag.ChannelWithdrawTx, 'unreachable');
      expectEqual(inner.round, nextRound, 'round');
      guardRound();
      const own = tag === 'deposit_tx' || tag === 'withdraw_tx';
      const account = own ? self : peer;
      const update = (amount: bigint): ParsedUpdate => (deposit ? { op: 'deposit', from: account, amount } : { op: 'withdraw', to: account, amount });
      expectEqual(inner.tag === Tag.ChannelDepositTx ? inner.fromId : inner.toId, account, deposit ? 'depositor' : 'recipient');
      if (own) {
        const cmd = ownCommand(state, deposit ? 'deposit' : 'withdraw');
        expectEqual(inner.amount, cmd.amount, 'amount');
        expectOwnOnChainTx(inner, cmd, state);
        expectUpdates(updates, update(cmd.amount), cmd.meta);
      } else {
        expectUpdates(updates.filter((u) => u.op !== 'meta'), update(inner.amount), undefined);
        expectPeerTtl(inner.ttl, o);
      }
      expect(!updates.some(isContractUpdate), 'a contract update in a deposit/withdraw tx');
      const computed = computeRound(state, updates, nextRound, inner.stateHash, context);
      const what = deposit ? `deposit of ${inner.amount} by ${account}` : `withdrawal of ${inner.amount} to ${account}`;
      return { round: nextRound, channelId: state.channelId, reason: `${what}, round ${nextRound}, fee ${inner.fee}`, ...computed };
    }
    case 'shutdown_sign':
    case 'shutdown_sign_ack': {
      expect(inner.tag === Tag.ChannelCloseMutualTx, `expected a close mutual tx, got tag ${inner.tag}`, { tag: inner.tag });
      expect(updates.length === 0, 'a close mutual with updates');
      expectEqual(inner.fromId, tag === 'shutdown_sign' ? self : peer, 'closer');
      const I = state.balances[initiator] ?? 0n;
      const R = state.balances[responder] ?? 0n;
      if (tag === 'shutdown_sign') {
        const cmd = ownCommand(state, 'shutdown');
        expectOwnOnChainTx(inner, cmd, state, { ...inner, initiatorAmountFinal: I, responderAmountFinal: R });
      } else {
        // The peer's fee/gas_price are not known here: only the user's limit (or its default) applies.
        expectMaxFee(inner.fee, o.maxFee);
        expectPeerTtl(inner.ttl, o);
      }
      expect(I + R >= inner.fee, 'close mutual fee exceeds the channel balance', { fee: inner.fee, total: I + R });
      if (tag === 'shutdown_sign_ack' && o.maxFee === undefined) {
        // A fee nobody here chose comes out of the channel: bounded by default (safeDefaults).
        const limit = defaultMaxFee({ ...inner, initiatorAmountFinal: I, responderAmountFinal: R });
        expect(inner.fee <= limit, `fee ${inner.fee} exceeds the default maxFee ${limit} (${DEFAULT_MAX_FEE_MULTIPLIER}x the node's minimum fee; set maxFee to allow more)`, { maxFee: limit, got: inner.fee });
      }
      const split = splitCloseMutualFee(I, R, inner.fee);
      expectEqual(inner.initiatorAmountFinal, split.initiatorAmountFinal, 'initiator final amount');
      expectEqual(inner.responderAmountFinal, split.responderAmountFinal, 'responder final amount');
      return {
        round: null,
        balances: null,
        channelId: state.channelId,
        reason: `close mutual: initiator gets ${split.initiatorAmountFinal}, responder gets ${split.responderAmountFinal}, fee ${inner.fee}`,
      };
    }
    case 'close_solo_sign':
    case 'slash_tx': {
      const wantTag = tag === 'close_solo_sign' ? Tag.ChannelCloseSoloTx : Tag.ChannelSlashTx;
      expect(inner.tag === wantTag, `expected tag ${wantTag}, got tag ${inner.tag}`, { tag: inner.tag });
      expect(inner.tag === Tag.ChannelCloseSoloTx || inner.tag === Tag.ChannelSlashTx, 'unreachable');
      expect(updates.length === 0, 'a solo tx with updates');
      const cmd = ownCommand(state, tag === 'close_solo_sign' ? 'closeSolo' : 'slash');
      expectEqual(inner.fromId, self, 'poster');
      expectOwnOnChainTx(inner, cmd, state);
      expectPayload(state, inner.payload, tag === 'close_solo_sign');
      expectPoi(state, inner.poi);
      return { round: null, balances: null, channelId: state.channelId, reason: `${tag === 'close_solo_sign' ? 'solo close' : 'slash'} at round ${state.round}, fee ${inner.fee}` };
    }
    case 'settle_sign': {
      expect(inner.tag === Tag.ChannelSettleTx, `expected a settle tx, got tag ${inner.tag}`, { tag: inner.tag });
      expect(updates.length === 0, 'a settle with updates');
      const cmd = ownCommand(state, 'settle');
      expectEqual(inner.fromId, self, 'poster');
      expectOwnOnChainTx(inner, cmd, state);
      expectEqual(inner.initiatorAmountFinal, state.balances[initiator] ?? 0n, 'initiator final amount');
      expectEqual(inner.responderAmountFinal, state.balances[responder] ?? 0n, 'responder final amount');
      return { round: null, balances: null, channelId: state.channelId, reason: `settle: initiator gets ${inner.initiatorAmountFinal}, responder gets ${inner.responderAmountFinal}, fee ${inner.fee}` };
    }
    case 'snapshot_solo_tx': {
      expect(inner.tag === Tag.ChannelSnapshotSoloTx, `expected a snapshot tx, got tag ${inner.tag}`, { tag: inner.tag });
      expect(updates.length === 0, 'a snapshot with updates');
      const cmd = ownCommand(state, 'snapshotSolo');
      expectEqual(inner.fromId, self, 'poster');
      expectOwnOnChainTx(inner, cmd, state);
      expect(inner.payload.length > 0, 'a snapshot needs a payload');
      expectPayload(state, inner.payload, false);
      return { round: null, balances: null, channelId: state.channelId, reason: `snapshot of round ${state.round}, fee ${inner.fee}` };
    }
    case 'force_progress_tx': {
      expect(inner.tag === Tag.ChannelForceProgressTx, `expected a force progress tx, got tag ${inner.tag}`, { tag: inner.tag });
      const cmd = ownCommand(state, 'forceProgress');
      expectEqual(inner.fromId, self, 'poster');
      expectEqual(inner.round, nextRound, 'round');
      expectPayload(state, inner.payload, true);
      expectOwnNonce(state, inner.nonce, cmd.nonce);
      expectTtl(inner.ttl, o);
      const update = unpackTx(inner.update);
      expect(update.tag === Tag.ChannelOffChainUpdateCallContract, 'the forced update is not a contract call', { tag: update.tag });
      expectEqual(update.caller, self, 'caller');
      expectEqual(update.contract, cmd.contractId, 'contract');
      expectEqual(update.abiVersion, cmd.abiVersion, 'abi version');
      expectEqual(update.amount, cmd.amount, 'call amount');
      expectEqual(update.gas, cmd.gas ?? 1_000_000n, 'gas');
      // §5.3: gas_price is mandatory; it is written into the call, whose gas the poster pays at
      // that price (a higher one burns the user's coins), and gives the fee (fix-point).
      expectEqual(update.gasPrice, cmd.gasPrice, 'gas price of the call');
      expectFee(inner, { gasPrice: cmd.gasPrice }, o.maxFee);
      expect(equalBytes(update.callData, decode(cmd.callData, 'cb')), 'call data differs from the request');
      expect(update.callStack.length === 0, 'the forced call has a call stack', { callStack: update.callStack });
      // §3.5 step 5: the trees are our own latest state (their hash is our state hash).
      expectEqual(stateTreesHash(inner.offChainTrees), latestStateHash(state).stateHash, 'state hash of the trees before the call');
      // §3.5 step 7 (CONTRACTS.md §3.2 step 9): the tx's gas limit fits the block gas limit.
      const gasLimit = feeGas(inner) + update.gas;
      expect(gasLimit <= BLOCK_GAS_LIMIT, `the force progress needs gas ${gasLimit}, above the block gas limit ${BLOCK_GAS_LIMIT}`, { gasLimit });
      // §3.5 step 6: the post-call state hash is our own recomputation of the call (§2.3) on those trees.
      const computed = computeRound(state, [forcedCall(update)], nextRound, inner.stateHash, context);
      // §3.5 step 8: an operation not allowed off chain (oracle/AENS writes) makes the call
      // fail and burn all its gas, which this client would pay on chain.
      const call = computed.calls[0];
      if (call?.return_type === 'error') {
        const text = new TextDecoder().decode(decode(call.return_value, 'cb'));
        expect(!/not allowed off chain/.test(text), `the forced call fails with "${text}": it uses an operation not allowed off chain and would burn all its gas`, { message: text });
      }
      return {
        round: nextRound,
        channelId: state.channelId,
        reason: `force progress: call ${cmd.contractId} at round ${nextRound} -> ${describeCalls(computed.calls)}, fee ${inner.fee}, gas ${update.gas} at ${update.gasPrice}`,
        ...computed,
      };
    }
    default:
      throw new Mismatch(`unexpected sign request tag ${tag}`);
  }
}

/**
 * Checks a `channels.sign.<tag>` request against the state (see the module doc).
 * @param state - the current reducer state (the pending command is read from it)
 * @param tag - the sign request tag (`update_ack`, `withdraw_tx`, ...)
 * @param tx - the tx the node asks to sign (`tx_`, a signed tx with 0 or 1 signatures)
 * @param updates - the `updates` list of the request (JSON, §2.7)
 * @param context - candidate chain environments for contract rounds that read them
 * @returns `{ ok: true, decoded, round, balances, reason }` or `{ ok: false, reason, details }`; never throws
 * @example
 * const check = verifySignRequest(state, 'update_ack', tx, updates);
 * if (!check.ok) console.warn('refusing:', check.reason);
 */
export function verifySignRequest(
  state: ChannelState,
  tag: SignTag,
  tx: Encoded<'tx'>,
  updates: readonly JsonValue[],
  context: VerifySignRequestContext = {},
): VerifySignRequestReturnType {
  let decoded: Tx;
  let innerBytes: Uint8Array;
  let unwrapped: UnwrappedTx;
  try {
    // The channel tx inside any GA meta layers (§2.9).
    unwrapped = unwrapSignedTx(tx);
    decoded = unwrapped.tx;
    innerBytes = unwrapped.innerBytes;
  } catch (cause) {
    return { ok: false, reason: 'the tx cannot be decoded', details: { error: isAechannelError(cause) ? cause.code : String(cause) } };
  }
  try {
    const body = verifyBody(state, tag, decoded, updates.map(parseUpdate), innerBytes, unwrapped, context);
    return { ok: true, decoded, trees: null, calls: [], contractUpdate: null, ...body };
  } catch (error) {
    if (error instanceof Mismatch) return { ok: false, reason: error.reason, details: error.details };
    if (error instanceof NeedsEnv) {
      const supplied = (context.envs ?? []).length;
      return {
        ok: false,
        reason: `the contract run reads the chain environment (${error.reads.join(', ')}), which ${supplied === 0 ? 'this client was not given' : 'the supplied environment does not answer'}: it cannot be recomputed, so it is not signed`,
        details: { reads: [...error.reads] },
        needsEnv: error.reads,
      };
    }
    if (isAechannelError(error)) return { ok: false, reason: `invalid content: ${error.shortMessage}`, details: { error: error.code } };
    return { ok: false, reason: `verification failed: ${String(error)}`, details: null };
  }
}

/** What {@link verifyForcedProgress} returns. */
export type VerifyForcedProgressReturnType =
  | { ok: true; round: bigint; balances: Record<Encoded<'ak'>, bigint>; trees: Encoded<'ss'> | null; calls: CallObjectJson[]; contractUpdate: ContractUpdate | null }
  | { ok: false; reason: string; needsEnv?: readonly string[] };

/**
 * Checks a force progress reported on chain (`channels.on_chain_tx`, CONTRACTS.md §3.4)
 * before this client takes its state as the latest: it continues our latest state (round
 * + 1, its payload our latest state or empty when that is on chain, its trees hashing to
 * our state hash), its update is a call by its poster, one of the participants, and its
 * state hash is our own recomputation of the call (§2.3). The poster's signature is the
 * driver's to check (no ed25519 here); that the tx is on chain is the node's report.
 * @param state - the reducer state
 * @param tx - the force progress tx (`tx_`, signed by its poster)
 * @param context - candidate chain environments, for a call that reads them
 * @returns the state it leads to, or why it is not ours to adopt
 * @example verifyForcedProgress(state, tx).ok
 */
export function verifyForcedProgress(state: ChannelState, tx: Encoded<'tx'>, context: VerifySignRequestContext = {}): VerifyForcedProgressReturnType {
  try {
    const { tx: inner } = unwrapSignedTx(tx);
    expect(inner.tag === Tag.ChannelForceProgressTx, `not a force progress tx (tag ${inner.tag})`);
    expectEqual(inner.channelId, state.channelId ?? '', 'channel id');
    expectEqual(inner.round, state.round + 1n, 'round');
    const { initiator, responder } = partiesOf(state);
    expect(inner.fromId === initiator || inner.fromId === responder, 'the poster is not a participant', { from: inner.fromId });
    expectPayload(state, inner.payload, true);
    expectEqual(stateTreesHash(inner.offChainTrees), latestStateHash(state).stateHash, 'state hash of the trees before the call');
    const update = unpackTx(inner.update);
    expect(update.tag === Tag.ChannelOffChainUpdateCallContract, 'the forced update is not a contract call', { tag: update.tag });
    expectEqual(update.caller, inner.fromId, 'caller');
    expect(update.callStack.length === 0, 'the forced call has a call stack');
    const computed = computeRound(state, [forcedCall(update)], inner.round, inner.stateHash, context);
    return { ok: true, round: inner.round, ...computed };
  } catch (error) {
    if (error instanceof Mismatch) return { ok: false, reason: error.reason };
    if (error instanceof NeedsEnv) return { ok: false, reason: `the forced call reads the chain environment (${error.reads.join(', ')}), which this client does not know`, needsEnv: error.reads };
    if (isAechannelError(error)) return { ok: false, reason: `invalid content: ${error.shortMessage}` };
    return { ok: false, reason: `verification failed: ${String(error)}` };
  }
}
