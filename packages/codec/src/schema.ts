/**
 * The object templates of PROTOCOL.md §2.4–§2.10 as one declarative table, and the small
 * engine that walks it in both directions.
 *
 * `S(obj) = rlp([int(tag), int(version), field_1, ..., field_n])` (§2.2). Each row below
 * lists the fields of one tag and version in template order with their field codec
 * (`fields.ts`). `packTx`, `unpackTx`, `serializeObject` and `deserializeObject` all go
 * through {@link decodeObjectItem} and {@link encodeObjectItem}, so there is exactly one
 * description of each layout. Adding a version is adding a row.
 *
 * The `fields` helper is typed against the object's interface in `tx.ts`: every property
 * (except `tag`/`version`) needs a codec of the right value type, so the table and the
 * types cannot drift apart. Field order follows the protocol text and is checked by the
 * fixture and test-vector tests.
 */
import * as RLP from 'rlp';
import { AechannelError, isAechannelError } from './errors.js';
import { binary, bool, encodedBinary, FieldError, id, int, list, record, text, type Field, type RlpInput, type RlpItem } from './fields.js';
import { decodeRlpItem } from './rlp.js';
import { Tag } from './tag.js';
import type * as T from './tx.js';

/** One row of the table: the layout of a tag and version. */
export interface ObjectSchema {
  readonly tag: number;
  readonly version: number;
  /** Object name, e.g. `ChannelCreateTx`. */
  readonly name: string;
  /** Fields in template order. */
  readonly fields: readonly (readonly [name: string, field: Field<unknown>])[];
}

type FieldsOf<O> = { [K in Exclude<keyof O, 'tag' | 'version'>]-?: Field<O[K]> };

function row<O extends T.Tx>(tag: O['tag'], version: O['version'], name: string, fields: FieldsOf<O>): ObjectSchema {
  return { tag, version, name, fields: Object.entries(fields) as [string, Field<unknown>][] };
}

/** Nested serialized objects deeper than this are refused (a GA chain is a few levels). */
export const MAX_NESTING = 16;

/**
 * Decodes RLP bytes strictly (§2.1), linear in the input and with bounded nesting.
 * @internal
 */
export function decodeRlp(bytes: Uint8Array, context: Record<string, unknown> = {}): RlpItem {
  return decodeRlpItem(bytes, context);
}

/** A `binary` field holding a serialized object (§2.4 `transaction`, §2.9 `tx`), decoded. */
const nestedTx: Field<T.Tx> = {
  kind: 'S(tx)',
  shape: { type: 'object' },
  decode(item, depth) {
    if (!(item instanceof Uint8Array)) throw new FieldError('expected a serialized object (a byte string), got a list');
    if (depth >= MAX_NESTING) throw new FieldError(`objects nested more than ${MAX_NESTING} levels`);
    return decodeObjectItem(decodeRlp(item, { nested: true }), depth + 1);
  },
  encode(value) {
    return RLP.encode(encodeObjectItem(value));
  },
};

const account = id('ak');
const channel = id('ch');
const stateHash = encodedBinary('st', 32);
const anyId = id('ak', 'nm', 'cm', 'ok', 'ct', 'ch');
const bytes = binary();

/** The layout close mutual and settle share (§2.6). */
const payoutFields: FieldsOf<T.ChannelPayoutFields> = {
  channelId: channel, fromId: account, initiatorAmountFinal: int, responderAmountFinal: int, ttl: int, fee: int, nonce: int,
};
/** The layout close solo and slash share (§2.6). */
const soloCloseFields: FieldsOf<T.ChannelSoloCloseFields> = {
  channelId: channel, fromId: account, payload: bytes, poi: bytes, ttl: int, fee: int, nonce: int,
};

/** Every object layout we know (§2.4–§2.10). */
export const schemas: readonly ObjectSchema[] = [
  // §2.4
  row<T.SignedTx>(Tag.SignedTx, 1, 'SignedTx', { signatures: list(binary(64)), encodedTx: nestedTx }),
  // §2.5
  row<T.SpendTx>(Tag.SpendTx, 1, 'SpendTx', {
    senderId: account, recipientId: id('ak', 'nm', 'ct', 'ok'), amount: int, fee: int, ttl: int, nonce: int, payload: bytes,
  }),
  // §2.6
  row<T.ChannelCreateTxV1>(Tag.ChannelCreateTx, 1, 'ChannelCreateTx', {
    initiatorId: account, initiatorAmount: int, responderId: account, responderAmount: int, channelReserve: int,
    lockPeriod: int, ttl: int, fee: int, delegateIds: list(account), stateHash, nonce: int,
  }),
  row<T.ChannelCreateTxV2>(Tag.ChannelCreateTx, 2, 'ChannelCreateTx', {
    initiatorId: account, initiatorAmount: int, responderId: account, responderAmount: int, channelReserve: int,
    lockPeriod: int, ttl: int, fee: int, initiatorDelegateIds: list(account), responderDelegateIds: list(account),
    stateHash, nonce: int,
  }),
  row<T.ChannelDepositTx>(Tag.ChannelDepositTx, 1, 'ChannelDepositTx', {
    channelId: channel, fromId: account, amount: int, ttl: int, fee: int, stateHash, round: int, nonce: int,
  }),
  row<T.ChannelWithdrawTx>(Tag.ChannelWithdrawTx, 1, 'ChannelWithdrawTx', {
    channelId: channel, toId: account, amount: int, ttl: int, fee: int, stateHash, round: int, nonce: int,
  }),
  row<T.ChannelCloseMutualTx>(Tag.ChannelCloseMutualTx, 1, 'ChannelCloseMutualTx', payoutFields),
  row<T.ChannelCloseSoloTx>(Tag.ChannelCloseSoloTx, 1, 'ChannelCloseSoloTx', soloCloseFields),
  row<T.ChannelSlashTx>(Tag.ChannelSlashTx, 1, 'ChannelSlashTx', soloCloseFields),
  row<T.ChannelSettleTx>(Tag.ChannelSettleTx, 1, 'ChannelSettleTx', payoutFields),
  row<T.ChannelSnapshotSoloTx>(Tag.ChannelSnapshotSoloTx, 1, 'ChannelSnapshotSoloTx', {
    channelId: channel, fromId: account, payload: bytes, ttl: int, fee: int, nonce: int,
  }),
  row<T.ChannelForceProgressTx>(Tag.ChannelForceProgressTx, 1, 'ChannelForceProgressTx', {
    channelId: channel, fromId: account, payload: bytes, round: int, update: bytes, stateHash, offChainTrees: bytes,
    ttl: int, fee: int, nonce: int,
  }),
  row<T.ChannelSetDelegatesTx>(Tag.ChannelSetDelegatesTx, 1, 'ChannelSetDelegatesTx', {
    channelId: channel, fromId: account, initiatorDelegateIds: list(account), responderDelegateIds: list(account),
    payload: bytes, stateHash, round: int, ttl: int, fee: int, nonce: int,
  }),
  row<T.ChannelOffChainTxV1>(Tag.ChannelOffChainTx, 1, 'ChannelOffChainTx', {
    channelId: channel, round: int, updates: list(bytes), stateHash,
  }),
  row<T.ChannelOffChainTxV2>(Tag.ChannelOffChainTx, 2, 'ChannelOffChainTx', { channelId: channel, round: int, stateHash }),
  row<T.ChannelClientReconnectTx>(Tag.ChannelClientReconnectTx, 1, 'ChannelClientReconnectTx', {
    channelId: channel, round: int, role: text, pubKey: account,
  }),
  // §2.7
  row<T.ChannelOffChainUpdateTransfer>(Tag.ChannelOffChainUpdateTransfer, 1, 'ChannelOffChainUpdateTransfer', {
    from: account, to: account, amount: int,
  }),
  row<T.ChannelOffChainUpdateDeposit>(Tag.ChannelOffChainUpdateDeposit, 1, 'ChannelOffChainUpdateDeposit', { from: account, amount: int }),
  row<T.ChannelOffChainUpdateWithdraw>(Tag.ChannelOffChainUpdateWithdraw, 1, 'ChannelOffChainUpdateWithdraw', { to: account, amount: int }),
  row<T.ChannelOffChainUpdateCreateContract>(Tag.ChannelOffChainUpdateCreateContract, 1, 'ChannelOffChainUpdateCreateContract', {
    owner: account, ctVersion: int, code: bytes, deposit: int, callData: bytes,
  }),
  row<T.ChannelOffChainUpdateCallContract>(Tag.ChannelOffChainUpdateCallContract, 1, 'ChannelOffChainUpdateCallContract', {
    caller: account, contract: id('ct'), abiVersion: int, amount: int, gas: int, gasPrice: int, callData: bytes, callStack: list(int),
  }),
  row<T.ChannelOffChainUpdateMeta>(Tag.ChannelOffChainUpdateMeta, 2, 'ChannelOffChainUpdateMeta', { data: bytes }),
  // §2.10
  row<T.AccountV1>(Tag.Account, 1, 'Account', { nonce: int, balance: int }),
  row<T.AccountV2>(Tag.Account, 2, 'Account', { flags: int, nonce: int, balance: int, gaContract: id('ct'), gaAuthFun: bytes }),
  row<T.AccountV3>(Tag.Account, 3, 'Account', { flags: int, nonce: int, balance: int }),
  row<T.ChannelV1>(Tag.Channel, 1, 'Channel', {
    initiatorId: account, responderId: account, channelAmount: int, initiatorAmount: int, responderAmount: int,
    channelReserve: int, delegateIds: list(account), stateHash, round: int, soloRound: int, lockPeriod: int, lockedUntil: int,
  }),
  row<T.ChannelV2>(Tag.Channel, 2, 'Channel', {
    initiatorId: account, responderId: account, channelAmount: int, initiatorAmount: int, responderAmount: int,
    channelReserve: int, delegateIds: list(account), stateHash, round: int, soloRound: int, lockPeriod: int, lockedUntil: int,
    initiatorAuth: bytes, responderAuth: bytes,
  }),
  row<T.ChannelV3>(Tag.Channel, 3, 'Channel', {
    initiatorId: account, responderId: account, channelAmount: int, initiatorAmount: int, responderAmount: int,
    channelReserve: int, initiatorDelegateIds: list(account), responderDelegateIds: list(account), stateHash, round: int,
    soloRound: int, lockPeriod: int, lockedUntil: int, initiatorAuth: bytes, responderAuth: bytes,
  }),
  row<T.ContractObjectV1>(Tag.Contract, 1, 'Contract', {
    owner: id('ak', 'ct'), ctVersion: int, code: bytes, log: bytes, active: bool, referrers: list(anyId), deposit: int,
  }),
  // CONTRACTS.md §2.5
  row<T.ContractObjectV2>(Tag.Contract, 2, 'Contract', {
    owner: id('ak', 'ct'), ctVersion: int, code: bytes, codeRef: list(id('ct')), log: bytes, active: bool,
    referrers: list(anyId), deposit: int,
  }),
  row<T.ContractCallV2>(Tag.ContractCall, 2, 'ContractCall', {
    callerId: id('ak', 'ct'), callerNonce: int, height: int, contractId: id('ct'), gasPrice: int, gasUsed: int,
    returnValue: bytes, returnType: int,
    log: list(record<T.ContractCallLogEntry>({ address: binary(32), topics: list(bytes), data: bytes })),
  }),
  row<T.ContractCallV3>(Tag.ContractCall, 3, 'ContractCall', {
    callerId: id('ak', 'ct'), callerNonce: int, height: int, contractId: id('ct'), ctCallId: bytes, gasPrice: int,
    gasUsed: int, returnValue: bytes, returnType: int,
    log: list(record<T.ContractCallLogEntry>({ address: binary(32), topics: list(bytes), data: bytes })),
  }),
  // §2.9 and the GA attach tx (tag 80)
  row<T.GaAttachTx>(Tag.GaAttachTx, 1, 'GaAttachTx', {
    ownerId: account, nonce: int, code: bytes, authFun: bytes, ctVersion: int, fee: int, ttl: int, gas: int,
    gasPrice: int, callData: bytes,
  }),
  row<T.GaMetaTxV1>(Tag.GaMetaTx, 1, 'GaMetaTx', {
    gaId: account, authData: bytes, abiVersion: int, fee: int, gas: int, gasPrice: int, ttl: int, tx: nestedTx,
  }),
  row<T.GaMetaTxV2>(Tag.GaMetaTx, 2, 'GaMetaTx', {
    gaId: account, authData: bytes, abiVersion: int, fee: int, gas: int, gasPrice: int, tx: nestedTx,
  }),
  row<T.GaMetaTxAuthData>(Tag.GaMetaTxAuthData, 1, 'GaMetaTxAuthData', { fee: int, gasPrice: int, txHash: bytes }),
  row<T.PayingForTx>(Tag.PayingForTx, 1, 'PayingForTx', { payerId: account, nonce: int, fee: int, tx: nestedTx }),
];

const byKey = new Map<number, ObjectSchema>(schemas.map((s) => [s.tag * 256 + s.version, s]));

/**
 * The layout of `tag`/`version`, if known.
 * @param tag - an object tag (§2.3), e.g. `Tag.ChannelCreateTx`
 * @param version - the object version
 * @returns the row of the schema table, or `undefined` for an unknown (or non-integer) tag/version
 * @example schemaOf(Tag.ChannelCreateTx, 1)?.fields.length // 11
 */
export function schemaOf(tag: number, version: number): ObjectSchema | undefined {
  if (!Number.isInteger(tag) || !Number.isInteger(version) || version < 0 || version > 255) return undefined;
  return byKey.get(tag * 256 + version);
}

function unsupported(tag: unknown, version: unknown): AechannelError {
  return new AechannelError('CODEC_UNSUPPORTED_OBJECT', `Unsupported object: tag ${String(tag)}, version ${String(version)}.`, {
    context: { tag, version },
  });
}

function headerInt(item: RlpItem | undefined, what: 'tag' | 'version', context: Record<string, unknown>): number {
  if (!(item instanceof Uint8Array) || item.length === 0 || item.length > 4 || (item.length > 1 && item[0] === 0)) {
    throw new AechannelError('CODEC_INVALID_FIELD', `Invalid object ${what}: expected a minimal int.`, {
      context: { ...context, field: what },
    });
  }
  let n = 0;
  for (let i = 0; i < item.length; i += 1) n = n * 256 + (item[i] as number);
  return n;
}

/**
 * Decodes an RLP list `[tag, version, ...fields]` into an object (§2.2).
 * @internal
 */
export function decodeObjectItem(item: RlpItem, depth = 0): T.Tx {
  if (!Array.isArray(item)) {
    throw new AechannelError('CODEC_INVALID_RLP', 'Expected an object (an RLP list), got a byte string.', { context: {} });
  }
  const tag = headerInt(item[0], 'tag', {});
  const version = headerInt(item[1], 'version', { tag });
  const schema = schemaOf(tag, version);
  if (schema === undefined) throw unsupported(tag, version);
  const fields = schema.fields;
  if (item.length !== fields.length + 2) {
    throw new AechannelError(
      'CODEC_INVALID_FIELD',
      `${schema.name} v${version} (tag ${tag}) has ${fields.length} fields, got ${item.length - 2}.`,
      { context: { tag, version, object: schema.name, expected: fields.length, got: item.length - 2 } },
    );
  }
  const out: Record<string, unknown> = { tag, version };
  for (let i = 0; i < fields.length; i += 1) {
    const [name, field] = fields[i] as readonly [string, Field<unknown>];
    try {
      out[name] = field.decode(item[i + 2] as RlpItem, depth);
    } catch (cause) {
      if (isAechannelError(cause)) throw cause;
      throw new AechannelError(
        'CODEC_INVALID_FIELD',
        `Invalid field ${name} (${field.kind}) of ${schema.name} v${version} (tag ${tag}): ${cause instanceof Error ? cause.message : String(cause)}.`,
        { cause, context: { tag, version, object: schema.name, field: name } },
      );
    }
  }
  return out as unknown as T.Tx;
}

/**
 * Encodes an object into the RLP item list `[tag, version, ...fields]` (§2.2).
 * @internal
 */
export function encodeObjectItem(tx: T.Tx): RlpInput[] {
  if (typeof tx !== 'object' || tx === null) throw unsupported(undefined, undefined);
  const { tag, version } = tx as { tag: unknown; version: unknown };
  const schema = typeof tag === 'number' && typeof version === 'number' ? schemaOf(tag, version) : undefined;
  if (schema === undefined) throw unsupported(tag, version);
  const fields = schema.fields;
  const out = new Array<RlpInput>(fields.length + 2);
  out[0] = int.encode(BigInt(schema.tag));
  out[1] = int.encode(BigInt(schema.version));
  for (let i = 0; i < fields.length; i += 1) {
    const [name, field] = fields[i] as readonly [string, Field<unknown>];
    try {
      out[i + 2] = field.encode((tx as unknown as Record<string, unknown>)[name]);
    } catch (cause) {
      if (isAechannelError(cause)) throw cause;
      throw new AechannelError(
        'CODEC_INVALID_FIELD',
        `Invalid field ${name} (${field.kind}) of ${schema.name} v${schema.version} (tag ${schema.tag}): ${cause instanceof Error ? cause.message : String(cause)}.`,
        { cause, context: { tag: schema.tag, version: schema.version, object: schema.name, field: name } },
      );
    }
  }
  return out;
}
