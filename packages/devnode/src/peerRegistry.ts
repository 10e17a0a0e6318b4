/**
 * Pairs initiator FSMs with responder FSMs, replacing the node-to-node Noise connection
 * (PROTOCOL.md §0, §9.2 step 2).
 *
 * A responder FSM "listens" on its `port`; an initiator FSM "connects" to the responder's
 * `port`. They match when the ports are equal, the responder ids are equal and the
 * initiator ids are equal (or the responder accepts `any`); for a reestablish both must
 * also name the same channel. Either side may come first.
 */
import type { Encoded } from '@aechannel/codec';

/** What the registry needs to know about an FSM. */
export interface Pairable {
  readonly port: bigint;
  /** `undefined` for a responder that accepts any initiator. */
  readonly initiatorKey: Encoded<'ak'> | undefined;
  readonly responderKey: Encoded<'ak'>;
  /** Set when the FSM reestablishes an existing channel. */
  readonly reestablishing: Encoded<'ch'> | undefined;
  /** Called on both FSMs once paired. */
  paired(peer: Pairable): void;
}

/** The listen/connect tables of one devnode. */
export class PeerRegistry {
  readonly #listening = new Set<Pairable>();
  readonly #connecting = new Set<Pairable>();

  #matches(initiator: Pairable, responder: Pairable): boolean {
    if (initiator.port !== responder.port || initiator.responderKey !== responder.responderKey) return false;
    if (responder.initiatorKey !== undefined && responder.initiatorKey !== initiator.initiatorKey) return false;
    return initiator.reestablishing === responder.reestablishing;
  }

  /** A responder starts listening; pairs at once with a waiting initiator. */
  listen(responder: Pairable): void {
    for (const initiator of this.#connecting) {
      if (this.#matches(initiator, responder)) {
        this.#connecting.delete(initiator);
        initiator.paired(responder);
        responder.paired(initiator);
        return;
      }
    }
    this.#listening.add(responder);
  }

  /** An initiator connects; pairs at once with a listening responder. */
  connect(initiator: Pairable): void {
    for (const responder of this.#listening) {
      if (this.#matches(initiator, responder)) {
        this.#listening.delete(responder);
        initiator.paired(responder);
        responder.paired(initiator);
        return;
      }
    }
    this.#connecting.add(initiator);
  }

  /** Removes an FSM from both tables. */
  remove(fsm: Pairable): void {
    this.#listening.delete(fsm);
    this.#connecting.delete(fsm);
  }

  /** Numbers of waiting FSMs. */
  get size(): { listening: number; connecting: number } {
    return { listening: this.#listening.size, connecting: this.#connecting.size };
  }
}
