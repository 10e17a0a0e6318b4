/**
 * @packageDocumentation
 * `aechannel/browser`: the `aechannel` library without its tools, for web apps. It holds
 * everything the main entry exports except the CLI (`runCli`, `cliUsage`), whose examples
 * runner and conformance checker reach the devnode and `node:*` modules. It bundles for
 * the browser with no bundler flags: nothing in it imports `ws`, the devnode or `node:*`
 * (files go through the private `#nodeFs` import, a stand-in in browser bundles).
 *
 * Persistence in a browser: `createIndexedDbStore()`; signing with a non-extractable key:
 * `webCryptoSigner()` from `@aechannel/signer`.
 *
 * The export list matches the main entry minus the CLI (checked in `exports.test.ts`), so
 * once the main entry no longer carries the tools, this entry equals it.
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
