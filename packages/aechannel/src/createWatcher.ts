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
  /** Stops reacting (pending actions still finish). */
  stop(): void;
}

/**
 * Creates a watcher over a channel.
 * @param host - slash/settle/snapshot actions and an event sink
 * @param options - which actions are enabled
 * @returns a {@link Watcher}
 */
export function createWatcher(host: WatcherHost, options: WatcherOptions = {}): Watcher {
  const enabled = { slash: options.slash ?? true, settle: options.settle ?? true, snapshot: options.snapshot ?? true };
  let stopped = false;
  let slashing = false;
  let settling = false;
  let settled = false;
  let snapshotting = false;

  const settle = (): void => {
    if (!enabled.settle || settling || settled || stopped) return;
    settling = true;
    host.settle().then(
      ({ tx }) => host.report({ type: 'watcherSettling', tx }),
      (error: unknown) => {
        settling = false;
        host.report({ type: 'watcherError', action: 'settle', error });
      },
    );
  };

  return {
    onChainTx(fact) {
      if (stopped) return;
      switch (fact.info) {
        case 'can_slash':
          if (!enabled.slash || slashing) return;
          slashing = true;
          host.slash().then(
            ({ tx }) => {
              slashing = false;
              host.report({ type: 'watcherSlashed', tx, reason: `the chain holds an older state (${fact.txType ?? 'unknown tx'})` });
            },
            (error: unknown) => {
              slashing = false;
              host.report({ type: 'watcherError', action: 'slash', error });
            },
          );
          return;
        case 'solo_closing':
          // A close solo or slash with our latest state is on chain: nothing to dispute,
          // settle when the lock period is over (the node waits for the unlock, §9.11).
          settle();
          return;
        case 'channel_closed':
          if (fact.txType === 'channel_settle_tx' && settling && !settled) {
            settled = true;
            host.report({ type: 'watcherSettled', tx: fact.tx });
          }
          return;
        case 'can_snapshot':
          if (!enabled.snapshot || snapshotting) return;
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
          return;
        default:
          return;
      }
    },
    stop() {
      stopped = true;
    },
  };
}
