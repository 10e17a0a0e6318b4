/**
 * The chain environment a channel contract sees (CONTRACTS.md §2.8, PROTOCOL.md §10.3) as
 * plain data, and a FATE chain view over it that records what a run read.
 *
 * The environment is not part of any update or tx: the starter's node pins a block and
 * sends its hash to the peer's node only (FSM to FSM). A client therefore cannot know the
 * environment of a round from what its node sends it. A run that never reads it (most
 * calls: no `Chain.*` value, no on-chain lookup) is verified without one; a run that does
 * is verified only against an environment the driver supplies (`resolveEnv` effect,
 * `envResolved` input), and refused otherwise: this client does not sign what it cannot
 * recompute.
 */
import { decode, encode, type Encoded } from '@aechannel/codec';
import type { ChainView } from '@aechannel/fate';

/**
 * A key block's environment as plain data (CONTRACTS.md §2.8). The optional lookups answer
 * the on-chain reads a contract may make; a read the environment does not answer makes the
 * run unverifiable (as if no environment were given).
 */
export interface ChainEnv {
  /** The pinned block (`kh_`/`mh_`), if known (informational). */
  blockHash?: Encoded<'kh' | 'mh'>;
  /** Key-block height (`Chain.block_height`). */
  height: bigint;
  /** Time in ms (`Chain.timestamp`). */
  timestamp: bigint;
  /** Beneficiary of the key block (`Chain.coinbase`). */
  beneficiary: Encoded<'ak'>;
  /** Difficulty of the key block (`Chain.difficulty`). */
  difficulty: bigint;
  /** The node's network id (`Chain.network_id`); default: the channel's `networkId`. */
  networkId?: string;
  /** Key-block hashes by height (decimal string), for `Chain.block_hash`. */
  keyBlockHashes?: Readonly<Record<string, Encoded<'kh'>>>;
  /** On-chain balances of accounts outside the channel (`Chain.balance`); absent account = none. */
  balances?: Readonly<Record<Encoded<'ak'>, bigint>>;
  /** The on-chain contracts (`Address.is_contract`), complete. */
  contracts?: readonly Encoded<'ct'>[];
  /** The on-chain oracles (`Address.is_oracle`), complete. */
  oracles?: readonly Encoded<'ok'>[];
  /** Accounts that refuse payments (`Address.is_payable` false), complete. */
  nonPayable?: readonly Encoded<'ak'>[];
}

/** What a run read of the environment, and which of those reads the environment did not answer. */
export interface ChainReads {
  /** Environment values the run read (`height`, `timestamp`, `balance`, ...). */
  readonly read: Set<string>;
  /** Reads the given environment could not answer (all reads when there is none). */
  readonly unknown: Set<string>;
}

/** A chain view over `env` (or over nothing) that records each read in `reads`. */
export function trackingChainView(env: ChainEnv | null, networkId: string): { view: ChainView; reads: ChainReads } {
  const reads: ChainReads = { read: new Set(), unknown: new Set() };
  const note = (what: string, known: boolean): void => {
    reads.read.add(what);
    if (!known) reads.unknown.add(what);
  };
  const zero = new Uint8Array(32);
  const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const contracts = env?.contracts === undefined ? null : new Set(env.contracts.map((id) => hex(decode(id, 'ct'))));
  const oracles = env?.oracles === undefined ? null : new Set(env.oracles.map((id) => hex(decode(id, 'ok'))));
  const nonPayable = env?.nonPayable === undefined ? null : new Set(env.nonPayable.map((id) => hex(decode(id, 'ak'))));
  const view: ChainView = {
    get height() {
      note('height', env !== null);
      return env?.height ?? 0n;
    },
    get timestamp() {
      note('timestamp', env !== null);
      return env?.timestamp ?? 0n;
    },
    get beneficiary() {
      note('beneficiary', env !== null);
      return env === null ? zero : decode(env.beneficiary, 'ak');
    },
    get difficulty() {
      note('difficulty', env !== null);
      return env?.difficulty ?? 0n;
    },
    // The network id is the channel's own: signatures are made for it (PROTOCOL.md §3.1).
    get networkId() {
      note('networkId', true);
      return env?.networkId ?? networkId;
    },
    keyBlockHash(height: bigint): Uint8Array | undefined {
      const known = env?.keyBlockHashes?.[height.toString()];
      note('keyBlockHash', known !== undefined);
      return known === undefined ? undefined : decode(known, 'kh');
    },
    balance(pubkey: Uint8Array): bigint | undefined {
      const balances = env?.balances;
      note('balance', balances !== undefined);
      return balances?.[encode(pubkey, 'ak')];
    },
    isContract(pubkey: Uint8Array): boolean {
      note('isContract', contracts !== null);
      return contracts?.has(hex(pubkey)) ?? false;
    },
    isOracle(pubkey: Uint8Array): boolean {
      note('isOracle', oracles !== null);
      return oracles?.has(hex(pubkey)) ?? false;
    },
    isPayable(pubkey: Uint8Array): boolean {
      note('isPayable', nonPayable !== null);
      return !(nonPayable?.has(hex(pubkey)) ?? false);
    },
  };
  return { view, reads };
}

/**
 * Checks the shape of a {@link ChainEnv} (the driver's input), so a bad one is refused with a
 * reason instead of failing inside a run.
 * @param value - anything
 * @returns null when it is a valid environment, else what is wrong
 */
export function chainEnvProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'not an object';
  const e = value as Record<string, unknown>;
  for (const key of ['height', 'timestamp', 'difficulty'] as const) {
    if (typeof e[key] !== 'bigint' || (e[key] as bigint) < 0n) return `${key} must be a non-negative bigint`;
  }
  try {
    decode(e['beneficiary'] as string, 'ak');
    for (const h of Object.values((e['keyBlockHashes'] ?? {}) as Record<string, string>)) decode(h, 'kh');
    for (const id of (e['contracts'] ?? []) as string[]) decode(id, 'ct');
    for (const id of (e['oracles'] ?? []) as string[]) decode(id, 'ok');
    for (const id of (e['nonPayable'] ?? []) as string[]) decode(id, 'ak');
    for (const [id, balance] of Object.entries((e['balances'] ?? {}) as Record<string, unknown>)) {
      decode(id, 'ak');
      if (typeof balance !== 'bigint' || balance < 0n) return `balance of ${id} must be a non-negative bigint`;
    }
  } catch {
    return 'an id or hash has a broken encoding';
  }
  if (e['networkId'] !== undefined && typeof e['networkId'] !== 'string') return 'networkId must be a string';
  return null;
}
