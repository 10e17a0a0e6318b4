/**
 * A scripted node for `Channel` tests of off-chain contracts, until the devnode runs them:
 * it plays the node fsm of ONE client (either role) over the in-memory transport pair, and
 * the peer behind it (the peer's signatures come from its own key). Contract rounds are
 * computed with `@aechannel/fate`, so the states are the node's; `tamper` lets a test
 * change what the node asks the client to sign, and `peerUpdate` / `onChain` play the peer
 * and the chain.
 *
 * It covers the flows the tests use: open (both roles), reconnect with the same fsm id,
 * own and peer off-chain rounds (transfer, create, call), dry runs, `get.contract`,
 * `get.contract_call`, `clean_contract_calls`, `get.offchain_state`, force progress, and
 * aborts answered as the node does (`aborted_update`, error 1018 when nothing is pending).
 */
import {
  addSignatures,
  computeChannelId,
  computeStateHash,
  decode,
  encode,
  EMPTY_CALLS_TREE,
  fixFee,
  packTx,
  serializeObject,
  Tag,
  type ChannelOffChainUpdate,
  type Encoded,
  type JsonValue,
  type Tx,
  type TxWithFee,
} from '@aechannel/codec';
import {
  applyUpdates,
  callObjectToJson,
  contractToJson,
  dryRun,
  packTrees,
  stateHash,
  treesBalances,
  treesFromBalances,
  type CallObjectJson,
  type ChainView,
  type ChannelTrees,
  type FateRulesPreset,
} from '@aechannel/fate';
import { memorySigner, type Signer } from '@aechannel/signer';
import { createMemoryTransportPair, type Transport } from '@aechannel/transport';
import type { TransportFactory } from '../src/Channel.js';

type JsonObject = { [key: string]: JsonValue };
/** A call-contract update object (`ChannelOffChainUpdateCallContract`). */
type CallUpdate = Extract<ChannelOffChainUpdate, { tag: typeof Tag.ChannelOffChainUpdateCallContract }>;

/** The fsm id the node hands out (reconnects keep it). */
export const NODE_FSM_ID = 'ba_eSQrbB0Z7MCUR/cK5LHmbFQxF4WhsOFciA0gT1o90V5EkQRy' as Encoded<'ba'>;
const NONCE = 7n;

/** The environment the node pins in these tests. */
export const NODE_CHAIN: ChainView = {
  height: 1000n,
  timestamp: 1_700_000_000_000n,
  beneficiary: new Uint8Array(32),
  difficulty: 1n,
  networkId: 'ae_test',
};

/** What a tamper hook may change in an own round before the node asks the client to sign. */
export interface OwnRoundDraft {
  updates: JsonValue[];
  stateHash: Encoded<'st'>;
}

export interface ContractNode {
  /** Transport factory for `Channel.open/reestablish`. */
  transport: TransportFactory;
  /** Signer of the client under test, and its account. */
  clientSigner: Signer;
  /** The peer's account. */
  peer: Encoded<'ak'>;
  initiator: Encoded<'ak'>;
  responder: Encoded<'ak'>;
  networkId: string;
  /** The node's latest co-signed state, round and trees. */
  readonly round: bigint;
  readonly trees: ChannelTrees;
  readonly latest: Encoded<'tx'> | null;
  /** Every message the client sent, in order. */
  readonly received: JsonObject[];
  /** Changes the next own round before the client is asked to sign it. */
  tamper: ((draft: OwnRoundDraft) => OwnRoundDraft) | null;
  /** The peer proposes a round (JSON updates); resolves with the client's answer (`signed` or its abort code). */
  peerUpdate(updates: JsonValue[]): Promise<{ signed: boolean; code?: bigint }>;
  /**
   * The peer forces progress of a call on chain and the chain consumes it: the node takes its
   * state and reports it (`consumed_forced_progress`). `forged`: signed by a third key instead.
   */
  peerForceProgress(contract: Encoded<'ct'>, callData: Encoded<'cb'>, forged?: boolean): Promise<Encoded<'tx'>>;
  /** Reports a tx on chain (`channels.on_chain_tx`). */
  onChain(info: string, tx: Encoded<'tx'>, type: string): void;
  /** The last force progress the client signed. */
  readonly forceProgress: Encoded<'tx'> | null;
  /** Closes the client's connection (as a crash or a dropped socket would). */
  drop(): void;
}

/** Options of {@link createContractNode}. */
export interface ContractNodeOptions {
  /** The role of the client under test. */
  role: 'initiator' | 'responder';
  rules?: FateRulesPreset;
  networkId?: string;
  initiatorAmount?: bigint;
  responderAmount?: bigint;
  reserve?: bigint;
}

/** The open parameters a client of this node uses (without signer and transport). */
export function nodeChannelParams(node: ContractNode, options: ContractNodeOptions) {
  return {
    role: options.role,
    networkId: node.networkId,
    initiatorId: node.initiator,
    responderId: node.responder,
    initiatorAmount: options.initiatorAmount ?? 1000n,
    responderAmount: options.responderAmount ?? 1000n,
    channelReserve: options.reserve ?? 1n,
    lockPeriod: 10n,
    port: 3333,
    ...(options.role === 'initiator' ? { host: 'localhost' } : {}),
    ...(options.rules === undefined ? {} : { fateRules: options.rules }),
    timeoutMs: 10_000,
  };
}

/** Starts a scripted node for one client (see the module doc). */
export async function createContractNode(options: ContractNodeOptions): Promise<ContractNode> {
  const networkId = options.networkId ?? 'ae_test';
  const rules = options.rules ?? 'ceres';
  const reserve = options.reserve ?? 1n;
  const seedI = new Uint8Array(32).fill(11);
  const seedR = new Uint8Array(32).fill(22);
  const signerI = memorySigner(seedI);
  const signerR = memorySigner(seedR);
  const clientSigner = options.role === 'initiator' ? signerI : signerR;
  const peerSigner = options.role === 'initiator' ? signerR : signerI;
  const I = signerI.address;
  const R = signerR.address;
  const self = clientSigner.address;
  const initiatorAmount = options.initiatorAmount ?? 1000n;
  const responderAmount = options.responderAmount ?? 1000n;
  const channelId = computeChannelId(I, NONCE, R);
  const chain: ChainView = { ...NODE_CHAIN, networkId };

  let trees = treesFromBalances({ [I]: initiatorAmount, [R]: responderAmount });
  let round = 0n;
  let latest: Encoded<'tx'> | null = null;
  let archive: { round: bigint; call: CallObjectJson }[] = [];
  let server: Transport | null = null;
  let forceProgress: Encoded<'tx'> | null = null;
  /** The state a force progress the client signed leads to (adopted when the chain reports it). */
  let forced: { trees: ChannelTrees; calls: CallObjectJson[]; round: bigint } | null = null;
  const received: JsonObject[] = [];
  /** What the node waits for from the client: a reply method and what to do with it. */
  let waiting: { method: string; handle: (params: JsonObject) => Promise<void> } | null = null;

  const send = (message: JsonValue): void => {
    server?.send(message);
  };
  const note = (method: string, data: JsonValue): void => send({ jsonrpc: '2.0', method, params: { channel_id: channelId, data }, version: 1n });
  const info = (event: string): void => note('channels.info', { event });
  const result = (id: JsonValue | undefined, value: JsonValue): void => {
    if (id !== undefined) send({ jsonrpc: '2.0', version: 1n, id, channel_id: channelId, result: value });
  };
  const error = (id: JsonValue | undefined, request: JsonObject, code: bigint, dataCode: bigint, message: string): void =>
    send({ jsonrpc: '2.0', version: 1n, id: id ?? null, channel_id: channelId, error: { code, message: 'Rejected', data: [{ code: dataCode, message }], request } });
  const unsigned = (inner: Tx): Encoded<'tx'> => packTx({ tag: Tag.SignedTx, version: 1, signatures: [], encodedTx: inner } as Tx);
  const signedBy = async (tx: Encoded<'tx'>, signer: Signer): Promise<Encoded<'tx'>> => signer.signTransaction(tx, { networkId });

  const updateOf = (json: JsonValue): ChannelOffChainUpdate | null => {
    const u = json as JsonObject;
    switch (u['op']) {
      case 'OffChainTransfer':
        return { tag: Tag.ChannelOffChainUpdateTransfer, version: 1, from: u['from'] as Encoded<'ak'>, to: u['to'] as Encoded<'ak'>, amount: u['amount'] as bigint };
      case 'OffChainNewContract':
        return {
          tag: Tag.ChannelOffChainUpdateCreateContract,
          version: 1,
          owner: u['owner'] as Encoded<'ak'>,
          ctVersion: ((u['vm_version'] as bigint) << 16n) | (u['abi_version'] as bigint),
          code: decode(u['code'] as string, 'cb'),
          deposit: u['deposit'] as bigint,
          callData: decode(u['call_data'] as string, 'cb'),
        };
      case 'OffChainCallContract':
        return {
          tag: Tag.ChannelOffChainUpdateCallContract,
          version: 1,
          caller: u['caller_id'] as Encoded<'ak'>,
          contract: u['contract_id'] as Encoded<'ct'>,
          abiVersion: u['abi_version'] as bigint,
          amount: u['amount'] as bigint,
          gas: u['gas'] as bigint,
          gasPrice: u['gas_price'] as bigint,
          callData: decode(u['call_data'] as string, 'cb'),
          callStack: [],
        };
      default:
        return null;
    }
  };
  const compute = (updates: readonly JsonValue[]) => {
    const real = updates.map(updateOf).filter((u): u is ChannelOffChainUpdate => u !== null);
    return applyUpdates(trees, real, { round: round + 1n, reserve, chain, rules });
  };
  const offChain = (r: bigint, hash: Encoded<'st'>): Tx => ({ tag: Tag.ChannelOffChainTx, version: 2, channelId, round: r, stateHash: hash }) as Tx;
  /** The force progress tx `from` posts with `update` on the latest state (fee at the update's gas price), and the round it makes. */
  const forceProgressRound = (from: Encoded<'ak'>, update: CallUpdate, nonce: bigint) => {
    const after = applyUpdates(trees, [update], { round: round + 1n, reserve, chain, rules });
    const tx = fixFee(
      {
        tag: Tag.ChannelForceProgressTx,
        version: 1,
        channelId,
        fromId: from,
        payload: latest === null ? new Uint8Array(0) : decode(latest, 'tx'),
        round: round + 1n,
        update: serializeObject(update as unknown as Tx),
        stateHash: stateHash(after.trees),
        offChainTrees: decode(packTrees(trees), 'ss'),
        ttl: 0n,
        fee: 0n,
        nonce,
      } as TxWithFee,
      { gasPrice: update.gasPrice },
    );
    return { after, tx };
  };
  const adopt = (next: ChannelTrees, calls: readonly CallObjectJson[], state: Encoded<'tx'>, r: bigint): void => {
    trees = next;
    round = r;
    latest = state;
    for (const call of calls) archive.push({ round: r, call });
    note('channels.update', { state });
  };

  /** An own round of the client: compute, (tamper), ask for its signature, co-sign. */
  const ownRound = async (id: JsonValue | undefined, request: JsonObject, updates: JsonValue[]): Promise<void> => {
    let applied;
    try {
      applied = compute(updates);
    } catch (e) {
      error(id, request, 3n, 1001n, e instanceof Error ? e.message : 'rejected');
      return;
    }
    result(id, 'ok');
    let draft: OwnRoundDraft = { updates, stateHash: stateHash(applied.trees) };
    if (node.tamper !== null) {
      draft = node.tamper(draft);
      node.tamper = null;
    }
    const r = round + 1n;
    const tx = unsigned(offChain(r, draft.stateHash));
    waiting = {
      method: 'channels.update',
      handle: async (params) => {
        if ('error' in params) {
          info('aborted_update');
          return;
        }
        const coSigned = await signedBy(params['signed_tx'] as Encoded<'tx'>, peerSigner);
        adopt(applied.trees, applied.calls.map(callObjectToJson), coSigned, r);
      },
    };
    note('channels.sign.update', { signed_tx: tx, updates: draft.updates });
  };

  const handle = async (message: JsonObject): Promise<void> => {
    received.push(message);
    const method = message['method'] as string;
    const params = (message['params'] ?? {}) as JsonObject;
    const id = message['id'];
    if (waiting !== null && method === waiting.method && ('signed_tx' in params || 'error' in params)) {
      const w = waiting;
      waiting = null;
      result(id, 'ok');
      await w.handle(params);
      return;
    }
    switch (method) {
      case 'channels.update.new':
        await ownRound(id, message, [{ op: 'OffChainTransfer', from: params['from'] as string, to: params['to'] as string, amount: params['amount'] as bigint }]);
        return;
      case 'channels.update.new_contract':
        await ownRound(id, message, [
          { op: 'OffChainNewContract', owner: self, vm_version: params['vm_version']!, abi_version: params['abi_version']!, code: params['code']!, deposit: params['deposit']!, call_data: params['call_data']! },
        ]);
        return;
      case 'channels.update.call_contract':
        await ownRound(id, message, [
          {
            op: 'OffChainCallContract',
            caller_id: self,
            contract_id: params['contract_id']!,
            abi_version: params['abi_version']!,
            amount: params['amount']!,
            gas: 1000000n,
            gas_price: 1n,
            call_data: params['call_data']!,
            call_stack: [],
          },
        ]);
        return;
      case 'channels.dry_run.call_contract': {
        const call = dryRun(
          trees,
          { tag: Tag.ChannelOffChainUpdateCallContract, version: 1, caller: self, contract: params['contract_id'] as Encoded<'ct'>, abiVersion: params['abi_version'] as bigint, amount: params['amount'] as bigint, gas: 1000000n, gasPrice: 1n, callData: decode(params['call_data'] as string, 'cb'), callStack: [] },
          { round: round + 1n, reserve, chain, rules },
        );
        result(id, callObjectToJson(call) as unknown as JsonValue);
        return;
      }
      case 'channels.get.contract': {
        const pk = decode(params['pubkey'] as string, 'ct');
        const record = trees.contracts.get(Buffer.from(pk).toString('hex'));
        if (record === undefined) error(id, message, 3n, 100n, 'Contract doesn\'t exist');
        else result(id, contractToJson(pk, record) as unknown as JsonValue);
        return;
      }
      case 'channels.get.contract_call': {
        const found = archive.find((a) => a.round === params['round'] && a.call.contract_id === params['contract_id'] && a.call.caller_id === params['caller_id']);
        if (found === undefined) error(id, message, 3n, 1004n, 'Call not found');
        else result(id, found.call as unknown as JsonValue);
        return;
      }
      case 'channels.clean_contract_calls':
        archive = [];
        result(id, { action: 'calls_pruned' });
        return;
      case 'channels.get.offchain_state':
        result(id, { trees: packTrees(trees), calls: EMPTY_CALLS_TREE, signed_tx: latest ?? '', half_signed_tx: '' });
        return;
      case 'channels.force_progress': {
        const update = {
          tag: Tag.ChannelOffChainUpdateCallContract,
          version: 1,
          caller: self,
          contract: params['contract_id'] as Encoded<'ct'>,
          abiVersion: params['abi_version'] as bigint,
          amount: params['amount'] as bigint,
          gas: (params['gas'] as bigint | undefined) ?? 1000000n,
          gasPrice: params['gas_price'] as bigint,
          callData: decode(params['call_data'] as string, 'cb'),
          callStack: [] as bigint[],
        } as const;
        const { after, tx } = forceProgressRound(self, update, NONCE + 1n);
        result(id, 'ok');
        waiting = {
          method: 'channels.force_progress_sign',
          handle: async (p) => {
            if ('error' in p) return;
            forceProgress = p['signed_tx'] as Encoded<'tx'>;
            forced = { trees: after.trees, calls: after.calls.map(callObjectToJson), round: round + 1n };
          },
        };
        note('channels.sign.force_progress_tx', { signed_tx: unsigned(tx), updates: [] });
        return;
      }
      default:
        // An abort (or a late signed reply) with nothing pending: 1018 (PROTOCOL.md §7.4).
        if (method.startsWith('channels.') && ('error' in params || 'signed_tx' in params)) {
          if ('error' in params) error(id, message, 3n, 1018n, 'Not allowed at current channel state');
          else result(id, 'ok');
          return;
        }
        error(id, message, -32601n, -32601n, 'Method not found');
    }
  };

  /** The open handshake of the client's role (PROTOCOL.md §9.2). */
  const openChannel = async (): Promise<void> => {
    const balances = { [I]: initiatorAmount, [R]: responderAmount };
    const create = fixFee(
      {
        tag: Tag.ChannelCreateTx,
        version: 1,
        initiatorId: I,
        initiatorAmount,
        responderId: R,
        responderAmount,
        channelReserve: reserve,
        lockPeriod: 10n,
        ttl: 0n,
        fee: 0n,
        delegateIds: [],
        stateHash: computeStateHash(balances),
        nonce: NONCE,
      } as TxWithFee,
      {},
    );
    const finish = async (params: JsonObject): Promise<void> => {
      const coSigned = options.role === 'initiator' ? await signedBy(params['signed_tx'] as Encoded<'tx'>, peerSigner) : (params['signed_tx'] as Encoded<'tx'>);
      round = 1n;
      latest = coSigned;
      if (options.role === 'initiator') info('funding_signed');
      note('channels.on_chain_tx', { info: 'channel_changed', tx: coSigned, type: 'channel_create_tx' });
      info('own_funding_locked');
      info('funding_locked');
      info('open');
      note('channels.update', { state: coSigned });
    };
    if (options.role === 'initiator') {
      info('channel_accept');
      waiting = { method: 'channels.initiator_sign', handle: finish };
      note('channels.sign.initiator_sign', { signed_tx: unsigned(create), updates: [] });
    } else {
      info('channel_open');
      info('funding_created');
      const halfSigned = await signedBy(unsigned(create), peerSigner);
      waiting = { method: 'channels.responder_sign', handle: finish };
      note('channels.sign.responder_sign', { signed_tx: halfSigned, updates: [] });
    }
  };

  const node: ContractNode = {
    transport: (url) => {
      const { client, server: end } = createMemoryTransportPair();
      server = end;
      const reconnect = new URL(url).searchParams.has('existing_channel_id');
      // One message at a time, in order (the node fsm is one process).
      let chainOfWork = Promise.resolve();
      end.on('message', (message) => {
        chainOfWork = chainOfWork.then(() => handle(message as JsonObject)).catch(() => undefined);
      });
      void end.opened.then(() => {
        send({ jsonrpc: '2.0', method: 'channels.info', params: { channel_id: reconnect ? channelId : null, data: { event: 'fsm_up', fsm_id: NODE_FSM_ID } }, version: 1n });
        if (!reconnect) chainOfWork = chainOfWork.then(openChannel);
      });
      return client;
    },
    clientSigner,
    peer: peerSigner.address,
    initiator: I,
    responder: R,
    networkId,
    get round() {
      return round;
    },
    get trees() {
      return trees;
    },
    get latest() {
      return latest;
    },
    received,
    tamper: null,
    get forceProgress() {
      return forceProgress;
    },
    async peerUpdate(updates) {
      const applied = compute(updates);
      const r = round + 1n;
      const tx = await signedBy(unsigned(offChain(r, stateHash(applied.trees))), peerSigner);
      return new Promise((resolve) => {
        waiting = {
          method: 'channels.update_ack',
          handle: async (params) => {
            if ('error' in params) {
              info('aborted_update');
              resolve({ signed: false, code: params['error'] as bigint });
              return;
            }
            adopt(applied.trees, applied.calls.map(callObjectToJson), params['signed_tx'] as Encoded<'tx'>, r);
            resolve({ signed: true });
          },
        };
        info('update');
        note('channels.sign.update_ack', { signed_tx: tx, updates });
      });
    },
    async peerForceProgress(contract, callData, forged = false) {
      const update = {
        tag: Tag.ChannelOffChainUpdateCallContract,
        version: 1,
        caller: peerSigner.address,
        contract,
        abiVersion: 3n,
        amount: 0n,
        gas: 1000000n,
        gasPrice: 1000000000n,
        callData: decode(callData, 'cb'),
        callStack: [] as bigint[],
      } as const;
      const { after, tx } = forceProgressRound(peerSigner.address, update, 1n);
      const signed = await signedBy(unsigned(tx), forged ? memorySigner(new Uint8Array(32).fill(33)) : peerSigner);
      if (!forged) {
        trees = after.trees;
        round += 1n;
        latest = signed;
      }
      note('channels.on_chain_tx', { info: 'consumed_forced_progress', tx: signed, type: 'channel_force_progress_tx' });
      return signed;
    },
    onChain(infoName, tx, type) {
      if (infoName === 'consumed_forced_progress' && tx === forceProgress && forced !== null) {
        // The node re-applies the forced call and takes it as its latest state (CONTRACTS.md §3.4).
        trees = forced.trees;
        round = forced.round;
        latest = tx;
        for (const call of forced.calls) archive.push({ round, call });
        forced = null;
      }
      note('channels.on_chain_tx', { info: infoName, tx, type });
    },
    drop() {
      server?.terminate();
    },
  };
  return node;
}

/** The balances of the node's trees. */
export function nodeBalances(node: ContractNode): Record<string, bigint> {
  return treesBalances(node.trees);
}

/** Adds `signer`'s signature to a tx (for tests that forge records). */
export async function cosign(tx: Encoded<'tx'>, signer: Signer, networkId: string): Promise<Encoded<'tx'>> {
  return signer.signTransaction(tx, { networkId });
}

export { addSignatures, encode };
