/**
 * @packageDocumentation
 * `@aechannel/fate`: a FATE virtual machine exact to the æternity node, and the off-chain
 * contract updates of a state channel on top of it. Given the channel's state trees and an
 * update (transfer, deposit, withdraw, create contract, call contract, meta) it returns the
 * new trees and the node's call objects, or a typed error carrying the node's reason.
 *
 * What it does not do: talk to a node, sign, or keep channel state. It is pure: no I/O, no
 * clock, no randomness; chain values come in as a {@link ChainView}.
 *
 * May import: `@aechannel/codec`, `@noble/hashes`, `@noble/curves`, `@scure/base`, `rlp`,
 * `@aeternity/aepp-calldata` (ACI helpers).
 */
export { FateError, type FateErrorCode } from './errors.js';
export { emptyChain, type ChainView } from './chainView.js';
export {
  applyUpdate,
  applyUpdates,
  createdContractId,
  dryRun,
  fateRulesPresets,
  resolveRules,
  type ApplyUpdateResult,
  type ChainRead,
  type FateRules,
  type FateRulesPreset,
  type UpdateContext,
} from './channel.js';
export {
  callId,
  callKey,
  callObjectToJson,
  contractToJson,
  serializeCallObject,
  type CallObject,
  type CallObjectJson,
  type ContractJson,
  type ReturnType,
} from './callObject.js';
export {
  emptyTrees,
  packCtVersion,
  packTrees,
  stateHash,
  treesBalances,
  treesFromBalances,
  treesFromStateTrees,
  treesToStateTrees,
  type ChannelTrees,
  type ContractRecord,
} from './trees.js';
export type { LogEntry } from './engine.js';
export { decodeCallResult, decodeEvent, encodeCallData, type Aci, type DecodedCallResult } from './aci.js';
export { getContractJson } from './contracts.js';
export {
  attachGaContract,
  runGaAuth,
  withContractStore,
  type AttachGaContractParameters,
  type AttachGaContractResult,
  type GaAuthContext,
  type GaAuthFailure,
  type RunGaAuthParameters,
  type RunGaAuthResult,
} from './ga.js';
export { deserializeValue, serializeValue } from './serialize.js';
export type {
  FateBits,
  FateBytes,
  FateContractBytearray,
  FateList,
  FateMap,
  FateObject,
  FateStoreMap,
  FateString,
  FateTuple,
  FateTypeRep,
  FateValue,
  FateVariant,
  ObjectKind,
} from './values.js';
export type { FateType } from './types.js';
