import { parseJson, stringifyJson, type Encoded } from '@aechannel/codec';
import { nextTimer, step, type ChannelEvent, type ChannelState, type Command, type Input, type PersistedChannel } from '@aechannel/fsm';

/** What you bring: a socket factory, a signer and a store (any implementation). */
export interface Host {
  connect(query: Record<string, string>, on: { open(): void; message(text: string): void; close(): void }): { send(text: string): void; close(): void };
  sign(tx: Encoded<'tx'>, networkId: string): Promise<Encoded<'tx'>>;
  persist(snapshot: PersistedChannel): Promise<void>;
  onEvent?(event: ChannelEvent): void;
}

/** A minimal driver: feeds facts into `step` and carries out the effects in order. */
export function embed(initial: ChannelState, host: Host) {
  let state = initial;
  let socket: ReturnType<Host['connect']> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let nextCommandId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();

  const feed = (input: Input): void => {
    const result = step(state, input);
    state = result.state;
    for (const effect of result.effects) {
      switch (effect.type) {
        case 'connect':
          socket = host.connect(effect.query, {
            open: () => feed({ type: 'transportOpened', now: Date.now() }),
            message: (text) => feed({ type: 'nodeMessage', now: Date.now(), message: parseJson(text) }),
            close: () => feed({ type: 'transportClosed', now: Date.now() }),
          });
          break;
        case 'send':
          socket?.send(stringifyJson(effect.message));
          break;
        case 'sign': // a wallet/policy could look at effect.decoded, effect.updates and effect.reason here
          host.sign(effect.tx, effect.networkId).then(
            (signedTx) => feed({ type: 'signed', now: Date.now(), requestId: effect.requestId, signedTx }),
            () => feed({ type: 'signRefused', now: Date.now(), requestId: effect.requestId }),
          );
          break;
        case 'persist':
          void host.persist(effect.snapshot).then(() => feed({ type: 'persisted', now: Date.now(), persistId: effect.persistId }));
          break;
        case 'settle': {
          const p = pending.get(effect.commandId);
          pending.delete(effect.commandId);
          if (effect.ok) p?.resolve(effect.result);
          else p?.reject(effect.error);
          break;
        }
        case 'emit':
          host.onEvent?.(effect.event);
          break;
        case 'close':
          socket?.close();
          break;
        case 'resolveEnv': // only with options.resolveChainEnv: this host knows no chain, so it cannot tell
          queueMicrotask(() => feed({ type: 'envResolved', now: Date.now(), requestId: effect.requestId, envs: [] }));
          break;
        case 'setTimer':
        case 'clearTimer':
          break; // one host timer, re-armed below at the earliest deadline
      }
    }
    clearTimeout(timer);
    const next = nextTimer(state);
    if (next !== null) timer = setTimeout(() => feed({ type: 'timerFired', now: Date.now(), timer: next.timer }), Math.max(0, next.at - Date.now()));
  };

  feed({ type: 'start', now: Date.now() });
  return {
    get state() {
      return state;
    },
    command(command: Command): Promise<unknown> {
      const commandId = nextCommandId++;
      return new Promise((resolve, reject) => {
        pending.set(commandId, { resolve, reject });
        feed({ type: 'command', now: Date.now(), commandId, command });
      });
    },
    stop(): void {
      clearTimeout(timer);
    },
  };
}
