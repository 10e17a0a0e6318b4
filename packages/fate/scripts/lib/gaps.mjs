// Calls the oracle cannot run: they reach node code outside its pruned set of beams (the
// update fails with `error:undef`) or node data the oracle does not ship (`error:badarg`),
// instead of giving a node result. The generator leaves them out (Scenario.call records
// them in `skipped`); scripts/README.md lists them. The contracts keep these entrypoints so
// they can be checked against other references.
import { BLS_R } from './values.mjs';

const always = () => true;
// MAP_TO_LIST before Iris orders maps with a table the node loads from its data directory
// (aec_fork_block_settings:pre_iris_map_ordering); the oracle has none, so under the
// early_iris preset (protocol lima) every call that runs MAP_TO_LIST fails with badarg.
const mapToListBeforeIris = (_args, preset) => preset === 'early_iris';

/**
 * `<fixture>.<function>` → predicate on the arguments and the preset: true when the oracle
 * cannot run the call.
 */
export const ORACLE_GAPS = {
  // SHA3 (the erlang-sha3 library is not in the oracle).
  'crypto.sha3': always,
  'crypto.string_sha3': always,
  'crypto.sha3_int': always,
  // Ed25519 signature checks (enacl is only a BLAKE2b shim in the oracle).
  'crypto.verify': always,
  'crypto.verify_hash': always,
  // secp256k1 ecverify / ecrecover (the ecrecover library is not in the oracle).
  'crypto.ecverify': always,
  'crypto.ecrecover': always,
  // BLS12-381 (the emcl library is not in the oracle). Field conversions of arguments out of
  // range fail before the library is reached and stay in.
  'crypto.fields': ([x]) => x >= 0n && x < BLS_R,
  'crypto.fr': always,
  'crypto.g1_linear': always,
  'crypto.g1_neg_is_zero': always,
  'crypto.g1_point': always,
  'crypto.bilinear': always,
  'crypto.pairing_check': always,
  'crypto.g2_valid': always,
  'crypto.gt_ops': always,
  // Chain.block_hash reads the node's chain, which the oracle does not have.
  'env.block_hash': always,
  // AENS reads (resolve, lookup) reach name-service code outside the oracle.
  'onchain_ops.resolve': always,
  'onchain_ops.lookup': always,
  // Functions that run MAP_TO_LIST (directly, or in the callee of a remote call).
  'small_maps.names': mapToListBeforeIris,
  'small_maps.local': mapToListBeforeIris,
  'store_maps.keys': mapToListBeforeIris,
  'store_maps.total_length': mapToListBeforeIris,
  'remote_callee.sum': mapToListBeforeIris,
  'remote_caller.round_trip': mapToListBeforeIris,
  'remote_caller.keep': mapToListBeforeIris,
};

/** True when the oracle cannot run `fn(args)` of fixture `fixtureName` under `preset`. */
export function oracleCannotRun(fixtureName, fn, args, preset) {
  const gap = ORACLE_GAPS[`${fixtureName}.${fn}`];
  return gap !== undefined && gap(args, preset);
}
