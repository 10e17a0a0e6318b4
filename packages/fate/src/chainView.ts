/**
 * The on-chain environment a channel contract sees (CONTRACTS.md §2.8): the pinned key
 * block's values and read access to the on-chain trees. It is an argument of every
 * execution, never global; {@link emptyChain} is a chain that has nothing on it.
 */

/** Read access to the chain a channel update is executed against. */
export interface ChainView {
  /** Key-block height of the pinned block (`Chain.block_height`). */
  readonly height: bigint;
  /** Time in ms (`Chain.timestamp`). */
  readonly timestamp: bigint;
  /** Beneficiary of the pinned key block (32 bytes, `Chain.coinbase`). */
  readonly beneficiary: Uint8Array;
  /** Difficulty of the pinned key block. */
  readonly difficulty: bigint;
  /** The node's network id (`Chain.network_id`, FATE_03). */
  readonly networkId: string;
  /** Hash of the key block at a height, if the chain has it (`Chain.block_hash`). */
  keyBlockHash?(height: bigint): Uint8Array | undefined;
  /** On-chain balance of an account not in the channel (`Chain.balance`), if it exists. */
  balance?(pubkey: Uint8Array): bigint | undefined;
  /** Whether an on-chain contract exists at the key (`Address.is_contract`). */
  isContract?(pubkey: Uint8Array): boolean;
  /** Whether an on-chain oracle exists at the key (`Address.is_oracle`). */
  isOracle?(pubkey: Uint8Array): boolean;
  /** Whether an on-chain account may receive coins (`Address.is_payable`). */
  isPayable?(pubkey: Uint8Array): boolean;
}

/**
 * A chain with nothing on it, at height 100 of `ae_mainnet`; the same defaults as the
 * `fate-oracle` test harness (time 1 700 000 000 000 ms, difficulty 12345, zero beneficiary).
 */
export const emptyChain: ChainView = Object.freeze({
  height: 100n,
  timestamp: 1_700_000_000_000n,
  beneficiary: new Uint8Array(32),
  difficulty: 12345n,
  networkId: 'ae_mainnet',
});
