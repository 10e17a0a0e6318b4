/**
 * Drives a devnode with the client side of a recorded transcript and compares, per role,
 * the node messages it answers with against the recorded ones (PROTOCOL.md §13.2 item 7).
 *
 * How a recording is replayed:
 * - The recorded accounts become devnode accounts 0 (initiator) and 1 (responder); every
 *   `ak_`, `ch_`, `ba_` (fsm id) and `th_` of a recorded client message is translated to the
 *   devnode's value (ids learned from the node messages compared so far).
 * - `connect` sections open an in-process connection (or a WebSocket) with the translated
 *   query. `send` sections are sent as recorded, except that a signed reply signs the tx of
 *   the last actual sign request of that role, with as many signatures as the recorded reply
 *   added (the reconnect recording co-signs out of band). `close` sections wait for the node
 *   to close the socket when the node ended it (after `died` or an open-time error), otherwise
 *   the client closes it.
 * - `receive` sections wait for the role's next node message. The devnode runs with a manual
 *   clock, manual blocks and a 1 ms simulated latency; when nothing arrives and the devnode is
 *   idle, the driver first lets the latency pass (messages "on the wire"), then mines a block.
 *   So races play out as in the recording: two requests sent back to back both reach their
 *   FSMs before the peer messages they cause.
 * - Recordings that start with an open channel (no `connect` section) get a prelude: the
 *   driver opens the channel and moves it to the recording's first round with transfers that
 *   leave the balances unchanged.
 *
 * Messages are compared by {@link shapeOf}: method, event/info/type, error codes, round,
 * amounts, which keys are present, whether `channel_id` is null, and for each `tx_` its type,
 * round and signature count. Tx bytes, ids and keys are left aside. The conformance suite of
 * the umbrella package builds on {@link driveTranscript}.
 *
 * Exact mode (`exact: true`, used for the contract recordings): the devnode runs with the
 * recording's own accounts (funded on its chain) and network id, the clients answer every
 * sign request with the recorded signed tx, and each node message is compared whole (only
 * fsm ids aside). A recorded signature verifies only over the very bytes the recording
 * signed, so every create, off-chain and state hash the devnode builds must be the
 * recorded one byte for byte, and every call result, PoI and error the recorded one.
 */
import {
  decodeSignedTx,
  isEncoded,
  txHash,
  txTypeName,
  type Encoded,
  type JsonValue,
} from '@aechannel/codec';
import {
  createManualClock,
  startDevnode,
  type CompatPreset,
  type Devnode,
  type DevnodeAccount,
  type ManualClock,
  type StartDevnodeOptions,
} from '@aechannel/devnode';
import { memorySigner, verifySignature } from '@aechannel/signer';
import type { Fixture } from '@aechannel/transcript/fixtures';
import type { Section } from '@aechannel/transcript';
import { webSocketTransport, type Transport } from '@aechannel/transport';

type Role = 'initiator' | 'responder';
type Json = { [key: string]: JsonValue };

/** Options of {@link driveTranscript}. */
export interface DriveTranscriptOptions {
  /** §11 behaviour preset of the devnode (default: chosen per fixture by {@link compatFor}). */
  compat?: CompatPreset;
  /** Create tx version (default `iris`: v1, as in the recordings). */
  protocol?: 'ceres' | 'iris';
  /** `memory` (default, deterministic) or `ws` (a real loopback socket). */
  via?: 'memory' | 'ws';
  /** Extra devnode options. */
  devnode?: Partial<StartDevnodeOptions>;
  /** How long to wait for one expected message in real time (default 5000 ms). */
  timeoutMs?: number;
  /** Exact mode: the recording's accounts, network id and signatures; whole messages compared. */
  exact?: boolean;
}

/** One compared node message. */
export interface DriveStep {
  role: Role;
  /** 1-based line of the recorded section. */
  line: number;
  expected: string;
  actual: string | undefined;
}

/** Result of {@link driveTranscript}. */
export interface DriveTranscriptResult {
  /** True when every node message matched and none was left over. */
  ok: boolean;
  steps: DriveStep[];
  /** The first difference, if any. */
  mismatch: string | undefined;
  /** Node messages that arrived but are not in the recording. */
  extra: { role: Role; message: string }[];
}

/** The §11 preset each fixture was recorded with. */
export function compatFor(name: string): CompatPreset {
  switch (name) {
    case 'opening_ping_pong.md':
      return 'iris-2020-01';
    case 'abort_withdraw.md':
    case 'conflict_two_withdrawals.md':
      return 'iris-2020-03';
    case 'conflict_two_updates_and_user_abort.md':
      return 'lima-2019';
    case 'contracts_group_open.md':
    case 'contracts_basic.md':
      return 'early-iris';
    default:
      return 'current';
  }
}

interface Connection {
  transport: Transport;
  queue: JsonValue[];
  closed: boolean;
  closedByClient: boolean;
}

/** Translation tables between recorded values and devnode values. */
interface Ids {
  accounts: Map<string, Role>;
  actualAccounts: Map<string, Role>;
  /** recorded → actual for ch_, ba_, th_. */
  forward: Map<string, string>;
}

const isObject = (v: JsonValue | undefined): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function summarizeTx(value: string): string {
  try {
    const { tx, signatures } = decodeSignedTx(value as Encoded<'tx'>);
    const round = (tx as { round?: bigint }).round;
    return `<${txTypeName(tx.tag)} v${tx.version}${round === undefined ? '' : ` r${round}`} sigs=${signatures.length}>`;
  } catch {
    return '<tx>';
  }
}

/**
 * A canonical, id-free rendering of a node message (see the module doc).
 * @param message - a node → client message
 * @param roles - account → role, so balances and transfers keep who is who
 * @returns a string equal for the recorded and the actual message when they match
 */
export function shapeOf(message: JsonValue, roles: ReadonlyMap<string, Role>): string {
  const walk = (value: JsonValue, key: string): JsonValue => {
    if (typeof value === 'string') {
      if (key === 'channel_id' || value.startsWith('ch_')) return '<ch>';
      if (value.startsWith('ak_')) return roles.has(value) ? `<${roles.get(value)}>` : '<ak>';
      if (value.startsWith('ba_')) return '<fsm_id>';
      if (value.startsWith('th_')) return '<th>';
      if (value.startsWith('tx_')) return summarizeTx(value);
      if (value.startsWith('pi_') || value.startsWith('ss_') || value.startsWith('cs_')) return `<${value.slice(0, 2)}>`;
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (isObject(value)) {
      const out: Json = {};
      for (const k of Object.keys(value).sort()) {
        const v = value[k] as JsonValue;
        // channel_id: only whether the node knew it.
        out[k] = k === 'channel_id' ? (v === null ? null : '<ch>') : walk(v, k);
      }
      return out;
    }
    return value;
  };
  return JSON.stringify(walk(message, ''), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

function collectStrings(value: JsonValue, out: Set<string>): void {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) collectStrings(v as JsonValue, out);
}

/**
 * The whole message for exact mode: keys sorted, fsm ids (random per run) aside.
 * @param message - a node → client message
 * @returns a string equal for the recorded and the actual message when they match
 */
export function exactShapeOf(message: JsonValue): string {
  const walk = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') return value.startsWith('ba_') ? '<fsm_id>' : value;
    if (Array.isArray(value)) return value.map(walk);
    if (isObject(value)) {
      const out: Json = {};
      for (const k of Object.keys(value).sort()) out[k] = walk(value[k] as JsonValue);
      return out;
    }
    return value;
  };
  return JSON.stringify(walk(message), (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Finds which recorded account is which role. */
async function recordedAccounts(fixture: Fixture): Promise<Map<string, Role>> {
  const map = new Map<string, Role>();
  for (const s of fixture.sections) {
    if (s.kind !== 'connect') continue;
    const query = new URL(s.url).searchParams;
    const i = query.get('initiator_id');
    const r = query.get('responder_id');
    if (i !== null) map.set(i, 'initiator');
    if (r !== null) map.set(r, 'responder');
  }
  if (map.size === 2) return map;
  // No open in the recording: the role's key is the one its first signed reply adds.
  const candidates = new Set<string>();
  for (const s of fixture.sections) if (s.kind === 'send' || s.kind === 'receive') collectStrings(s.message, candidates);
  const accounts = [...candidates].filter((c) => isEncoded(c, 'ak'));
  for (const role of ['initiator', 'responder'] as const) {
    const reply = fixture.sections.find(
      (s): s is Extract<Section, { kind: 'send' }> => s.kind === 'send' && s.role === role && isObject(s.message) && isObject(s.message['params']) && typeof s.message['params']['signed_tx'] === 'string',
    );
    if (reply === undefined) continue;
    const signedTx = ((reply.message as Json)['params'] as Json)['signed_tx'] as Encoded<'tx'>;
    const { signatures, innerBytes } = decodeSignedTx(signedTx);
    const payload = new Uint8Array([...new TextEncoder().encode(fixture.networkId), ...innerBytes]);
    for (const account of accounts) {
      for (const signature of signatures) {
        if (await verifySignature(account as Encoded<'ak'>, payload, signature)) {
          if (!map.has(account)) map.set(account, role);
        }
      }
    }
  }
  return map;
}

/**
 * Replays the client side of `fixture` against a fresh devnode and compares the node messages.
 * @param fixture - a fixture from `@aechannel/transcript/fixtures`
 * @param options - see {@link DriveTranscriptOptions}
 * @returns the comparison; `ok` is true when every recorded node message was matched
 * @example
 * const result = await driveTranscript(loadFixture('abort_withdraw.md'));
 * expect(result.mismatch).toBeUndefined();
 */
export async function driveTranscript(fixture: Fixture, options: DriveTranscriptOptions = {}): Promise<DriveTranscriptResult> {
  const clock: ManualClock = createManualClock(1_000_000);
  const latency = 1;
  const exact = options.exact === true;
  const recorded = await recordedAccounts(fixture);
  const devnode = await startDevnode({
    port: 0,
    listen: options.via === 'ws',
    clock,
    blocks: 'manual',
    latencyMs: latency,
    protocol: options.protocol ?? 'iris',
    compat: options.compat ?? compatFor(fixture.name),
    seed: `transcript:${fixture.name}`,
    accounts: 2,
    ...(exact ? { networkId: fixture.networkId } : {}),
    ...options.devnode,
  });
  let [initiatorAccount, responderAccount] = devnode.accounts as [DevnodeAccount, DevnodeAccount];
  if (exact) {
    // The recording's own accounts: they sign nothing here (the recorded signatures are sent).
    const own = (role: Role): DevnodeAccount => {
      const address = [...recorded].find(([, r]) => r === role)?.[0] as Encoded<'ak'>;
      devnode.chain.fund(address, 10n ** 24n);
      return { address, secretKey: '' as DevnodeAccount['secretKey'] };
    };
    initiatorAccount = own('initiator');
    responderAccount = own('responder');
  }
  const accountOf: Record<Role, DevnodeAccount> = { initiator: initiatorAccount, responder: responderAccount };
  const signers = exact
    ? undefined
    : { initiator: memorySigner(initiatorAccount.secretKey), responder: memorySigner(responderAccount.secretKey) };
  const ids: Ids = {
    accounts: recorded,
    actualAccounts: new Map([
      [initiatorAccount.address, 'initiator'],
      [responderAccount.address, 'responder'],
    ]),
    forward: new Map(),
  };
  const timeoutMs = options.timeoutMs ?? 5000;
  const conns: Partial<Record<Role, Connection>> = {};
  const lastSignRequest: Partial<Record<Role, { recordedSigs: number; actual: Encoded<'tx'> }>> = {};
  const lastReceived: Partial<Record<Role, JsonValue>> = {};
  const steps: DriveStep[] = [];
  const extra: { role: Role; message: string }[] = [];

  const translate = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') {
      const role = ids.accounts.get(value);
      if (role !== undefined) return accountOf[role].address;
      return ids.forward.get(value) ?? value;
    }
    if (Array.isArray(value)) return value.map(translate);
    if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, translate(v as JsonValue)]));
    return value;
  };

  // Wakes `progress` as soon as a node message arrives, so the driver reacts within the same
  // turn of the event loop, before the devnode runs its next task (as a client racing a node).
  let wake: () => void = () => undefined;
  const open = (role: Role, query: string): Connection => {
    const transport = options.via === 'ws' ? webSocketTransport(`${devnode.url}?${query}`) : devnode.connect(query);
    const conn: Connection = { transport, queue: [], closed: false, closedByClient: false };
    transport.on('message', (value) => {
      conn.queue.push(value);
      wake();
    });
    void transport.closed.then(() => {
      conn.closed = true;
      wake();
    });
    conns[role] = conn;
    return conn;
  };

  /**
   * Lets the devnode settle; then lets the latency pass; then mines a block (when `mine`);
   * repeats until `ready()` holds or the attempts run out.
   */
  const progress = async (ready: () => boolean, mine = true, attempts = 100): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; Date.now() < deadline && attempt < attempts; attempt += 1) {
      if (ready()) return true;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      await Promise.race([devnode.idle(), woken]);
      if (options.via === 'ws') await new Promise((r) => setTimeout(r, 5));
      if (ready()) return true;
      if (devnode.inFlight() > 0) clock.advance(latency);
      else if (mine) devnode.chain.mine(1);
      else if (attempt > 1) break;
    }
    return ready();
  };

  /** Learns recorded → actual ids from a matched pair of messages. */
  const learn = (recorded: JsonValue, actual: JsonValue): void => {
    if (typeof recorded === 'string' && typeof actual === 'string') {
      if (/^(ch|ba|th)_/.test(recorded) && recorded.slice(0, 3) === actual.slice(0, 3)) ids.forward.set(recorded, actual);
      if (recorded.startsWith('tx_') && actual.startsWith('tx_')) {
        try {
          ids.forward.set(txHash(recorded as Encoded<'tx'>), txHash(actual as Encoded<'tx'>));
        } catch {
          // not a signed tx
        }
      }
      return;
    }
    if (Array.isArray(recorded) && Array.isArray(actual)) recorded.forEach((r, i) => learn(r, actual[i] as JsonValue));
    else if (isObject(recorded) && isObject(actual)) for (const k of Object.keys(recorded)) learn(recorded[k] as JsonValue, actual[k] as JsonValue);
  };

  const finish = async (mismatch: string | undefined): Promise<DriveTranscriptResult> => {
    if (mismatch === undefined) {
      await progress(() => false, false, 4);
      for (const role of ['initiator', 'responder'] as const) {
        for (const m of conns[role]?.queue ?? []) extra.push({ role, message: shapeOf(m, ids.actualAccounts) });
      }
    }
    for (const conn of Object.values(conns)) if (!conn.closed) conn.transport.close();
    await devnode.stop();
    return { ok: mismatch === undefined && extra.length === 0, steps, mismatch, extra };
  };

  if (!fixture.sections.some((s) => s.kind === 'connect')) {
    if (signers === undefined) return finish('prelude: exact mode needs a recording that opens its channel');
    const failure = await prelude(fixture, devnode, open, progress, signers, accountOf);
    if (failure !== undefined) return finish(`prelude: ${failure}`);
  }

  for (const section of fixture.sections) {
    const role = section.role;
    switch (section.kind) {
      case 'info':
        break;
      case 'connect': {
        const url = new URL(section.url);
        const query = new URLSearchParams();
        for (const [k, v] of url.searchParams) query.set(k, String(translate(v)));
        open(role, query.toString());
        break;
      }
      case 'send': {
        const conn = conns[role];
        if (conn === undefined || conn.closed) return finish(`line ${section.line}: ${role} sends on a closed connection`);
        const message = translate(section.message) as Json;
        const params = isObject(message['params']) ? message['params'] : undefined;
        const recordedTx = isObject(section.message) && isObject(section.message['params']) ? section.message['params']['signed_tx'] : undefined;
        const isPing = message['method'] === 'channels.system' && params?.['action'] === 'ping';
        if (!isPing && (params === undefined || (params['signed_tx'] === undefined && params['error'] === undefined))) {
          // A new request (not a keepalive ping, not a sign reply): time passed in the
          // recording, so messages on the wire have landed.
          await progress(() => devnode.inFlight() === 0, false);
        }
        if (params !== undefined && typeof recordedTx === 'string' && signers !== undefined) {
          const request = lastSignRequest[role];
          if (request === undefined) return finish(`line ${section.line}: ${role} replies to no sign request`);
          const added = decodeSignedTx(recordedTx as Encoded<'tx'>).signatures.length - request.recordedSigs;
          let signed = await signers[role].signTransaction(request.actual, { networkId: devnode.networkId });
          if (added >= 2) {
            const other: Role = role === 'initiator' ? 'responder' : 'initiator';
            signed = await signers[other].signTransaction(signed, { networkId: devnode.networkId });
          }
          params['signed_tx'] = signed;
        }
        conn.transport.send(message);
        break;
      }
      case 'receive': {
        const conn = conns[role];
        const shape = (m: JsonValue, roles: ReadonlyMap<string, Role>): string => (exact ? exactShapeOf(m) : shapeOf(m, roles));
        const expected = shape(section.message, ids.accounts);
        if (conn === undefined) return finish(`line ${section.line}: no ${role} connection for ${expected}`);
        await progress(() => conn.queue.length > 0);
        const actualMessage = conn.queue.shift();
        const actual = actualMessage === undefined ? undefined : shape(actualMessage, ids.actualAccounts);
        steps.push({ role, line: section.line, expected, actual });
        if (actual !== expected) return finish(`line ${section.line} (${role}): expected ${expected}\n  got ${actual ?? '(nothing)'}`);
        learn(section.message, actualMessage as JsonValue);
        lastReceived[role] = actualMessage as JsonValue;
        const method = isObject(section.message) ? section.message['method'] : undefined;
        if (typeof method === 'string' && method.startsWith('channels.sign.')) {
          const recorded = ((section.message as Json)['params'] as Json)['data'] as Json;
          const actualData = ((actualMessage as Json)['params'] as Json)['data'] as Json;
          lastSignRequest[role] = {
            recordedSigs: decodeSignedTx(recorded['signed_tx'] as Encoded<'tx'>).signatures.length,
            actual: actualData['signed_tx'] as Encoded<'tx'>,
          };
        }
        break;
      }
      case 'close': {
        const conn = conns[role];
        if (conn === undefined) break;
        const last = lastReceived[role];
        const nodeEnds =
          isObject(last) &&
          ((isObject(last['params']) && isObject(last['params']['data']) && last['params']['data']['event'] === 'died') ||
            (isObject(last['error']) && last['id'] === null && isObject(last['error']['request']) && Object.keys(last['error']['request']).length === 0) ||
            (last['result'] === 'ok' && conn.queue.length === 0 && lastWasStop(fixture, section)));
        if (nodeEnds) {
          if (!(await progress(() => conn.closed))) return finish(`line ${section.line}: the node did not close the ${role} socket`);
        } else {
          conn.closedByClient = true;
          conn.transport.close();
          await progress(() => conn.closed);
        }
        if (conn.queue.length > 0) {
          for (const m of conn.queue) extra.push({ role, message: shapeOf(m, ids.actualAccounts) });
          conn.queue.length = 0;
        }
        break;
      }
      default:
    }
  }
  return finish(undefined);
}

/** True when the role's last sent request before this close was `channels.system stop`. */
function lastWasStop(fixture: Fixture, close: Section): boolean {
  const index = fixture.sections.indexOf(close);
  for (let i = index - 1; i >= 0; i -= 1) {
    const s = fixture.sections[i] as Section;
    if (s.role !== close.role || s.kind !== 'send') continue;
    const m = s.message as Json;
    return m['method'] === 'channels.system' && isObject(m['params']) && m['params']['action'] === 'stop';
  }
  return false;
}

/**
 * Opens the channel for a recording that starts with one open, and moves it to the round
 * just before the recording's first sign request with balance-neutral transfers.
 * @returns an error text, or undefined on success
 */
async function prelude(
  fixture: Fixture,
  devnode: Devnode,
  open: (role: Role, query: string) => Connection,
  progress: (ready: () => boolean, mine?: boolean, attempts?: number) => Promise<boolean>,
  signers: Record<Role, ReturnType<typeof memorySigner>>,
  accountOf: Record<Role, DevnodeAccount>,
): Promise<string | undefined> {
  let startRound = 1n;
  for (const s of fixture.sections) {
    if (s.kind !== 'receive' || !isObject(s.message) || typeof s.message['method'] !== 'string') continue;
    if (!s.message['method'].startsWith('channels.sign.')) continue;
    const data = (s.message['params'] as Json)['data'] as Json;
    const round = (decodeSignedTx(data['signed_tx'] as Encoded<'tx'>).tx as { round?: bigint }).round;
    if (round !== undefined) startRound = round - 1n;
    break;
  }
  const port = 3;
  const query = (role: Role): string =>
    new URLSearchParams({
      protocol: 'json-rpc',
      role,
      initiator_id: accountOf.initiator.address,
      responder_id: accountOf.responder.address,
      initiator_amount: '70000000000000',
      responder_amount: '40000000000000',
      push_amount: '1',
      channel_reserve: '2',
      lock_period: '10',
      port: String(port),
      keep_running: 'false',
      ...(role === 'initiator' ? { host: 'localhost' } : {}),
    }).toString();
  const conns = { initiator: open('initiator', query('initiator')), responder: open('responder', query('responder')) };
  const take = async (role: Role, predicate: (m: Json) => boolean): Promise<Json | undefined> => {
    const conn = conns[role];
    const found = (): number => conn.queue.findIndex((m) => isObject(m) && predicate(m));
    if (!(await progress(() => found() >= 0))) return undefined;
    const [m] = conn.queue.splice(0, found() + 1).slice(-1);
    return m as Json;
  };
  const signReply = async (role: Role, tag: string, method: string): Promise<boolean> => {
    const request = await take(role, (m) => m['method'] === `channels.sign.${tag}`);
    if (request === undefined) return false;
    const tx = ((request['params'] as Json)['data'] as Json)['signed_tx'] as Encoded<'tx'>;
    const signed = await signers[role].signTransaction(tx, { networkId: devnode.networkId });
    conns[role].transport.send({ jsonrpc: '2.0', method, params: { signed_tx: signed } });
    return true;
  };
  const update = (role: Role): Promise<Json | undefined> => take(role, (m) => m['method'] === 'channels.update');
  if (!(await signReply('initiator', 'initiator_sign', 'channels.initiator_sign'))) return 'no initiator_sign';
  if (!(await signReply('responder', 'responder_sign', 'channels.responder_sign'))) return 'no responder_sign';
  if ((await update('initiator')) === undefined || (await update('responder')) === undefined) return 'channel did not open';
  for (let round = 1n; round < startRound; round += 1n) {
    const [from, to]: [Role, Role] = round % 2n === 1n ? ['initiator', 'responder'] : ['responder', 'initiator'];
    conns[from].transport.send({
      jsonrpc: '2.0',
      method: 'channels.update.new',
      params: { from: accountOf[from].address, to: accountOf[to].address, amount: 1n },
    });
    if (!(await signReply(from, 'update', 'channels.update'))) return `no update sign request at round ${round}`;
    if (!(await signReply(to, 'update_ack', 'channels.update_ack'))) return `no update_ack sign request at round ${round}`;
    if ((await update(from)) === undefined || (await update(to)) === undefined) return `update to round ${round + 1n} failed`;
  }
  await progress(() => false, false, 4);
  conns.initiator.queue.length = 0;
  conns.responder.queue.length = 0;
  return undefined;
}
