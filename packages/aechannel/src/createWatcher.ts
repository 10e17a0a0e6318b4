/**
 * The watcher: guards the channel's funds while the chain shows a solo close.
 *
 * PROTOCOL.md §9.11: when the chain holds a solo close (or slash, or force progress)
 * based on a state *older* than our latest co-signed one, the node reports
 * `channels.on_chain_tx {info: "can_slash"}`. The watcher then slashes with our latest
 * state (`channels.slash`, the fsm signs it only after checking it carries that state),
 * and once a close on chain is final for our state (`solo_closing` for a slash or for a
 * close solo based on the latest state) it settles (`channels.settle`); the node posts the
 * settle as soon as the lock period is over (`locked_until` < top height). When the
 * settle is on chain (`channel_closed` for a `channel_settle_tx`) it reports
 * `watcherSettled`. Each action is reported by an event, and a failure by a `watcherError`
 * event; nothing throws.
 *
 * A `can_snapshot` (a stale force progress while the channel is open, §9.13) is answered
 * with a snapshot of our latest state when `snapshot` is enabled.
 */
import type { Encoded } from '@aechannel/codec';

/** What the watcher does; every action is on by default. */
export interface WatcherOptions {
  /** Slash a stale solo close / slash / force progress (`can_slash`). Default `true`. */
  slash?: boolean;
  /** Settle once a solo close is final (after the lock period). Default `true`. */
  settle?: boolean;
  /** Snapshot our latest state when a stale force progress appears (`can_snapshot`). Default `true`. */
  snapshot?: boolean;
}

/** Events the watcher reports. */
export type WatcherEvent =
  | { type: 'watcherSlashed'; tx: Encoded<'tx'>; reason: string }
  | { type: 'watcherSettling'; tx: Encoded<'tx'> }
  | { type: 'watcherSettled'; tx: Encoded<'tx'> | null }
  | { type: 'watcherSnapshotted'; tx: Encoded<'tx'> }
  | { type: 'watcherError'; action: 'slash' | 'settle' | 'snapshot'; error: unknown };

/** What the watcher needs from a channel. */
export interface WatcherHost {
  slash(): Promise<{ tx: Encoded<'tx'> }>;
  settle(): Promise<{ tx: Encoded<'tx'> }>;
  snapshot(): Promise<{ tx: Encoded<'tx'> }>;
  report(event: WatcherEvent): void;
}

/** The `onChainTx` facts the watcher reacts to. */
export interface OnChainFact {
  info: string;
  txType: string | null;
  tx: Encoded<'tx'> | null;
}

/** A running watcher. */
export interface Watcher {
  /** Feeds one `channels.on_chain_tx` report. */
  onChainTx(fact: OnChainFact): void;
  /**
   * Feeds the channel status. Slash and settle are only possible while the channel is
   * `closing`; the node reports `can_slash` / `solo_closing` just *before* `info closing`
   * (§8.3), so the watcher remembers what to do and acts when the status arrives.
   */
  onStatus(status: string): void;
  /** Stops reacting (pending actions still finish). */
  stop(): void;
}

/**
 * Creates a watcher over a channel.
 * @param host - slash/settle/snapshot actions and an event sink
 * @param options - which actions are enabled
 * @returns a {@link Watcher}
 * @example
 * const watcher = createWatcher({ slash, settle, snapshot, report: console.log });
 * watcher.onChainTx({ info: 'can_slash', txType: 'channel_offchain_tx', tx });
 * watcher.onStatus('closing'); // slashes now
 */
export function createWatcher(host: WatcherHost, options: WatcherOptions = {}): Watcher {
  const enabled = { slash: options.slash ?? true, settle: options.settle ?? true, snapshot: options.snapshot ?? true };
  let stopped = false;
  let status = '';
  // what the chain asked for, not yet done
  let wantSlash = false;
  let wantSettle = false;
  let wantSnapshot = false;
  let slashing = false;
  let settling = false;
  let settled = false;
  let snapshotting = false;
  let canSlashTxType: string | null = null;
  /** The settle reached the chain before our settle call returned: report it after `watcherSettling`. */
  let closedEarly: { tx: Encoded<'tx'> | null } | null = null;
  let settleSigned = false;

  const act = (): void => {
    if (stopped) return;
    if (wantSlash && !slashing && status === 'closing') {
      wantSlash = false;
      slashing = true;
      host.slash().then(
        ({ tx }) => {
          slashing = false;
          host.report({ type: 'watcherSlashed', tx, reason: `the chain holds an older state (${canSlashTxType ?? 'unknown tx'})` });
          act();
        },
        (error: unknown) => {
          slashing = false;
          host.report({ type: 'watcherError', action: 'slash', error });
        },
      );
    }
    // Settle only once no slash is pending: a slash resets the lock period (§9.11).
    if (wantSettle && !settling && !settled && !slashing && !wantSlash && status === 'closing') {
      wantSettle = false;
      settling = true;
      host.settle().then(
        ({ tx }) => {
          settleSigned = true;
          host.report({ type: 'watcherSettling', tx });
          if (closedEarly !== null && !settled) {
            settled = true;
            host.report({ type: 'watcherSettled', tx: closedEarly.tx });
          }
        },
        (error: unknown) => {
          settling = false;
          host.report({ type: 'watcherError', action: 'settle', error });
        },
      );
    }
    if (wantSnapshot && !snapshotting && status === 'open') {
      wantSnapshot = false;
      snapshotting = true;
      host.snapshot().then(
        ({ tx }) => {
          snapshotting = false;
          host.report({ type: 'watcherSnapshotted', tx });
        },
        (error: unknown) => {
          snapshotting = false;
          host.report({ type: 'watcherError', action: 'snapshot', error });
        },
      );
    }
  };

  return {
    onChainTx(fact) {
      if (stopped) return;
      switch (fact.info) {
        case 'can_slash':
          // A repeated report while our slash is in flight is about the same stale state.
          if (!enabled.slash || slashing) return;
          canSlashTxType = fact.txType;
          wantSlash = true;
          break;
        case 'solo_closing':
          // A close solo or slash with our latest state is on chain: nothing to dispute,
          // settle when the lock period is over (the node waits for the unlock, §9.11).
          if (enabled.settle) wantSettle = true;
          break;
        case 'channel_closed':
          if (fact.txType === 'channel_settle_tx' && settling && !settled) {
            if (settleSigned) {
              settled = true;
              host.report({ type: 'watcherSettled', tx: fact.tx });
            } else closedEarly = { tx: fact.tx };
          }
          return;
        case 'can_snapshot':
          if (enabled.snapshot) wantSnapshot = true;
          break;
        default:
          return;
      }
      act();
    },
    onStatus(next) {
      status = next;
      if (next === 'open') {
        // The node says the channel is open: a slash or settle asked for by a report it did
        // not follow with `info closing` has nothing to act on (an unconfirmed report must
        // not fire later, when the channel closes for another reason).
        wantSlash = false;
        wantSettle = false;
      }
      act();
    },
    stop() {
      stopped = true;
    },
  };
}
