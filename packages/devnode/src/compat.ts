/**
 * Behaviour switches for the node versions seen in the recordings (PROTOCOL.md §11).
 *
 * The devnode implements the current node by default. A preset (or individual flags)
 * reproduces an older recording message for message; `early-iris` is the node of the
 * contract recordings (current messages, early-Iris contract rules).
 */

/** Individual behaviour switches. */
export interface CompatFlags {
  /** `info funding_created` to the responder carries `fsm_id` (current nodes: yes). */
  fsmIdInFundingCreated: boolean;
  /** `sign.responder_sign` data carries `fsm_id` (Mar 2020 nodes). */
  fsmIdInResponderSign: boolean;
  /** `info funding_signed` to the initiator carries `fsm_id` (Mar 2020 and current). */
  fsmIdInFundingSigned: boolean;
  /**
   * The FSM reports the channel id as soon as it knows it (current). When false (Jan 2020),
   * `channel_id` stays `null` until the first `channels.on_chain_tx`.
   */
  channelIdBeforeOnChainTx: boolean;
  /**
   * A starter's abort of its own pending op is answered with `channels.conflict
   * {error_code, "user-defined"}` instead of `info aborted_update` (2019 node, §9.6).
   */
  starterAbortAsConflict: boolean;
  /**
   * A conflict error message from the peer that arrives when the FSM already fell back is
   * still reported to the client (2019 node: two conflicts per client when updates cross, §9.5).
   */
  reportStrayConflicts: boolean;
  /**
   * Contracts run as on the node of the contract recordings (an early Iris node): Lima gas
   * schedule, FATE_02 contracts stored as contract object v1 with `init` stripped
   * (CONTRACTS.md §10; the `early-iris` rules of `@aechannel/fate`). Current nodes: no.
   */
  earlyIrisContracts: boolean;
  /**
   * A force progress mined on chain is reported as `channels.on_chain_tx` `channel_changed`
   * (nodes of 2020) instead of `consumed_forced_progress` (current nodes; PROTOCOL.md §11).
   */
  forceProgressAsChannelChanged: boolean;
}

/** Named presets of {@link CompatFlags}: the current node and the node versions of the recordings. */
export type CompatPreset = 'current' | 'early-iris' | 'iris-2020-03' | 'iris-2020-01' | 'lima-2019';

/** The flags of the current node (each older preset lists only what it changes). */
const CURRENT: CompatFlags = {
  fsmIdInFundingCreated: true,
  fsmIdInResponderSign: false,
  fsmIdInFundingSigned: true,
  channelIdBeforeOnChainTx: true,
  starterAbortAsConflict: false,
  reportStrayConflicts: false,
  earlyIrisContracts: false,
  forceProgressAsChannelChanged: false,
};

/** What the nodes of early 2020 and before share: no fsm id in the funding messages, no channel id before the on-chain tx, force progress as `channel_changed`. */
const BEFORE_FSM_IDS: Partial<CompatFlags> = {
  fsmIdInFundingCreated: false,
  fsmIdInFundingSigned: false,
  channelIdBeforeOnChainTx: false,
  forceProgressAsChannelChanged: true,
};

/**
 * The flags of each preset.
 * @example compatPresets['iris-2020-01'].channelIdBeforeOnChainTx // false
 */
export const compatPresets: Readonly<Record<CompatPreset, Readonly<CompatFlags>>> = Object.freeze({
  current: CURRENT,
  'early-iris': { ...CURRENT, earlyIrisContracts: true, forceProgressAsChannelChanged: true },
  'iris-2020-03': { ...CURRENT, fsmIdInFundingCreated: false, fsmIdInResponderSign: true, forceProgressAsChannelChanged: true },
  'iris-2020-01': { ...CURRENT, ...BEFORE_FSM_IDS },
  'lima-2019': { ...CURRENT, ...BEFORE_FSM_IDS, starterAbortAsConflict: true, reportStrayConflicts: true },
});

/**
 * Resolves a preset name or partial flags (applied on top of `current`).
 * @param compat - a preset name, some flags, or nothing (`current`)
 * @returns the complete flags
 * @example resolveCompat({ starterAbortAsConflict: true }).fsmIdInFundingCreated // true
 */
export function resolveCompat(compat: CompatPreset | Partial<CompatFlags> | undefined): CompatFlags {
  if (compat === undefined) return { ...compatPresets.current };
  if (typeof compat === 'string') return { ...compatPresets[compat] };
  return { ...compatPresets.current, ...compat };
}
