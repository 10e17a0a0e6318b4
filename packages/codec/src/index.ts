/**
 * @packageDocumentation
 * `@aechannel/codec`: the bottom layer of aechannel. Prefixed encodings (`ak_`, `tx_`,
 * `ch_`, ...), æternity RLP for every channel transaction, ids, hashes, Merkle-Patricia
 * state hashing, fees, bigint-safe JSON, and the `AechannelError` base every package uses.
 *
 * What it does not do: talk to a node, sign, verify signatures, or keep channel state; it
 * only turns values into bytes and back and computes what the protocol derives from them.
 *
 * It does no I/O and reads no clock or global state. Runtime dependencies: `rlp`,
 * `@noble/hashes`, `@scure/base`, `lossless-json`. No workspace imports.
 */
export { AechannelError, isAechannelError, type AechannelErrorOptions } from './errors.js';
export { parseJson, parseTypedJson, stringifyJson, stringifyTypedJson, type JsonValue, type ParseJsonOptions } from './json.js';
export {
  assertIsEncoded,
  decode,
  encode,
  isEncoded,
  prefixes,
  type Encoded,
  type EncodingErrorCode,
  type Prefix,
} from './encoding.js';
export { Tag } from './tag.js';
export type {
  AccountObject,
  AccountV1,
  AccountV2,
  AccountV3,
  ChannelClientReconnectTx,
  ChannelCloseMutualTx,
  ChannelCloseSoloTx,
  ChannelCreateTx,
  ChannelCreateTxV1,
  ChannelCreateTxV2,
  ChannelObject,
  ChannelDepositTx,
  ChannelForceProgressTx,
  ChannelOffChainTx,
  ChannelOffChainTxV1,
  ChannelOffChainTxV2,
  ChannelOffChainUpdate,
  ChannelOffChainUpdateCallContract,
  ChannelOffChainUpdateCreateContract,
  ChannelOffChainUpdateDeposit,
  ChannelOffChainUpdateMeta,
  ChannelOffChainUpdateTransfer,
  ChannelOffChainUpdateWithdraw,
  ChannelPayoutFields,
  ChannelSetDelegatesTx,
  ChannelSettleTx,
  ChannelSlashTx,
  ChannelSnapshotSoloTx,
  ChannelSoloCloseFields,
  ChannelV1,
  ChannelV2,
  ChannelV3,
  ChannelWithdrawTx,
  ContractCallLogEntry,
  ContractCallObject,
  ContractCallV2,
  ContractCallV3,
  ContractObject,
  ContractObjectV1,
  ContractObjectV2,
  GaAttachTx,
  GaMetaTx,
  GaMetaTxAuthData,
  GaMetaTxV1,
  GaMetaTxV2,
  PayingForTx,
  SignedTx,
  SpendTx,
  Tx,
  TxOf,
} from './tx.js';
export { decodeId, encodeId, ID_SIZE, idPrefix, idTag, idTags, type EncodedId, type IdPrefix } from './id.js';
export { schemaOf, schemas, MAX_NESTING, type ObjectSchema } from './schema.js';
export type { Field, FieldShape, RlpInput, RlpItem } from './fields.js';
export { deserializeObject, serializeObject } from './serializeObject.js';
export { packTx, unpackTx } from './packTx.js';
export {
  addSignatures,
  buildSignedTx,
  compareBytes,
  decodeSignedTx,
  hashSigningPayload,
  SIGNATURE_SIZE,
  signingPayload,
  type DecodeSignedTxReturnType,
  type SignedTxErrorType,
} from './signedTx.js';
export { computeChannelId, computeContractId, hash, txHash } from './hash.js';
export { passesLibsodiumChecks } from './ed25519Rules.js';
export {
  addInnerSignatures,
  authenticatedBytes,
  authId,
  authMode,
  buildUnwrappedTx,
  gaAuthTxHash,
  GA_AUTH_DATA_PROTOCOL,
  MAX_GA_LAYERS,
  unwrapSignedTx,
  wrapInGaMeta,
  type GaAuthTxHashOptions,
  type GaErrorType,
  type GaMetaFields,
  type GaMetaLayer,
  type UnwrappedTx,
} from './ga.js';
export { txTypeName } from './txTypeName.js';
export { decodeFsmId, FSM_ID_SIZE } from './fsmId.js';
export * from './trees.js';
export {
  BYTE_GAS,
  baseGas,
  feeGas,
  fixFee,
  MAX_FEE_ATTEMPTS,
  MIN_MINER_GAS_PRICE,
  minFee,
  PROTOCOL_MIN_GAS_PRICE,
  splitCloseMutualFee,
  TX_BASE_GAS,
  type FeeErrorType,
  type FixFeeParameters,
  type SplitCloseMutualFeeReturnType,
  type TxWithFee,
} from './fees.js';
export {
  DEFAULT_MINIMUM_DEPTH_FACTOR,
  DEFAULT_MINIMUM_DEPTH_PLAIN,
  minimumDepth,
  type MinimumDepthParameters,
} from './minimumDepth.js';
