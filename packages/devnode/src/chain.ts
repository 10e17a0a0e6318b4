/**
 * The simulated chain: accounts, a mempool, blocks and channel objects (PROTOCOL.md §10).
 *
 * Theory of operation. FSMs post mutually or solo signed channel txs with {@link SimChain.post}.
 * Posting checks what can be checked up front (decoding, signatures of the required signers
 * (§3.2), nonce, TTL, the channel rules of §10.4 against the current state) and puts the tx in
 * the mempool. A block ({@link SimChain.mine}) takes mempool txs in nonce order, re-checks the
 * state rules, applies the effects of §10.4 and notifies every block listener; a tx that no
 * longer fits is dropped. Watchers ask to be told when a tx is `n` blocks deep or when the chain
 * reaches a height (the lock period of a solo close).
 *
 * Block production is a mode: `instant` mines a block right after each post and then jumps the
 * height to whatever the watchers wait for, `interval` mines every `ms` of the injected clock,
 * `manual` mines only on request.
 *
 * Force progress (CONTRACTS.md §3): the chain checks the tx as §3.2 says, executes its call
 * with the FATE VM on the trees it carries (the block's env, the on-chain reserve), charges
 * the poster fee + gas used × gas price, keeps a receipt call object, and moves the channel
 * to the forced state when the computed state hash is the one the tx claims (§3.3, §3.4).
 * Generalized accounts (`generalized.ts`): a `ga_attach` tx deploys the auth contract with
 * the VM; a tx wrapped in GA meta layers is authenticated by running each layer's auth
 * function, and processing it in a block keeps what the function wrote, charges the meta
 * tx's fee and gas and uses up its auth id. A tx paid by a generalized account carries
 * nonce 0 and is not ordered by nonce. A channel created with a generalized participant
 * keeps a copy of its contract's store for the off-chain authorizations (§2.10), and a GA
 * initiator's channel id uses its auth id (§4).
 * What is not simulated: forks, micro/key block structure, other on-chain contracts, names
 * and oracles.
 */
import {
  Tag,
  authId,
  computeChannelId,
  decode,
  decodeSignedTx,
  unwrapSignedTx,
  type GaMetaLayer,
  type UnwrappedTx,
  deserializeObject,
  encode,
  feeGas,
  getPoiBalances,
  isAechannelError,
  poiStateHash,
  txHash,
  type Encoded,
  type Tx,
  type TxOf,
} from '@aechannel/codec';
import {
  applyUpdate,
  attachGaContract,
  emptyTrees,
  callId,
  stateHash,
  treesFromStateTrees,
  type CallObject,
  type ChainView,
  type ChannelTrees,
  type FateRulesPreset,
} from '@aechannel/fate';
import { createTransactionVerifier, type TransactionVerifier } from '@aechannel/signer';
import type { DevnodeClock } from './clock.js';
import { DevnodeError } from './errors.js';
import type { EventQueue } from './eventQueue.js';
import type { IdSource } from './keys.js';
import { authenticate, layerAuthId, runLayer, type AuthenticationContext, type AuthenticationResult, type AuthStore, type GaAuth } from './generalized.js';

/** An account on the simulated chain. */
export interface ChainAccount {
  balance: bigint;
  nonce: bigint;
  /** Set once a `ga_attach` made the account generalized (PROTOCOL.md §2.9). */
  ga?: GaAuth;
}

/** A channel object on the simulated chain (tag 58 fields, §2.10, §10.4). */
export interface ChainChannel {
  id: Encoded<'ch'>;
  initiatorId: Encoded<'ak'>;
  responderId: Encoded<'ak'>;
  channelAmount: bigint;
  initiatorAmount: bigint;
  responderAmount: bigint;
  channelReserve: bigint;
  stateHash: Encoded<'st'>;
  round: bigint;
  soloRound: bigint;
  lockPeriod: bigint;
  /** 0 while active; the height until which a solo close can be disputed once closing. */
  lockedUntil: bigint;
  /** Set once a close mutual or settle removed the channel. */
  closedAt: bigint | undefined;
}

/** A tx included in a block. */
export interface IncludedTx {
  hash: Encoded<'th'>;
  /** The signed tx as posted. */
  signedTx: Encoded<'tx'>;
  /** The decoded inner tx. */
  tx: Tx;
  height: bigint;
}

/** What block listeners receive. */
export interface BlockEvent {
  height: bigint;
  hash: Encoded<'kh'>;
  txs: IncludedTx[];
}

/**
 * Listener of the txs of one channel in a block (see {@link SimChain.onChannelBlock}).
 * @param txs - the block's txs of that channel, in block order (never empty)
 * @param event - the whole block
 */
export type ChannelBlockListener = (txs: IncludedTx[], event: BlockEvent) => void;

/** A block listener with its subscription order (dispatch follows it across all kinds). */
interface Subscription<L> {
  seq: number;
  listener: L;
}

/** How blocks are produced. */
export type BlockMode =
  | { mode: 'instant' }
  | { mode: 'interval'; ms: number }
  | { mode: 'manual' };

/** Options of {@link SimChain}. */
export interface SimChainOptions {
  networkId: string;
  queue: EventQueue;
  clock: DevnodeClock;
  ids: IdSource;
  blockMode: BlockMode;
  /** Runs a task after the simulated network/mempool latency (through the queue). */
  later: (task: () => void) => void;
  /** Rules a force progress runs with (default `ceres`). */
  fateRules?: FateRulesPreset;
  /** Consensus protocol: which VM versions a force progress may call (5 Iris, 6 Ceres; default 6). */
  protocol?: 5 | 6;
  /** Verifies tx signatures (default: one of its own); the devnode shares its FSMs' verifier. */
  verifier?: TransactionVerifier;
}

type CallUpdate = Extract<ReturnType<typeof deserializeObject>, { tag: typeof Tag.ChannelOffChainUpdateCallContract }>;

/** What a force progress proves at post time (§3.2), kept for block time. */
interface ForceProgressCheck {
  update: CallUpdate;
  trees: ChannelTrees;
  treesHash: Encoded<'st'>;
}

/** The receipt of a force progress: the call object as the chain recorded it (§3.3 step 4). */
export interface ForceProgressReceipt {
  /** `BLAKE2b(caller ‖ uint256(round) ‖ tx hash)`. */
  id: Uint8Array;
  /** The call object; its `contractId` is the tx hash's bytes (§3.3). */
  call: CallObject;
  /** Whether the channel moved to the forced state. */
  applied: boolean;
}

interface Pending {
  hash: Encoded<'th'>;
  signedTx: Encoded<'tx'>;
  tx: Tx;
  /** The channel the tx concerns (computed once, at post time). */
  channelId: Encoded<'ch'>;
  /** The account whose nonce the tx uses. */
  account: Encoded<'ak'>;
  nonce: bigint;
  /** Off-chain payload round and PoI balances checked at post time. */
  payloadRound: bigint | undefined;
  payloadStateHash: Encoded<'st'> | undefined;
  poiBalances: Record<Encoded<'ak'>, bigint> | undefined;
  forceProgress?: ForceProgressCheck;
  /** The tx read through its GA meta layers (outermost first). */
  unwrapped: UnwrappedTx;
  /** The payer is generalized: nonce 0, not ordered by nonce (§5.6). */
  ga: boolean;
}

interface DepthWatch {
  hash: Encoded<'th'>;
  depth: bigint;
  callback: (height: bigint) => void;
}

interface HeightWatch {
  height: bigint;
  callback: () => void;
}

/** From this height a force progress with a payload restarts the chain of forced rounds (§3.3). */
const SOLO_ROUND_RESET_HEIGHT = 168_300n;

/** Difficulty of every simulated key block. */
const DIFFICULTY = 1n;

const reject = (reason: string, context: Record<string, unknown> = {}): never => {
  throw new DevnodeError('DEVNODE_TX_REJECTED', `Transaction rejected: ${reason}.`, { context: { reason, ...context } });
};

/** Blocks of an instant-mode jump that get a hash (the rest of a longer jump is a gap). */
const MAX_JUMP_HASHES = 1024n;

const channelTags = new Set<number>([
  Tag.ChannelCreateTx,
  Tag.ChannelDepositTx,
  Tag.ChannelWithdrawTx,
  Tag.ChannelCloseMutualTx,
  Tag.ChannelCloseSoloTx,
  Tag.ChannelSlashTx,
  Tag.ChannelSettleTx,
  Tag.ChannelSnapshotSoloTx,
  Tag.ChannelForceProgressTx,
]);

/** The block gas limit (CONTRACTS.md §1.3, §3.2). */
const BLOCK_GAS_LIMIT = 6_000_000n;
/** VM versions a force progress may call, by protocol (CONTRACTS.md §1.2). */
const CALLABLE_VMS: Record<5 | 6, readonly number[]> = { 5: [5, 7], 6: [5, 7, 8] };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** The auth id of a GA meta layer (§4), in hex: the key of the used and pending authorizations. */
const authIdHex = (layer: GaMetaLayer): string => hex(authId(layer.gaId, layer.authData));

/** The simulated chain of a devnode. */
export class SimChain {
  readonly networkId: string;
  #height = 0n;
  readonly #accounts = new Map<Encoded<'ak'>, ChainAccount>();
  readonly #channels = new Map<Encoded<'ch'>, ChainChannel>();
  readonly #mempool = new Map<Encoded<'th'>, Pending>();
  readonly #included = new Map<Encoded<'th'>, IncludedTx>();
  /** Key block hashes by height, and heights by hash (a long instant-mode jump leaves gaps). */
  readonly #blockHashes = new Map<bigint, Encoded<'kh'>>();
  readonly #blockHeights = new Map<Encoded<'kh'>, bigint>();
  /** Key block times (ms of the devnode clock) by height. */
  readonly #blockTimes = new Map<bigint, bigint>();
  /** Beneficiary of every key block (seeded). */
  readonly #beneficiary: Uint8Array;
  /** Block listeners with their subscription order (a listener added twice is one listener). */
  readonly #listeners = new Map<(event: BlockEvent) => void, number>();
  /** Per-channel block listeners: a block only reaches the channels it has txs of. */
  readonly #channelListeners = new Map<Encoded<'ch'>, Set<Subscription<ChannelBlockListener>>>();
  #nextSeq = 0;
  #depthWatches = new Set<DepthWatch>();
  #heightWatches = new Set<HeightWatch>();
  #blockMode: BlockMode;
  #intervalHandle: unknown;
  #mineScheduled = false;
  readonly #options: SimChainOptions;
  readonly #verifier: TransactionVerifier;
  /** Txs dropped at block time because they no longer fitted, with the reason. */
  readonly dropped: { hash: Encoded<'th'>; reason: string }[] = [];
  /** Receipts of included force progress txs, by tx hash. */
  readonly #receipts = new Map<Encoded<'th'>, ForceProgressReceipt>();
  /** The contracts of generalized accounts (and their accounts), as the VM sees them. */
  #gaTrees: ChannelTrees = emptyTrees();
  /** Store copies channels keep for their generalized participants, by `channel id:account`. */
  readonly #authStores = new Map<string, AuthStore>();
  /** Auth ids used on chain (hex): an authorization counts once (§4). */
  readonly #usedAuthIds = new Set<string>();

  constructor(options: SimChainOptions) {
    this.#options = options;
    this.networkId = options.networkId;
    this.#verifier = options.verifier ?? createTransactionVerifier();
    this.#beneficiary = options.ids.next('beneficiary');
    this.#recordBlock(0n);
    this.#blockMode = options.blockMode;
    this.#armInterval();
  }

  /** Current top height (the genesis block is height 0). */
  get height(): bigint {
    return this.#height;
  }

  /** The current block mode. */
  get blockMode(): BlockMode {
    return this.#blockMode;
  }

  /** Switches the block mode (e.g. to `instant` for a test, `manual` for a transcript). */
  setBlockMode(mode: BlockMode): void {
    this.#blockMode = mode;
    this.#armInterval();
    if (mode.mode === 'instant') this.#scheduleInstant();
  }

  /** Hash of the key block at `height`, if it exists (not for heights skipped by a long jump). */
  keyBlockHash(height: bigint): Encoded<'kh'> | undefined {
    return this.#blockHashes.get(height);
  }

  /** Height of a key block hash, if known. */
  heightOf(hash: string): bigint | undefined {
    return this.#blockHeights.get(hash as Encoded<'kh'>);
  }

  #recordBlock(height: bigint): Encoded<'kh'> {
    const hash = encode(this.#options.ids.next('block'), 'kh');
    this.#blockTimes.set(height, BigInt(this.#options.clock.now()));
    this.#blockHashes.set(height, hash);
    this.#blockHeights.set(hash, height);
    return hash;
  }

  /**
   * The environment a channel contract sees when pinned to a key block (CONTRACTS.md §2.8,
   * PROTOCOL.md §10.3): its height, time (key block time + 1 ms), beneficiary, difficulty,
   * the network id, earlier key block hashes and on-chain balances. An unknown or zero hash
   * means the current top.
   * @param blockHash - the pinned key block
   * @returns the chain view of `@aechannel/fate`
   */
  view(blockHash?: string): ChainView {
    const pinned = blockHash === undefined ? undefined : this.#blockHeights.get(blockHash as Encoded<'kh'>);
    return this.viewAt(pinned ?? this.#height);
  }

  /** The environment of the key block at `height` (see {@link SimChain.view}). */
  viewAt(height: bigint): ChainView {
    const time = this.#blockTimes.get(height) ?? BigInt(this.#options.clock.now());
    return {
      height,
      timestamp: time + 1n,
      beneficiary: this.#beneficiary,
      difficulty: DIFFICULTY,
      networkId: this.networkId,
      keyBlockHash: (h: bigint) => {
        if (h >= height) return undefined;
        const hash = this.#blockHashes.get(h);
        return hash === undefined ? undefined : decode(hash, 'kh');
      },
      balance: (pubkey: Uint8Array) => this.#accounts.get(encode(pubkey, 'ak'))?.balance,
      isContract: () => false,
      isOracle: () => false,
      isPayable: () => true,
    };
  }

  /** The GA state of an account (`undefined` for a basic or unknown one). */
  gaOf(address: Encoded<'ak'>): GaAuth | undefined {
    return this.#accounts.get(address)?.ga;
  }

  #authContext(trees: ChannelTrees = this.#gaTrees): AuthenticationContext {
    return {
      networkId: this.networkId,
      protocol: this.#options.protocol ?? 6,
      rules: this.#options.fateRules ?? 'ceres',
      chain: this.viewAt(this.#height),
      trees,
      gaOf: (account) => this.gaOf(account),
      // the store copy a channel keeps of a generalized participant's contract store
      channelStore: (channelId, account) => this.#authStores.get(`${channelId}:${account}`),
      verifyTransaction: (tx, options) => this.#verifier.verifyTransaction(tx, options),
    };
  }

  /**
   * Who authenticated a tx (§3.2, `generalized.ts`): basic accounts by signature, generalized
   * ones by a GA meta layer their auth function accepts on the current chain (its writes dropped).
   * @param signedTx - the tx
   * @param expected - the accounts that should have authenticated (so far)
   * @returns the verdict with the failures
   */
  authenticate(signedTx: Encoded<'tx'>, expected: readonly Encoded<'ak'>[]): Promise<AuthenticationResult> {
    return authenticate(signedTx, expected, this.#authContext());
  }

  /** An account (a copy), or `undefined` if it does not exist. */
  getAccount(address: Encoded<'ak'>): ChainAccount | undefined {
    const account = this.#accounts.get(address);
    return account === undefined ? undefined : { ...account };
  }

  /** Every account (copies). */
  accounts(): Map<Encoded<'ak'>, ChainAccount> {
    return new Map([...this.#accounts].map(([k, v]) => [k, { ...v }]));
  }

  /** Adds `amount` to an account, creating it if needed (a faucet; not a transaction). */
  fund(address: Encoded<'ak'>, amount: bigint): void {
    const account = this.#accounts.get(address) ?? { balance: 0n, nonce: 0n };
    account.balance += amount;
    this.#accounts.set(address, account);
  }

  /** A channel object (a copy), or `undefined`. */
  getChannel(id: Encoded<'ch'>): ChainChannel | undefined {
    const channel = this.#channels.get(id);
    return channel === undefined ? undefined : { ...channel };
  }

  /** Every channel object (copies). */
  channels(): ChainChannel[] {
    return [...this.#channels.values()].map((c) => ({ ...c }));
  }

  /** Txs waiting in the mempool. */
  mempool(): { hash: Encoded<'th'>; signedTx: Encoded<'tx'>; tx: Tx }[] {
    return [...this.#mempool.values()].map(({ hash, signedTx, tx }) => ({ hash, signedTx, tx }));
  }

  /** The receipt of an included force progress tx (CONTRACTS.md §3.3), if any. */
  forceProgressReceipt(hash: Encoded<'th'>): ForceProgressReceipt | undefined {
    return this.#receipts.get(hash);
  }

  /** Where a tx was included, if it was. */
  getTx(hash: Encoded<'th'>): IncludedTx | undefined {
    return this.#included.get(hash);
  }

  /** The next nonce of an account: highest pending nonce + 1, else on-chain nonce + 1; 0 for a generalized account (§5.6). */
  nextNonce(address: Encoded<'ak'>): bigint {
    if (this.gaOf(address) !== undefined) return 0n;
    let nonce = this.#accounts.get(address)?.nonce ?? 0n;
    for (const pending of this.#mempool.values()) if (pending.account === address && pending.nonce > nonce) nonce = pending.nonce;
    return nonce + 1n;
  }

  /** Subscribes to new blocks; returns the unsubscribe function. */
  onBlock(listener: (event: BlockEvent) => void): () => void {
    if (!this.#listeners.has(listener)) this.#listeners.set(listener, this.#nextSeq++);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Subscribes to the blocks that include txs of one channel (the create tx counts for the
   * channel it creates). Each block indexes its txs by channel id once when it is built, so
   * a block costs a listener nothing unless it concerns its channel. Listeners of both kinds
   * are called in subscription order, as if all had subscribed with {@link SimChain.onBlock}.
   * @returns the unsubscribe function
   */
  onChannelBlock(channelId: Encoded<'ch'>, listener: ChannelBlockListener): () => void {
    const subscription = { seq: this.#nextSeq++, listener };
    let set = this.#channelListeners.get(channelId);
    if (set === undefined) {
      set = new Set();
      this.#channelListeners.set(channelId, set);
    }
    set.add(subscription);
    return () => {
      const current = this.#channelListeners.get(channelId);
      if (current === undefined || !current.delete(subscription)) return;
      if (current.size === 0) this.#channelListeners.delete(channelId);
    };
  }

  /**
   * Calls `callback` once the tx is `depth` blocks deep (top − inclusion height ≥ depth).
   * @returns a function that cancels the watch
   */
  watchDepth(hash: Encoded<'th'>, depth: bigint, callback: (height: bigint) => void): () => void {
    const watch: DepthWatch = { hash, depth, callback };
    this.#depthWatches.add(watch);
    this.#scheduleInstant();
    return () => this.#depthWatches.delete(watch);
  }

  /**
   * Calls `callback` once the top height is at least `height`.
   * @returns a function that cancels the watch
   */
  watchHeight(height: bigint, callback: () => void): () => void {
    const watch: HeightWatch = { height, callback };
    this.#heightWatches.add(watch);
    this.#scheduleInstant();
    return () => this.#heightWatches.delete(watch);
  }

  /**
   * Posts a signed tx to the mempool after checking it (§3.2, §10.4).
   * @param signedTx - the signed tx
   * @param onPooled - called once the mempool acknowledged the tx (after the simulated
   *   latency), before instant mode mines it
   * @returns its hash
   * @throws {DevnodeError} `DEVNODE_TX_REJECTED` naming the rule that failed
   */
  async post(signedTx: Encoded<'tx'>, onPooled?: () => void): Promise<Encoded<'th'>> {
    let unwrapped: UnwrappedTx;
    try {
      unwrapped = unwrapSignedTx(signedTx);
    } catch (cause) {
      if (!isAechannelError(cause)) throw cause;
      return reject('undecodable');
    }
    const { tx } = unwrapped;
    if (!channelTags.has(tx.tag) && !(tx.tag === Tag.GaAttachTx && unwrapped.layers.length === 0)) {
      reject('only channel transactions and ga_attach are simulated', { tag: tx.tag });
    }
    const hash = txHash(signedTx);
    // A create tx is posted once, by the initiator's FSM (§9.2 step 11). The same create tx
    // again comes from a second channel opened with identical parameters and nonce: it is
    // refused like any tx reusing a nonce (nonce already in the mempool, or too low once
    // mined), so that channel fails at once instead of waiting for an inclusion.
    if ((this.#mempool.has(hash) || this.#included.has(hash)) && tx.tag !== Tag.ChannelCreateTx) return hash;
    const pending = tx.tag === Tag.GaAttachTx ? await this.#checkAttach(hash, signedTx, unwrapped, tx) : await this.#check(hash, signedTx, unwrapped);
    this.#mempool.set(hash, pending);
    this.#options.later(() => {
      onPooled?.();
      this.#scheduleInstant(true);
    });
    return hash;
  }

  /** A `ga_attach` (tag 80): a basic account's own tx; the contract must deploy (`attachGaContract`). */
  async #checkAttach(hash: Encoded<'th'>, signedTx: Encoded<'tx'>, unwrapped: UnwrappedTx, tx: TxOf<typeof Tag.GaAttachTx>): Promise<Pending> {
    if (tx.ttl !== 0n && tx.ttl < this.#height + 1n) reject('ttl expired', { ttl: tx.ttl });
    const account = this.#accounts.get(tx.ownerId);
    if (account === undefined) return reject('unknown account', { account: tx.ownerId });
    if (account.ga !== undefined) reject('the account is already generalized', { account: tx.ownerId });
    const verified = await this.#verifier.verifyTransaction(signedTx, { networkId: this.networkId, signers: [tx.ownerId] });
    if (!verified.valid) reject('bad signatures', { missing: verified.missing, extra: verified.extra.length });
    this.#checkNonce(tx.ownerId, account.nonce, tx.nonce);
    if (account.balance < tx.fee + tx.gas * tx.gasPrice) reject('balance too low for fee and gas');
    const trial = this.#attach(tx);
    if (trial.returnType !== 'ok') reject('init failed', { returnType: trial.returnType });
    return {
      hash, signedTx, tx, channelId: '' as Encoded<'ch'>, account: tx.ownerId, nonce: tx.nonce,
      payloadRound: undefined, payloadStateHash: undefined, poiBalances: undefined, unwrapped, ga: false,
    };
  }

  /** Runs a `ga_attach` on the chain's contracts; `DEVNODE_TX_REJECTED` for what the node refuses. */
  #attach(tx: TxOf<typeof Tag.GaAttachTx>): ReturnType<typeof attachGaContract> {
    try {
      return attachGaContract(this.#gaTrees, {
        owner: tx.ownerId, nonce: tx.nonce, code: tx.code, authFun: tx.authFun, ctVersion: tx.ctVersion, callData: tx.callData,
        gas: tx.gas, gasPrice: tx.gasPrice, chain: this.viewAt(this.#height), rules: this.#options.fateRules ?? 'ceres',
      });
    } catch (cause) {
      if (!isAechannelError(cause)) throw cause;
      const reason = (cause.context as { reason?: unknown } | undefined)?.reason;
      return reject(typeof reason === 'string' ? reason : cause.code, { code: cause.code });
    }
  }

  async #check(hash: Encoded<'th'>, signedTx: Encoded<'tx'>, unwrapped: UnwrappedTx): Promise<Pending> {
    const { tx } = unwrapped;
    const t = tx as TxOf<typeof Tag.ChannelDepositTx> & { ttl: bigint; fee: bigint; nonce: bigint };
    if (t.ttl !== 0n && t.ttl < this.#height + 1n) reject('ttl expired', { ttl: t.ttl });
    let account: Encoded<'ak'>;
    let signers: Encoded<'ak'>[];
    let channel: ChainChannel | undefined;
    let channelId: Encoded<'ch'>;
    if (tx.tag === Tag.ChannelCreateTx) {
      // §4: a generalized initiator's channel id takes the auth id of its layer.
      let nonceOrAuthId: bigint | Uint8Array = tx.nonce;
      if (this.gaOf(tx.initiatorId) !== undefined) {
        nonceOrAuthId = layerAuthId(unwrapped, tx.initiatorId) ?? reject('missing authentication', { account: tx.initiatorId });
      }
      channelId = computeChannelId(tx.initiatorId, nonceOrAuthId, tx.responderId);
      account = tx.initiatorId;
      signers = [tx.initiatorId, tx.responderId];
    } else {
      const c = tx as { channelId: Encoded<'ch'> };
      channelId = c.channelId;
      channel = this.#channels.get(c.channelId);
      if (channel === undefined || channel.closedAt !== undefined) return reject('unknown or closed channel', { channelId: c.channelId });
      account = tx.tag === Tag.ChannelWithdrawTx ? tx.toId : (tx as { fromId: Encoded<'ak'> }).fromId;
      if (account !== channel.initiatorId && account !== channel.responderId) reject('not a participant', { account });
      const mutual = tx.tag === Tag.ChannelDepositTx || tx.tag === Tag.ChannelWithdrawTx || tx.tag === Tag.ChannelCloseMutualTx;
      signers = mutual ? [channel.initiatorId, channel.responderId] : [account];
    }
    const verified = await this.authenticate(signedTx, signers);
    if (!verified.valid) {
      const layer = verified.failures.find((f) => f.kind === 'layer');
      if (layer !== undefined && layer.kind === 'layer') reject('authentication failed', { account: layer.gaId, authReason: layer.reason });
      reject('bad signatures', { missing: verified.failures.flatMap((f) => (f.kind === 'signatures' ? f.missing : [])), extra: verified.extra });
    }
    const onChain = this.#accounts.get(account);
    if (onChain === undefined) reject('unknown account', { account });
    const ga = onChain?.ga !== undefined;
    if (ga) {
      // §5.6: a generalized account's txs carry nonce 0; its meta layer stands for the nonce.
      if (t.nonce !== 0n) reject('nonce of a generalized account must be 0', { nonce: t.nonce });
    } else {
      this.#checkNonce(account, onChain?.nonce ?? 0n, t.nonce);
    }
    if (unwrapped.layers.length > 0) {
      const pendingIds = new Set([...this.#mempool.values()].flatMap((p) => p.unwrapped.layers.map(authIdHex)));
      for (const layer of unwrapped.layers) {
        const id = authIdHex(layer);
        if (this.#usedAuthIds.has(id) || pendingIds.has(id)) reject('auth id already used', { account: layer.gaId });
      }
    }
    const pending: Pending = {
      hash,
      signedTx,
      tx,
      channelId,
      account,
      nonce: t.nonce,
      payloadRound: undefined,
      payloadStateHash: undefined,
      poiBalances: undefined,
      unwrapped,
      ga,
    };
    if (tx.tag === Tag.ChannelForceProgressTx) {
      await this.#checkPayload(pending, tx.payload, channel as ChainChannel);
      pending.forceProgress = this.#checkForceProgress(tx, channel as ChainChannel);
    }
    if (tx.tag === Tag.ChannelCloseSoloTx || tx.tag === Tag.ChannelSlashTx || tx.tag === Tag.ChannelSnapshotSoloTx) {
      await this.#checkPayload(pending, tx.payload, channel as ChainChannel);
      if (tx.tag !== Tag.ChannelSnapshotSoloTx) {
        let poiHash: Encoded<'st'>;
        try {
          poiHash = poiStateHash(tx.poi);
          pending.poiBalances = getPoiBalances(tx.poi);
        } catch (cause) {
          if (!isAechannelError(cause)) throw cause;
          return reject('invalid poi');
        }
        const expected = pending.payloadStateHash ?? (channel as ChainChannel).stateHash;
        if (poiHash !== expected) reject('poi does not prove the payload state', { poiHash, expected });
      }
    }
    this.#applicable(pending, this.#height + 1n);
    return pending;
  }

  /** A basic account's nonce (§5.6): above its nonce on chain, and not taken by a tx in the mempool. */
  #checkNonce(account: Encoded<'ak'>, onChainNonce: bigint, nonce: bigint): void {
    if (nonce <= onChainNonce) reject('nonce too low', { nonce });
    for (const other of this.#mempool.values()) {
      if (other.account === account && !other.ga && other.nonce === nonce) reject('nonce already used in the mempool', { nonce });
    }
  }

  /** The checks of CONTRACTS.md §3.2 that do not depend on the chain state. */
  #checkForceProgress(tx: TxOf<typeof Tag.ChannelForceProgressTx>, channel: ChainChannel): ForceProgressCheck {
    let update: ReturnType<typeof deserializeObject>;
    try {
      update = deserializeObject(tx.update);
    } catch (cause) {
      if (!isAechannelError(cause)) throw cause;
      return reject('undecodable update');
    }
    if (update.tag !== Tag.ChannelOffChainUpdateCallContract) return reject('the update is not a contract call');
    const call = update as CallUpdate;
    if (call.caller !== tx.fromId) reject('the caller is not the poster');
    if (tx.fromId !== channel.initiatorId && tx.fromId !== channel.responderId) reject('the caller is not a participant');
    let trees: ChannelTrees;
    try {
      trees = treesFromStateTrees(tx.offChainTrees);
    } catch (cause) {
      if (!isAechannelError(cause)) throw cause;
      return reject('undecodable off-chain trees');
    }
    const contract = trees.contracts.get(hex(decode(call.contract, 'ct')));
    if (contract === undefined) return reject('the contract is not in the off-chain trees');
    if (BigInt(contract.abi) !== call.abiVersion) reject('wrong abi version');
    if (!CALLABLE_VMS[this.#options.protocol ?? 6].includes(contract.vm)) reject('the vm version cannot be called at this protocol');
    // base gas 450 000 + 20 per byte of the tx (§5.2), and the call's own gas
    const gasLimit = feeGas(tx) + call.gas;
    if (gasLimit > BLOCK_GAS_LIMIT) reject('gas limit above the block gas limit', { gasLimit });
    return { update: call, trees, treesHash: stateHash(trees) };
  }

  async #checkPayload(pending: Pending, payload: Uint8Array, channel: ChainChannel): Promise<void> {
    const tag = pending.tx.tag;
    if (payload.length === 0) {
      if (tag === Tag.ChannelSnapshotSoloTx || tag === Tag.ChannelSlashTx) reject('payload required');
      return;
    }
    const payloadTx = encode(payload, 'tx');
    let inner: Tx;
    try {
      inner = unwrapSignedTx(payloadTx).tx;
    } catch (cause) {
      if (!isAechannelError(cause)) throw cause;
      return reject('undecodable payload');
    }
    if (inner.tag !== Tag.ChannelOffChainTx || inner.channelId !== channel.id) reject('payload is not an off-chain tx of this channel');
    const offChain = inner as TxOf<typeof Tag.ChannelOffChainTx>;
    // (generalized participants: their layers, authorized against the channel's store copies)
    const verified = await this.authenticate(payloadTx, [channel.initiatorId, channel.responderId]);
    if (!verified.valid) reject('payload is not co-signed');
    pending.payloadRound = offChain.round;
    pending.payloadStateHash = offChain.stateHash;
  }

  /** Checks the state rules of §10.4 for a tx included at `height`; throws when it does not fit. */
  #applicable(p: Pending, height: bigint): void {
    const tx = p.tx;
    const account = this.#accounts.get(p.account);
    if (account === undefined) return reject('unknown account');
    const fee = (tx as { fee: bigint }).fee;
    // Each generalized account pays its meta tx's fee and gas up front (§2.9).
    for (const layer of p.unwrapped.layers) {
      const ga = this.#accounts.get(layer.gaId);
      if (ga === undefined || ga.balance < layer.fee + layer.gas * layer.gasPrice) reject('balance too low for the meta tx', { account: layer.gaId });
    }
    switch (tx.tag) {
      case Tag.GaAttachTx:
        if (account.ga !== undefined) reject('the account is already generalized');
        if (account.balance < tx.fee + tx.gas * tx.gasPrice) reject('balance too low for fee and gas');
        return;
      case Tag.ChannelCreateTx: {
        const responder = this.#accounts.get(tx.responderId);
        if (responder === undefined) reject('unknown responder');
        if (account.balance < tx.initiatorAmount + fee) reject('initiator balance too low');
        if ((responder?.balance ?? 0n) < tx.responderAmount) reject('responder balance too low');
        if (tx.initiatorAmount < tx.channelReserve || tx.responderAmount < tx.channelReserve) reject('amount below reserve');
        if (this.#channels.has(p.channelId)) reject('channel exists');
        return;
      }
      case Tag.ChannelDepositTx:
      case Tag.ChannelWithdrawTx: {
        const channel = this.#activeChannel(tx.channelId);
        if (channel.lockedUntil !== 0n) reject('channel is closing');
        if (tx.round <= channel.round) reject('round too low', { round: tx.round, onChain: channel.round });
        if (tx.tag === Tag.ChannelDepositTx && account.balance < tx.amount + fee) reject('balance too low');
        if (tx.tag === Tag.ChannelWithdrawTx) {
          if (channel.channelAmount < tx.amount) reject('withdrawal exceeds the channel amount');
          if (account.balance + tx.amount < fee) reject('balance too low for the fee');
        }
        return;
      }
      case Tag.ChannelCloseMutualTx: {
        const channel = this.#activeChannel(tx.channelId);
        if (channel.channelAmount < tx.initiatorAmountFinal + tx.responderAmountFinal + fee) reject('finals exceed the channel amount');
        return;
      }
      case Tag.ChannelCloseSoloTx:
      case Tag.ChannelSlashTx: {
        const channel = this.#activeChannel(tx.channelId);
        if (account.balance < fee) reject('balance too low');
        if (tx.tag === Tag.ChannelCloseSoloTx && channel.lockedUntil !== 0n) reject('channel already closing');
        if (tx.tag === Tag.ChannelSlashTx && channel.lockedUntil === 0n) reject('channel is not closing');
        if (tx.tag === Tag.ChannelSlashTx && height > channel.lockedUntil) reject('lock period is over');
        if (p.payloadRound !== undefined && p.payloadRound <= channel.round) reject('payload round too low');
        if (p.payloadRound === undefined && tx.tag === Tag.ChannelCloseSoloTx && channel.round === 0n) reject('no state');
        const poi = p.poiBalances ?? {};
        const sum = (poi[channel.initiatorId] ?? 0n) + (poi[channel.responderId] ?? 0n);
        if (sum > channel.channelAmount) reject('poi balances exceed the channel amount');
        return;
      }
      case Tag.ChannelSettleTx: {
        const channel = this.#activeChannel(tx.channelId);
        if (account.balance < fee) reject('balance too low');
        if (channel.lockedUntil === 0n) reject('channel is not closing');
        if (height <= channel.lockedUntil) reject('channel is still locked', { lockedUntil: channel.lockedUntil });
        if (tx.initiatorAmountFinal !== channel.initiatorAmount || tx.responderAmountFinal !== channel.responderAmount) {
          reject('amounts differ from the recorded ones');
        }
        return;
      }
      case Tag.ChannelSnapshotSoloTx: {
        const channel = this.#activeChannel(tx.channelId);
        if (account.balance < fee) reject('balance too low');
        if (channel.lockedUntil !== 0n) reject('channel is closing');
        if ((p.payloadRound ?? 0n) <= channel.round) reject('payload round too low');
        return;
      }
      case Tag.ChannelForceProgressTx: {
        const channel = this.#activeChannel(tx.channelId);
        const fp = p.forceProgress as ForceProgressCheck;
        if (channel.lockedUntil !== 0n && height > channel.lockedUntil) reject('lock period is over');
        if (tx.round <= channel.round) reject('round too low', { round: tx.round, onChain: channel.round });
        const baseRound = p.payloadRound ?? channel.round;
        const baseHash = p.payloadStateHash ?? channel.stateHash;
        if (baseRound !== tx.round - 1n) reject('the round does not follow the base state', { baseRound });
        if (fp.treesHash !== baseHash) reject('invalid_poi_hash');
        if (account.balance < fee + fp.update.gas * fp.update.gasPrice) reject('balance too low for fee and gas');
        return;
      }
      default:
        reject('unsupported transaction');
    }
  }

  #activeChannel(id: Encoded<'ch'>): ChainChannel {
    const channel = this.#channels.get(id);
    if (channel === undefined || channel.closedAt !== undefined) return reject('unknown or closed channel', { channelId: id });
    return channel;
  }

  /**
   * Processes the GA meta layers of a tx in a block (§2.9), outermost first: each auth
   * function runs again on the chain's contracts and what it writes is kept; each account
   * pays its meta fee and the gas used. Nothing changes when one fails (it throws).
   */
  #applyLayers(p: Pending): void {
    const layers = p.unwrapped.layers;
    if (layers.length === 0) return;
    let trees = this.#gaTrees;
    const charges: { account: Encoded<'ak'>; amount: bigint; id: string }[] = [];
    for (const [index, layer] of layers.entries()) {
      const run = runLayer(p.unwrapped, index, this.#authContext(trees), true);
      if (!run.ok) reject('authentication failed', { account: layer.gaId, authReason: run.reason });
      trees = run.trees;
      charges.push({ account: layer.gaId, amount: layer.fee + run.gasUsed * layer.gasPrice, id: authIdHex(layer) });
    }
    for (const charge of charges) {
      if (this.#usedAuthIds.has(charge.id)) reject('auth id already used', { account: charge.account });
      const account = this.#accounts.get(charge.account);
      if (account === undefined || account.balance < charge.amount) reject('balance too low for the meta tx', { account: charge.account });
    }
    this.#gaTrees = trees;
    for (const charge of charges) {
      (this.#accounts.get(charge.account) as ChainAccount).balance -= charge.amount;
      this.#usedAuthIds.add(charge.id);
    }
  }

  #apply(p: Pending, height: bigint): void {
    const tx = p.tx;
    const account = this.#accounts.get(p.account) as ChainAccount;
    const fee = (tx as { fee: bigint }).fee;
    if (!p.ga) account.nonce = p.nonce;
    const credit = (id: Encoded<'ak'>, amount: bigint): void => {
      const a = this.#accounts.get(id) ?? { balance: 0n, nonce: 0n };
      a.balance += amount;
      this.#accounts.set(id, a);
    };
    switch (tx.tag) {
      case Tag.GaAttachTx: {
        const result = this.#attach(tx);
        account.balance -= tx.fee + result.gasUsed * tx.gasPrice;
        if (result.returnType === 'ok') {
          this.#gaTrees = result.trees;
          account.ga = { contract: result.contract, authFun: tx.authFun };
        }
        return;
      }
      case Tag.ChannelCreateTx: {
        account.balance -= tx.initiatorAmount + fee;
        credit(tx.responderId, -tx.responderAmount);
        const id = p.channelId;
        // §2.10 initiator_auth/responder_auth: a copy of each generalized participant's
        // contract store (after its authorization of this tx) for the off-chain authorizations.
        for (const participant of [tx.initiatorId, tx.responderId]) {
          const ga = this.gaOf(participant);
          const record = ga === undefined ? undefined : this.#gaTrees.contracts.get(hex(decode(ga.contract, 'ct')));
          if (record !== undefined) this.#authStores.set(`${id}:${participant}`, record.store);
        }
        this.#channels.set(id, {
          id,
          initiatorId: tx.initiatorId,
          responderId: tx.responderId,
          channelAmount: tx.initiatorAmount + tx.responderAmount,
          initiatorAmount: tx.initiatorAmount,
          responderAmount: tx.responderAmount,
          channelReserve: tx.channelReserve,
          stateHash: tx.stateHash,
          round: 1n,
          soloRound: 0n,
          lockPeriod: tx.lockPeriod,
          lockedUntil: 0n,
          closedAt: undefined,
        });
        return;
      }
      case Tag.ChannelDepositTx:
      case Tag.ChannelWithdrawTx: {
        const channel = this.#channels.get(tx.channelId) as ChainChannel;
        const sign = tx.tag === Tag.ChannelDepositTx ? 1n : -1n;
        channel.channelAmount += sign * tx.amount;
        account.balance += -sign * tx.amount - fee;
        channel.round = tx.round;
        channel.stateHash = tx.stateHash;
        channel.soloRound = 0n;
        return;
      }
      case Tag.ChannelCloseMutualTx: {
        const channel = this.#channels.get(tx.channelId) as ChainChannel;
        credit(channel.initiatorId, tx.initiatorAmountFinal);
        credit(channel.responderId, tx.responderAmountFinal);
        channel.closedAt = height;
        return;
      }
      case Tag.ChannelCloseSoloTx:
      case Tag.ChannelSlashTx: {
        const channel = this.#channels.get(tx.channelId) as ChainChannel;
        account.balance -= fee;
        const balances = p.poiBalances ?? {};
        channel.initiatorAmount = balances[channel.initiatorId] ?? 0n;
        channel.responderAmount = balances[channel.responderId] ?? 0n;
        if (p.payloadRound !== undefined && p.payloadStateHash !== undefined) {
          channel.round = p.payloadRound;
          channel.stateHash = p.payloadStateHash;
        }
        channel.soloRound = channel.round;
        channel.lockedUntil = height + channel.lockPeriod;
        return;
      }
      case Tag.ChannelSettleTx: {
        const channel = this.#channels.get(tx.channelId) as ChainChannel;
        account.balance -= fee;
        credit(channel.initiatorId, tx.initiatorAmountFinal);
        credit(channel.responderId, tx.responderAmountFinal);
        channel.closedAt = height;
        return;
      }
      case Tag.ChannelSnapshotSoloTx: {
        const channel = this.#channels.get(tx.channelId) as ChainChannel;
        account.balance -= fee;
        channel.round = p.payloadRound as bigint;
        channel.stateHash = p.payloadStateHash as Encoded<'st'>;
        channel.soloRound = 0n;
        return;
      }
      case Tag.ChannelForceProgressTx:
        this.#applyForceProgress(p, tx, account, height);
        return;
      default:
    }
  }

  /** CONTRACTS.md §3.3: execute, charge, keep the receipt, move the channel when the hash matches. */
  #applyForceProgress(p: Pending, tx: TxOf<typeof Tag.ChannelForceProgressTx>, account: ChainAccount, height: bigint): void {
    const channel = this.#channels.get(tx.channelId) as ChainChannel;
    const { update, trees } = p.forceProgress as ForceProgressCheck;
    let call: CallObject;
    let next: ChannelTrees | undefined;
    try {
      const result = applyUpdate(trees, update, {
        round: tx.round,
        reserve: channel.channelReserve,
        chain: this.viewAt(height),
        rules: this.#options.fateRules ?? 'ceres',
      });
      call = result.calls[0] as CallObject;
      next = result.trees;
    } catch (error) {
      if (!isAechannelError(error)) throw error;
      // §3.3 step 2: an off-chain update error becomes a synthetic failed call.
      call = {
        callerId: tx.fromId,
        callerNonce: tx.round,
        height: tx.round,
        contractId: update.contract,
        gasPrice: update.gasPrice,
        gasUsed: update.gas,
        returnValue: new TextEncoder().encode('invalid_call'),
        returnType: 'error',
        log: [],
      };
    }
    account.balance -= tx.fee + call.gasUsed * call.gasPrice;
    const hashBytes = decode(p.hash, 'th');
    const balanceOf = (t: ChannelTrees, id: Encoded<'ak'>): bigint => t.accounts.get(hex(decode(id, 'ak')))?.balance ?? 0n;
    const i = next === undefined ? 0n : balanceOf(next, channel.initiatorId);
    const r = next === undefined ? 0n : balanceOf(next, channel.responderId);
    const applies = next !== undefined && stateHash(next) === tx.stateHash && (channel.lockedUntil === 0n || i + r <= channel.channelAmount);
    this.#receipts.set(p.hash, {
      id: callId(decode(tx.fromId, 'ak'), tx.round, hashBytes),
      call: { ...call, contractId: encode(hashBytes, 'ct') },
      applied: applies,
    });
    if (!applies) return;
    channel.stateHash = tx.stateHash;
    channel.round = tx.round;
    channel.initiatorAmount = i;
    channel.responderAmount = r;
    if (channel.soloRound === 0n || (tx.payload.length > 0 && height >= SOLO_ROUND_RESET_HEIGHT)) channel.soloRound = tx.round;
    if (channel.lockedUntil !== 0n) channel.lockedUntil = height + channel.lockPeriod;
  }

  /**
   * Mines `count` blocks (the first takes the mempool), notifying listeners and watchers.
   * @returns the block events
   */
  mine(count = 1): BlockEvent[] {
    const events: BlockEvent[] = [];
    for (let i = 0; i < count; i += 1) events.push(this.#mineOne(true));
    return events;
  }

  /**
   * Mines empty blocks up to `height` (the mempool stays), then notifies once.
   * Used by instant mode to satisfy confirmation watchers in one step.
   */
  advanceTo(height: bigint): void {
    if (height <= this.#height) return;
    // Only the last blocks of a long jump get a hash (a client may ask for 10^12
    // confirmations); pinned block hashes (§10.3) only look a few blocks back.
    if (height - 1n - this.#height > MAX_JUMP_HASHES) this.#height = height - 1n - MAX_JUMP_HASHES;
    while (this.#height < height - 1n) {
      this.#height += 1n;
      this.#recordBlock(this.#height);
    }
    this.#mineOne(false);
  }

  #mineOne(takeMempool: boolean): BlockEvent {
    const height = this.#height + 1n;
    const txs: IncludedTx[] = [];
    const byChannel = new Map<Encoded<'ch'>, IncludedTx[]>();
    if (takeMempool) {
      const ordered = [...this.#mempool.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
      for (const p of ordered) {
        const account = this.#accounts.get(p.account);
        if (!p.ga && account !== undefined && p.nonce > account.nonce + 1n) continue; // a gap: wait
        this.#mempool.delete(p.hash);
        try {
          if (account === undefined || (!p.ga && p.nonce !== account.nonce + 1n)) reject('nonce');
          this.#applicable(p, height);
          this.#applyLayers(p);
        } catch (error) {
          this.dropped.push({ hash: p.hash, reason: error instanceof Error ? error.message : String(error) });
          continue;
        }
        this.#apply(p, height);
        const included: IncludedTx = { hash: p.hash, signedTx: p.signedTx, tx: p.tx, height };
        this.#included.set(p.hash, included);
        txs.push(included);
        const ofChannel = byChannel.get(p.channelId);
        if (ofChannel === undefined) byChannel.set(p.channelId, [included]);
        else ofChannel.push(included);
      }
    }
    this.#height = height;
    const hash = this.#recordBlock(height);
    const event: BlockEvent = { height, hash, txs };
    this.#notify(event, byChannel);
    for (const watch of [...this.#depthWatches]) {
      const included = this.#included.get(watch.hash);
      if (included !== undefined && height - included.height >= watch.depth && this.#depthWatches.delete(watch)) watch.callback(height);
    }
    for (const watch of [...this.#heightWatches]) {
      if (height >= watch.height && this.#heightWatches.delete(watch)) watch.callback();
    }
    this.#scheduleInstant();
    return event;
  }

  /**
   * Calls the block listeners and the listeners of the channels the block has txs of, in
   * subscription order. The set of listeners is fixed before the first call (a listener
   * that unsubscribes another during the dispatch does not stop that one's call).
   */
  #notify(event: BlockEvent, byChannel: Map<Encoded<'ch'>, IncludedTx[]>): void {
    const calls: { seq: number; call: () => void }[] = [];
    for (const [listener, seq] of this.#listeners) calls.push({ seq, call: () => listener(event) });
    for (const [channelId, txs] of byChannel) {
      for (const { seq, listener } of this.#channelListeners.get(channelId) ?? []) calls.push({ seq, call: () => listener(txs, event) });
    }
    if (calls.length > 1) calls.sort((a, b) => a.seq - b.seq);
    for (const { call } of calls) call();
  }

  /** The height instant mode should jump to for the waiting watchers, if any. */
  #wantedHeight(): bigint | undefined {
    let wanted: bigint | undefined;
    const want = (h: bigint): void => {
      if (h > this.#height && (wanted === undefined || h < wanted)) wanted = h;
    };
    for (const watch of this.#depthWatches) {
      const included = this.#included.get(watch.hash);
      if (included !== undefined) want(included.height + watch.depth);
    }
    for (const watch of this.#heightWatches) want(watch.height);
    return wanted;
  }

  /** True when some mempool tx has the next nonce of its account (a tx after a gap waits). */
  #hasMinable(): boolean {
    for (const p of this.#mempool.values()) if (p.ga || p.nonce === (this.#accounts.get(p.account)?.nonce ?? 0n) + 1n) return true;
    return false;
  }

  #scheduleInstant(afterPost = false): void {
    if (this.#blockMode.mode !== 'instant' || this.#mineScheduled) return;
    if (!afterPost && !this.#hasMinable() && this.#wantedHeight() === undefined) return;
    this.#mineScheduled = true;
    this.#options.queue.enqueue(() => {
      this.#mineScheduled = false;
      if (this.#blockMode.mode !== 'instant') return;
      if (this.#hasMinable()) {
        this.#mineOne(true);
        return;
      }
      const wanted = this.#wantedHeight();
      if (wanted !== undefined) this.advanceTo(wanted);
    });
  }

  #armInterval(): void {
    if (this.#intervalHandle !== undefined) this.#options.clock.clearTimeout(this.#intervalHandle);
    this.#intervalHandle = undefined;
    const mode = this.#blockMode;
    if (mode.mode !== 'interval') return;
    const tick = (): void => {
      this.#intervalHandle = this.#options.clock.setTimeout(tick, mode.ms);
      this.#options.queue.enqueue(() => {
        this.#mineOne(true);
      });
    };
    this.#intervalHandle = this.#options.clock.setTimeout(tick, mode.ms);
  }

  /** Stops interval mining. */
  stop(): void {
    if (this.#intervalHandle !== undefined) this.#options.clock.clearTimeout(this.#intervalHandle);
    this.#intervalHandle = undefined;
    this.#blockMode = { mode: 'manual' };
  }
}
