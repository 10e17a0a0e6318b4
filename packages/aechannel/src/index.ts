/**
 * @packageDocumentation
 * `aechannel`: the æternity state channel client users write code against.
 *
 * What it does: a typed `Channel` (open, reconnect, reestablish; transfers, deposits,
 * withdrawals, closing, disputes) that drives the pure protocol reducer of
 * `@aechannel/fsm` over a `@aechannel/transport`, signs through a `@aechannel/signer`,
 * keeps the latest co-signed state in a durable `Store`, watches the chain for stale
 * closes and recovers dropped connections. It also holds the `aechannel` CLI.
 *
 * What it does not do: it does not encode transactions (codec), decide protocol
 * transitions (fsm) or hold keys (signer). All I/O of the SDK lives here.
 *
 * What it may import: every `@aechannel/*` package; no other runtime dependency.
 */
export {
  ChannelError,
  conflictError,
  invalidArgument,
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
  type CallOptions,
  type ChannelClientEvent,
  type ChannelClock,
  type ChannelDriverOptions,
  type ChannelEventType,
  type ChannelParams,
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
export { cliUsage, runCli, type CliIo } from './runCli.js';
