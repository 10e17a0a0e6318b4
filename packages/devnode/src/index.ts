/**
 * @packageDocumentation
 * `@aechannel/devnode`: an embedded simulator of the æternity node side of the state
 * channel WebSocket JSON-RPC API, with a simulated chain.
 *
 * What it does: a WebSocket server on `/channel` that parses and validates the open
 * parameters as the node does (PROTOCOL.md §6), two channel FSMs per channel paired
 * in-process (§9), real channel transactions built with `@aechannel/codec` (fees, nonces,
 * state hashes, PoIs), every client signature verified with `@aechannel/signer`, and a
 * simulated chain (accounts, mempool, blocks, channel objects, confirmations, lock periods;
 * §10). Clocks, block production and keys are injectable/seeded for tests, and faults are
 * opt-in knobs.
 *
 * Contracts: both FSMs hold the full state trees and run every off-chain update, contract
 * creates and calls included, through the FATE VM of `@aechannel/fate`; the chain executes
 * force progress txs.
 *
 * Generalized accounts: a posted `ga_attach` tx deploys the auth contract with the VM; GA
 * participants authenticate every channel tx with a GA meta layer, authorized by running
 * their auth function (PROTOCOL.md §2.9).
 *
 * What it does not do: AEVM contracts, the Noise peer protocol between two real nodes,
 * forks, on-chain oracles/names/other contracts, or any node HTTP API.
 *
 * Imports: `@aechannel/codec`, `@aechannel/fate` (the VM), `@aechannel/signer` (verification, seeded keys),
 * `@aechannel/transport` (in-process memory transport), `ws`, `node:http`, `node:crypto`,
 * `node:fs` (the command line reads its version).
 * Never `@aechannel/fsm`: the devnode is an independent second implementation.
 */
export {
  startDevnode,
  type Devnode,
  type DevnodeChain,
  type DevnodeFaults,
  type StartDevnodeOptions,
} from './startDevnode.js';
export { createManualClock, systemClock, type DevnodeClock, type ManualClock } from './clock.js';
export { compatPresets, resolveCompat, type CompatFlags, type CompatPreset } from './compat.js';
export { deriveAccount, type DevnodeAccount } from './keys.js';
export { DevnodeError, type DevnodeErrorCode } from './errors.js';
export { parseChannelParams, type OpenParams, type ReconnectParams, type ParseChannelParamsResult, type Role } from './params.js';
export { devnodeUsage, devnodeVersion, runDevnodeCli, type DevnodeCliIo, type RunDevnodeCliOptions } from './runDevnodeCli.js';
export type { BlockEvent, BlockMode, ChainAccount, ChainChannel, ForceProgressReceipt, IncludedTx } from './chain.js';
export type { GaAuth } from './generalized.js';
