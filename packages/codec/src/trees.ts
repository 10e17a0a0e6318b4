/**
 * Merkle-Patricia trees and everything built on them (PROTOCOL.md §2.10, §2.11): the
 * state hash, account objects, state trees (`ss_`), calls trees (`cs_`) and proofs of
 * inclusion (`pi_`).
 */
export { ACCOUNT_TAG, packAccount, unpackAccount, type Account, type PackAccountParameters } from './trees/account.js';
export {
  EMPTY_ROOT,
  MAX_LEAF_WALK,
  MerklePatriciaTree,
  decodeNode,
  encodeNode,
  hexPrefix,
  mptGet,
  mptLeaves,
  mptRoot,
  type MptNode,
  type NodeResolver,
  type TreeEntry,
} from './trees/mpt.js';
export { createIncrementalRoot, PersistentTree, type IncrementalRoot } from './trees/persistentTree.js';
export { computeStateHash, stateHashFromRoots, type Balances, type StateRoots } from './trees/stateHash.js';
export {
  EMPTY_CALLS_TREE,
  TreeTag,
  packCallsTree,
  packStateTrees,
  stateTreesHash,
  unpackCallsTree,
  unpackStateTrees,
  type PackStateTreesParameters,
  type StateTrees,
  type TreeName,
  type UnpackStateTreesReturnType,
} from './trees/stateTrees.js';
export {
  POI_TAG,
  buildPoi,
  buildPoiFromTrees,
  getPoiBalances,
  packPoi,
  poiStateHash,
  unpackPoi,
  verifyPoi,
  type Poi,
  type PoiNode,
  type PoiPart,
  type VerifyPoiReturnType,
} from './trees/poi.js';
