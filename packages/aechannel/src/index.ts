/**
 * @packageDocumentation
 * `aechannel`: the æternity state channel client users write code against.
 *
 * What it does: a typed `Channel` (open, reconnect, reestablish; transfers, deposits,
 * withdrawals, off-chain contracts, closing, disputes) that drives the pure protocol reducer of
 * `@aechannel/fsm` over a `@aechannel/transport`, signs through a `@aechannel/signer`,
 * keeps the latest co-signed state in a durable `Store`, watches the chain for stale
 * closes and recovers dropped connections. It bundles for the browser with no flags: the
 * command-line tools (CLI, examples runner, conformance checker), which reach the devnode and
 * `node:*`, live behind their own entry, `aechannel/cli`.
 *
 * What it does not do: it does not encode transactions (codec), decide protocol
 * transitions (fsm) or hold keys (signer). All I/O of the SDK lives here.
 *
 * What it may import: every `@aechannel/*` package, and `@aeternity/aepp-calldata` (contract
 * ACIs: call data, results, events and state); no other runtime dependency.
 */
export {
  ChannelError,
  conflictError,
  invalidArgument,
  isChannelError,
  nodeError,
  type ChannelErrorCode,
  type ConflictContext,
  type NodeErrorContext,
  type NodeErrorDetail,
} from './errors.js';
export { createConsoleLogger, silentLogger, type ConsoleLoggerOptions, type LogFields, type Logger, type LogLevel } from './logger.js';
export {
  createEmitter,
  type CreateEmitterOptions,
  type Emitter,
  type IterateOptions,
  type Listener,
  type TypedEvent,
} from './createEmitter.js';
export { assertIsStoreKey, type Store, type StoreCallOptions } from './Store.js';
export { createMemoryStore, type MemoryStore } from './createMemoryStore.js';
export {
  createIndexedDbStore,
  INDEXEDDB_STORE_DATABASE,
  type IndexedDbStore,
  type IndexedDbStoreOptions,
} from './createIndexedDbStore.js';
export {
  createFileStore,
  FILE_STORE_FORMAT,
  type FileStoreFs,
  type FileStoreHandle,
  type FileStoreOptions,
} from './createFileStore.js';
export {
  createTranscriptRecorder,
  type TranscriptRecorder,
  type TranscriptTarget,
} from './createTranscriptRecorder.js';
export {
  Channel,
  channelUrl,
  type CallContractParams,
  type CallOptions,
  type ChainEnvProvider,
  type ChannelClientEvent,
  type ChannelClock,
  type ChannelDriverOptions,
  type ChannelEventType,
  type ChannelParams,
  type CheckedContractCall,
  type ContractCallEvent,
  type ContractInfo,
  type ContractOptions,
  type ContractRoundResult,
  type CreateContractParams,
  type CreateContractResult,
  type DepositOptions,
  type DriverEvent,
  type ForceProgressParams,
  type OffchainState,
  type OnChainOptions,
  type OnChainResult,
  type OpenChannelOptions,
  type PeerUpdateDecision,
  type PeerUpdatePolicy,
  type PeerUpdateRequest,
  type ReconnectPolicy,
  type ResumeChannelOptions,
  type TransferOptions,
  type TransportFactory,
  type UpdateResult,
} from './Channel.js';
export { defaultPeerUpdatePolicy, peerUpdateRefusal } from './peerUpdatePolicy.js';
export {
  contractFunctionOf,
  decodeContractState,
  encodeCallData,
  toContractCallResult,
  type CallObjectJsonLike,
  type ContractAci,
  type ContractCallResult,
  type ContractEvent,
} from './contractAci.js';
export { DEFAULT_OPERATION_TIMEOUTS, MAX_STATE_CHECK_INTERVAL_MS, type OperationTimeouts } from './operationTimeouts.js';
export { createWatcher, type OnChainFact, type Watcher, type WatcherEvent, type WatcherHost, type WatcherOptions } from './createWatcher.js';
export {
  CHANNEL_RECORD_FORMAT,
  channelStoreKey,
  decodeChannelRecord,
  encodeChannelRecord,
  type ChannelRecord,
} from './channelRecord.js';
export { verifyChannelRecord } from './verifyChannelRecord.js';
export { toChannelError } from './toChannelError.js';
export { inspectEncoded, toPrintable, type InspectEncodedReturnType } from './inspectEncoded.js';
