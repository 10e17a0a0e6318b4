/**
 * @packageDocumentation
 * `@aechannel/transport`: how an aechannel client talks to a node's channel WebSocket API.
 *
 * What it does: a small {@link Transport} interface (send parsed JSON values, receive
 * them as events or an async iterator, close, lifecycle tied to an `AbortSignal`) and
 * its implementations: {@link webSocketTransport} (`ws` in Node, the global `WebSocket`
 * in browsers, picked by package conditions), {@link createMemoryTransportPair} (two
 * in-process ends with link faults) and {@link replayTransport} (plays a recording);
 * the channel URL of PROTOCOL.md §6 ({@link buildChannelUrl}, {@link parseChannelUrl});
 * bigint-safe JSON-RPC 2.0 framing ({@link createJsonRpcClient}); and the wrappers
 * {@link withKeepalive} and {@link withReconnect}.
 *
 * What it does not do: no channel logic (what to send when, the fsm's job), no
 * transaction encoding or signing, no decision about what to send after a reconnect.
 *
 * What it may import: `@aechannel/codec` (errors, bigint-safe JSON, prefixed encodings
 * for URL checks) and, in Node only, `ws` through the private `#websocket` import.
 */
export { type TransportErrorCode, type TransportError } from './errors.js';
export {
  DEFAULT_MAX_FRAME_BYTES,
  type Transport,
  type TransportCloseEvent,
  type TransportEvents,
  type TransportListener,
  type TransportMessagesOptions,
  type TransportReadyState,
} from './transport.js';
export {
  webSocketTransport,
  type WebSocketTransportErrorType,
  type WebSocketTransportOptions,
  type WebSocketTransportReturnType,
} from './webSocketTransport.js';
export {
  createMemoryTransportPair,
  type CreateMemoryTransportPairErrorType,
  type CreateMemoryTransportPairReturnType,
  type LinkDirection,
  type LinkFrame,
  type MemoryLink,
  type MemoryTransportPair,
  type MemoryTransportPairOptions,
} from './createMemoryTransportPair.js';
export {
  replayTransport,
  type ReplaySection,
  type ReplayTransport,
  type ReplayTransportErrorType,
  type ReplayTransportOptions,
  type ReplayTransportReturnType,
} from './replayTransport.js';
export {
  buildChannelUrl,
  parseChannelUrl,
  DEFAULT_CHANNEL_URL,
  type BuildChannelUrlOptions,
  type ChannelOpenParams,
  type ChannelReconnectParams,
  type ChannelReportFlags,
  type ChannelRole,
  type ChannelTimeouts,
  type ChannelUrlErrorType,
  type ChannelUrlParams,
} from './channelUrl.js';
export {
  createJsonRpcClient,
  JsonRpcError,
  type CreateJsonRpcClientErrorType,
  type CreateJsonRpcClientReturnType,
  type JsonRpcCall,
  type JsonRpcClient,
  type JsonRpcClientEvents,
  type JsonRpcClientOptions,
  type JsonRpcErrorContext,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequestOptions,
} from './createJsonRpcClient.js';
export {
  withKeepalive,
  type KeepaliveOptions,
  type WithKeepaliveErrorType,
  type WithKeepaliveReturnType,
} from './withKeepalive.js';
export {
  withReconnect,
  type ReconnectContext,
  type ReconnectedEvent,
  type ReconnectingEvent,
  type ReconnectingTransport,
  type ReconnectingTransportEvents,
  type ReconnectOptions,
  type WithReconnectErrorType,
  type WithReconnectReturnType,
} from './withReconnect.js';
