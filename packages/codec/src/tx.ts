/**
 * Decoded chain objects (PROTOCOL.md §2.4–§2.10) as plain TypeScript values.
 *
 * Each object is discriminated by `tag` (a {@link Tag} number) and, where several versions
 * exist, by `version`. Field names are the camelCase names of the node's templates, in the
 * same order. Ids are encoded strings with the prefix of their id tag (§1.2), `stateHash` is
 * `st_`, integers are `bigint`, other binaries are `Uint8Array`. Nested serialized
 * transactions (`encodedTx` of a signed tx, `tx` of GA meta and PayingFor) are decoded objects.
 */
import type { Encoded } from './encoding.js';
import type { Tag } from './tag.js';

type AccountId = Encoded<'ak'>;
type ChannelId = Encoded<'ch'>;
type StateHash = Encoded<'st'>;
/** Any id prefix of §1.2. */
type AnyId = Encoded<'ak' | 'nm' | 'cm' | 'ok' | 'ct' | 'ch'>;

/** Signed transaction, §2.4. Zero signatures is the node's "unauthenticated" form. */
export interface SignedTx {
  tag: typeof Tag.SignedTx;
  version: 1;
  /** 64-byte ed25519 signatures, canonically sorted bytewise ascending. */
  signatures: Uint8Array[];
  /** The inner transaction. */
  encodedTx: Tx;
}

/** Spend tx, §2.5. */
export interface SpendTx {
  tag: typeof Tag.SpendTx;
  version: 1;
  senderId: AccountId;
  recipientId: Encoded<'ak' | 'nm' | 'ct' | 'ok'>;
  amount: bigint;
  fee: bigint;
  ttl: bigint;
  nonce: bigint;
  payload: Uint8Array;
}

interface ChannelCreateTxBase {
  tag: typeof Tag.ChannelCreateTx;
  initiatorId: AccountId;
  initiatorAmount: bigint;
  responderId: AccountId;
  responderAmount: bigint;
  channelReserve: bigint;
  lockPeriod: bigint;
  /** 0 means no limit. */
  ttl: bigint;
  fee: bigint;
  /** Initial state (round 1). */
  stateHash: StateHash;
  /** The initiator's account nonce (0 for a generalized account). */
  nonce: bigint;
}

/** Channel create tx v1 (before Iris), §2.6. */
export interface ChannelCreateTxV1 extends ChannelCreateTxBase {
  version: 1;
  delegateIds: AccountId[];
}

/** Channel create tx v2 (Iris and later), §2.6. */
export interface ChannelCreateTxV2 extends ChannelCreateTxBase {
  version: 2;
  initiatorDelegateIds: AccountId[];
  responderDelegateIds: AccountId[];
}

/** Channel create tx, §2.6. */
export type ChannelCreateTx = ChannelCreateTxV1 | ChannelCreateTxV2;

/** Channel deposit tx, §2.6. `stateHash`/`round` are the new off-chain state. */
export interface ChannelDepositTx {
  tag: typeof Tag.ChannelDepositTx;
  version: 1;
  channelId: ChannelId;
  fromId: AccountId;
  amount: bigint;
  ttl: bigint;
  fee: bigint;
  stateHash: StateHash;
  round: bigint;
  /** Nonce of `fromId`. */
  nonce: bigint;
}

/** Channel withdraw tx, §2.6. */
export interface ChannelWithdrawTx {
  tag: typeof Tag.ChannelWithdrawTx;
  version: 1;
  channelId: ChannelId;
  toId: AccountId;
  amount: bigint;
  ttl: bigint;
  fee: bigint;
  stateHash: StateHash;
  round: bigint;
  /** Nonce of `toId`. */
  nonce: bigint;
}

/** The layout of the txs that pay out final amounts: close mutual and settle (§2.6). */
export interface ChannelPayoutFields {
  channelId: ChannelId;
  fromId: AccountId;
  initiatorAmountFinal: bigint;
  responderAmountFinal: bigint;
  ttl: bigint;
  fee: bigint;
  nonce: bigint;
}

/** The layout of the solo txs that carry a state and its PoI: close solo and slash (§2.6). */
export interface ChannelSoloCloseFields {
  channelId: ChannelId;
  fromId: AccountId;
  /** §2.8: empty, or the co-signed off-chain tx. */
  payload: Uint8Array;
  /** The serialized PoI (§2.11). */
  poi: Uint8Array;
  ttl: bigint;
  fee: bigint;
  nonce: bigint;
}

/** Channel close mutual tx, §2.6 (fee paid out of the channel, §5.5). */
export interface ChannelCloseMutualTx extends ChannelPayoutFields {
  tag: typeof Tag.ChannelCloseMutualTx;
  version: 1;
}

/** Channel close solo tx, §2.6. */
export interface ChannelCloseSoloTx extends ChannelSoloCloseFields {
  tag: typeof Tag.ChannelCloseSoloTx;
  version: 1;
}

/** Channel slash tx, §2.6 (layout of close solo). */
export interface ChannelSlashTx extends ChannelSoloCloseFields {
  tag: typeof Tag.ChannelSlashTx;
  version: 1;
}

/** Channel settle tx, §2.6 (layout of close mutual; the amounts are the chain's). */
export interface ChannelSettleTx extends ChannelPayoutFields {
  tag: typeof Tag.ChannelSettleTx;
  version: 1;
}

/** Channel snapshot solo tx, §2.6. */
export interface ChannelSnapshotSoloTx {
  tag: typeof Tag.ChannelSnapshotSoloTx;
  version: 1;
  channelId: ChannelId;
  fromId: AccountId;
  payload: Uint8Array;
  ttl: bigint;
  fee: bigint;
  nonce: bigint;
}

/** Channel force progress tx, §2.6. */
export interface ChannelForceProgressTx {
  tag: typeof Tag.ChannelForceProgressTx;
  version: 1;
  channelId: ChannelId;
  fromId: AccountId;
  payload: Uint8Array;
  /** The new round produced by this forced step. */
  round: bigint;
  /** S(call-contract update, tag 574). */
  update: Uint8Array;
  /** Root hash after applying the update. */
  stateHash: StateHash;
  /** S(state trees, tag 62) before the update. */
  offChainTrees: Uint8Array;
  ttl: bigint;
  fee: bigint;
  nonce: bigint;
}

/** Channel set delegates tx, §2.6. */
export interface ChannelSetDelegatesTx {
  tag: typeof Tag.ChannelSetDelegatesTx;
  version: 1;
  channelId: ChannelId;
  fromId: AccountId;
  initiatorDelegateIds: AccountId[];
  responderDelegateIds: AccountId[];
  payload: Uint8Array;
  stateHash: StateHash;
  round: bigint;
  ttl: bigint;
  fee: bigint;
  nonce: bigint;
}

/** Channel off-chain tx v1 (pre-Fortuna), §2.6: carries the serialized updates. */
export interface ChannelOffChainTxV1 {
  tag: typeof Tag.ChannelOffChainTx;
  version: 1;
  channelId: ChannelId;
  round: bigint;
  updates: Uint8Array[];
  stateHash: StateHash;
}

/** Channel off-chain tx v2 (Fortuna and later), §2.6. */
export interface ChannelOffChainTxV2 {
  tag: typeof Tag.ChannelOffChainTx;
  version: 2;
  channelId: ChannelId;
  round: bigint;
  stateHash: StateHash;
}

/** Channel off-chain tx, §2.6. */
export type ChannelOffChainTx = ChannelOffChainTxV1 | ChannelOffChainTxV2;

/** Off-chain update: transfer, §2.7. */
export interface ChannelOffChainUpdateTransfer {
  tag: typeof Tag.ChannelOffChainUpdateTransfer;
  version: 1;
  from: AccountId;
  to: AccountId;
  amount: bigint;
}

/** Off-chain update: deposit, §2.7. */
export interface ChannelOffChainUpdateDeposit {
  tag: typeof Tag.ChannelOffChainUpdateDeposit;
  version: 1;
  from: AccountId;
  amount: bigint;
}

/** Off-chain update: withdraw, §2.7. */
export interface ChannelOffChainUpdateWithdraw {
  tag: typeof Tag.ChannelOffChainUpdateWithdraw;
  version: 1;
  to: AccountId;
  amount: bigint;
}

/** Off-chain update: create contract, §2.7. `ctVersion = (vm << 16) | abi`. */
export interface ChannelOffChainUpdateCreateContract {
  tag: typeof Tag.ChannelOffChainUpdateCreateContract;
  version: 1;
  owner: AccountId;
  ctVersion: bigint;
  code: Uint8Array;
  deposit: bigint;
  callData: Uint8Array;
}

/** Off-chain update: call contract, §2.7 (in the order the node serializes). */
export interface ChannelOffChainUpdateCallContract {
  tag: typeof Tag.ChannelOffChainUpdateCallContract;
  version: 1;
  caller: AccountId;
  contract: Encoded<'ct'>;
  abiVersion: bigint;
  amount: bigint;
  gas: bigint;
  gasPrice: bigint;
  callData: Uint8Array;
  callStack: bigint[];
}

/** Off-chain update: meta (version 2), §2.7. */
export interface ChannelOffChainUpdateMeta {
  tag: typeof Tag.ChannelOffChainUpdateMeta;
  version: 2;
  data: Uint8Array;
}

/** Any off-chain update object of §2.7. */
export type ChannelOffChainUpdate =
  | ChannelOffChainUpdateTransfer
  | ChannelOffChainUpdateDeposit
  | ChannelOffChainUpdateWithdraw
  | ChannelOffChainUpdateCreateContract
  | ChannelOffChainUpdateCallContract
  | ChannelOffChainUpdateMeta;

/** Channel client reconnect tx (legacy), §2.6. `role` is `initiator` or `responder`. */
export interface ChannelClientReconnectTx {
  tag: typeof Tag.ChannelClientReconnectTx;
  version: 1;
  channelId: ChannelId;
  round: bigint;
  role: string;
  pubKey: AccountId;
}

/** Account v1 (what every off-chain account uses), §2.10. */
export interface AccountV1 {
  tag: typeof Tag.Account;
  version: 1;
  nonce: bigint;
  balance: bigint;
}

/** Account v2 (generalized account), §2.10. */
export interface AccountV2 {
  tag: typeof Tag.Account;
  version: 2;
  flags: bigint;
  nonce: bigint;
  balance: bigint;
  gaContract: Encoded<'ct'>;
  gaAuthFun: Uint8Array;
}

/** Account v3 (Lima and later, non-zero flags), §2.10. */
export interface AccountV3 {
  tag: typeof Tag.Account;
  version: 3;
  flags: bigint;
  nonce: bigint;
  balance: bigint;
}

/** Account, §2.10. */
export type AccountObject = AccountV1 | AccountV2 | AccountV3;

interface ChannelBase {
  tag: typeof Tag.Channel;
  initiatorId: AccountId;
  responderId: AccountId;
  channelAmount: bigint;
  initiatorAmount: bigint;
  responderAmount: bigint;
  channelReserve: bigint;
  stateHash: StateHash;
  round: bigint;
  soloRound: bigint;
  lockPeriod: bigint;
  lockedUntil: bigint;
}

/** Channel on-chain object v1 (to Fortuna), §2.10. */
export interface ChannelV1 extends ChannelBase {
  version: 1;
  delegateIds: AccountId[];
}

/** Channel on-chain object v2 (Fortuna), §2.10. */
export interface ChannelV2 extends ChannelBase {
  version: 2;
  delegateIds: AccountId[];
  initiatorAuth: Uint8Array;
  responderAuth: Uint8Array;
}

/** Channel on-chain object v3 (Iris and later), §2.10. */
export interface ChannelV3 extends ChannelBase {
  version: 3;
  initiatorDelegateIds: AccountId[];
  responderDelegateIds: AccountId[];
  initiatorAuth: Uint8Array;
  responderAuth: Uint8Array;
}

/** Channel on-chain object, §2.10. */
export type ChannelObject = ChannelV1 | ChannelV2 | ChannelV3;

/** Contract v1 (AEVM and FATE_01 contracts), §2.10; CONTRACTS.md §2.5. */
export interface ContractObjectV1 {
  tag: typeof Tag.Contract;
  version: 1;
  owner: Encoded<'ak' | 'ct'>;
  ctVersion: bigint;
  code: Uint8Array;
  /** Always empty. */
  log: Uint8Array;
  active: boolean;
  referrers: AnyId[];
  deposit: bigint;
}

/**
 * Contract v2 ("code ref" version, FATE_02/FATE_03), CONTRACTS.md §2.5: v1 plus `codeRef`,
 * empty for a normal contract and `[ct_ of the original]` for a clone (whose `code` is empty).
 */
export interface ContractObjectV2 {
  tag: typeof Tag.Contract;
  version: 2;
  owner: Encoded<'ak' | 'ct'>;
  ctVersion: bigint;
  code: Uint8Array;
  codeRef: Encoded<'ct'>[];
  /** Always empty. */
  log: Uint8Array;
  active: boolean;
  referrers: AnyId[];
  deposit: bigint;
}

/** Contract, §2.10. */
export type ContractObject = ContractObjectV1 | ContractObjectV2;

/**
 * One log entry of a contract call, §2.10. `address` is the raw 32-byte contract public
 * key, not an id (CONTRACTS.md §2.5, checked against the node).
 */
export interface ContractCallLogEntry {
  address: Uint8Array;
  topics: Uint8Array[];
  data: Uint8Array;
}

interface ContractCallBase {
  tag: typeof Tag.ContractCall;
  callerId: Encoded<'ak' | 'ct'>;
  callerNonce: bigint;
  height: bigint;
  contractId: Encoded<'ct'>;
  gasPrice: bigint;
  gasUsed: bigint;
  returnValue: Uint8Array;
  /** 0 ok, 1 error, 2 revert. */
  returnType: bigint;
  log: ContractCallLogEntry[];
}

/** Contract call v2, §2.10. */
export interface ContractCallV2 extends ContractCallBase {
  version: 2;
}

/** Contract call v3 (Ceres and later), §2.10. */
export interface ContractCallV3 extends ContractCallBase {
  version: 3;
  ctCallId: Uint8Array;
}

/** Contract call, §2.10. */
export type ContractCallObject = ContractCallV2 | ContractCallV3;

/** Generalized-account attach tx, tag 80 v1. */
export interface GaAttachTx {
  tag: typeof Tag.GaAttachTx;
  version: 1;
  ownerId: AccountId;
  nonce: bigint;
  code: Uint8Array;
  authFun: Uint8Array;
  ctVersion: bigint;
  fee: bigint;
  ttl: bigint;
  gas: bigint;
  gasPrice: bigint;
  callData: Uint8Array;
}

/** Generalized-account meta tx v1 (pre-Iris), §2.9. `tx` is the wrapped signed tx. */
export interface GaMetaTxV1 {
  tag: typeof Tag.GaMetaTx;
  version: 1;
  gaId: AccountId;
  authData: Uint8Array;
  abiVersion: bigint;
  fee: bigint;
  gas: bigint;
  gasPrice: bigint;
  ttl: bigint;
  tx: Tx;
}

/** Generalized-account meta tx v2 (Iris and later), §2.9. */
export interface GaMetaTxV2 {
  tag: typeof Tag.GaMetaTx;
  version: 2;
  gaId: AccountId;
  authData: Uint8Array;
  abiVersion: bigint;
  fee: bigint;
  gas: bigint;
  gasPrice: bigint;
  tx: Tx;
}

/** Generalized-account meta tx, §2.9. */
export type GaMetaTx = GaMetaTxV1 | GaMetaTxV2;

/** GA meta tx auth data, §2.9. */
export interface GaMetaTxAuthData {
  tag: typeof Tag.GaMetaTxAuthData;
  version: 1;
  fee: bigint;
  gasPrice: bigint;
  txHash: Uint8Array;
}

/** PayingFor tx, §2.9. */
export interface PayingForTx {
  tag: typeof Tag.PayingForTx;
  version: 1;
  payerId: AccountId;
  nonce: bigint;
  fee: bigint;
  tx: Tx;
}

/** Every object `unpackTx`/`packTx` know, discriminated by `tag` and `version`. */
export type Tx =
  | SignedTx
  | SpendTx
  | ChannelCreateTx
  | ChannelDepositTx
  | ChannelWithdrawTx
  | ChannelCloseMutualTx
  | ChannelCloseSoloTx
  | ChannelSlashTx
  | ChannelSettleTx
  | ChannelSnapshotSoloTx
  | ChannelForceProgressTx
  | ChannelSetDelegatesTx
  | ChannelOffChainTx
  | ChannelOffChainUpdate
  | ChannelClientReconnectTx
  | AccountObject
  | ChannelObject
  | ContractObject
  | ContractCallObject
  | GaAttachTx
  | GaMetaTx
  | GaMetaTxAuthData
  | PayingForTx;

/**
 * The objects with tag `T` (and version `V`, when given).
 * @example type Create = TxOf<typeof Tag.ChannelCreateTx>; // ChannelCreateTxV1 | ChannelCreateTxV2
 */
export type TxOf<T extends Tx['tag'], V extends number = number> = Extract<Tx, { tag: T; version: V }>;
