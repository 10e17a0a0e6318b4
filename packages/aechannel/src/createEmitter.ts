/**
 * A small typed event emitter for unions of events discriminated on `type`.
 *
 * - `on`/`once` return an unsubscribe function; `off` removes a listener.
 * - `emit` never throws: a listener that throws is reported to `onListenerError` and the
 *   other listeners still run. Emitting with nobody listening is a no-op.
 * - `iterate()` is an async iterator over events. It buffers what arrives between two
 *   `next()` calls, and removes its listener as soon as the consumer stops (`break`,
 *   `return()`), the signal aborts or the emitter is closed, so nothing leaks.
 */

/** Any event: an object with a string `type`. */
export interface TypedEvent {
  /** The event's discriminant. */
  type: string;
}

/** A listener of events of type `T`. */
export type Listener<E> = (event: E) => void;

/** Options of {@link Emitter.iterate}. */
export interface IterateOptions<T extends string> {
  /** Only these event types (all when omitted). */
  types?: readonly T[];
  /** Stops the iterator when aborted. */
  signal?: AbortSignal;
}

/** The emitter returned by {@link createEmitter}. */
export interface Emitter<E extends TypedEvent> {
  /** Calls `listener` for every event of `type` (or every event for `'*'`); returns an unsubscribe function. */
  on<T extends E['type']>(type: T, listener: Listener<Extract<E, { type: T }>>): () => void;
  on(type: '*', listener: Listener<E>): () => void;
  /** Like `on`, for the next event only. */
  once<T extends E['type']>(type: T, listener: Listener<Extract<E, { type: T }>>): () => void;
  once(type: '*', listener: Listener<E>): () => void;
  /** Removes a listener added with `on` or `once`. */
  off<T extends E['type']>(type: T | '*', listener: Listener<never>): void;
  /** Delivers an event to its listeners; never throws. */
  emit(event: E): void;
  /** An async iterator over future events. */
  iterate<T extends E['type'] = E['type']>(options?: IterateOptions<T>): AsyncIterableIterator<Extract<E, { type: T }>>;
  /** Number of listeners (of one type, or of all types), iterators included. */
  listenerCount(type?: E['type'] | '*'): number;
  /** Removes every listener and ends every iterator. Later `emit`s do nothing. */
  close(): void;
}

/** Options of {@link createEmitter}. */
export interface CreateEmitterOptions {
  /** Called when a listener throws; default ignores it. */
  onListenerError?: (error: unknown, eventType: string) => void;
}

/**
 * Creates a typed emitter.
 * @param options - see {@link CreateEmitterOptions}
 * @returns the emitter; `emit` never throws, also when nobody listens or a listener throws
 * @example
 * const emitter = createEmitter<{ type: 'ping' } | { type: 'message'; text: string }>();
 * const off = emitter.on('message', (e) => console.log(e.text));
 * emitter.emit({ type: 'message', text: 'hi' });
 * off();
 */
export function createEmitter<E extends TypedEvent>(options: CreateEmitterOptions = {}): Emitter<E> {
  const listeners = new Map<string, Set<Listener<E>>>();
  const onceWrappers = new Map<Listener<never>, Listener<E>>();
  const iterators = new Set<() => void>();
  let closed = false;

  const add = (type: string, listener: Listener<E>): (() => void) => {
    if (closed) return () => {};
    let set = listeners.get(type);
    if (set === undefined) {
      set = new Set();
      listeners.set(type, set);
    }
    set.add(listener);
    return () => remove(type, listener);
  };

  const remove = (type: string, listener: Listener<E>): void => {
    const set = listeners.get(type);
    if (set === undefined) return;
    set.delete(listener);
    if (set.size === 0) listeners.delete(type);
  };

  const emitter: Emitter<E> = {
    on(type: string, listener: Listener<never>) {
      return add(type, listener as Listener<E>);
    },
    once(type: string, listener: Listener<never>) {
      const wrapper: Listener<E> = (event) => {
        remove(type, wrapper);
        onceWrappers.delete(listener);
        (listener as Listener<E>)(event);
      };
      onceWrappers.set(listener, wrapper);
      const unsubscribe = add(type, wrapper);
      return () => {
        onceWrappers.delete(listener);
        unsubscribe();
      };
    },
    off(type, listener) {
      remove(type, listener as Listener<E>);
      const wrapper = onceWrappers.get(listener);
      if (wrapper !== undefined) {
        onceWrappers.delete(listener);
        remove(type, wrapper);
      }
    },
    emit(event) {
      if (closed) return;
      for (const key of [event.type, '*']) {
        const set = listeners.get(key);
        if (set === undefined) continue;
        for (const listener of [...set]) {
          try {
            listener(event);
          } catch (error) {
            try {
              options.onListenerError?.(error, event.type);
            } catch {
              // a failing error handler is ignored too: emit never throws
            }
          }
        }
      }
    },
    iterate<T extends E['type']>(iterateOptions: IterateOptions<T> = {}) {
      type Out = Extract<E, { type: T }>;
      const buffer: Out[] = [];
      const waiting: ((result: IteratorResult<Out>) => void)[] = [];
      const types = iterateOptions.types === undefined ? undefined : new Set<string>(iterateOptions.types);
      let done = closed || iterateOptions.signal?.aborted === true;

      const finish = (): void => {
        if (done && waiting.length === 0 && !iterators.has(finish)) return;
        done = true;
        unsubscribe();
        iterators.delete(finish);
        iterateOptions.signal?.removeEventListener('abort', finish);
        buffer.length = 0;
        for (const resolve of waiting.splice(0)) resolve({ done: true, value: undefined });
      };

      const unsubscribe = done
        ? () => {}
        : add('*', (event) => {
            if (types !== undefined && !types.has(event.type)) return;
            const waiter = waiting.shift();
            if (waiter === undefined) buffer.push(event as Out);
            else waiter({ done: false, value: event as Out });
          });
      if (!done) {
        iterators.add(finish);
        iterateOptions.signal?.addEventListener('abort', finish, { once: true });
      }

      const iterator: AsyncIterableIterator<Out> = {
        next() {
          const value = buffer.shift();
          if (value !== undefined) return Promise.resolve({ done: false, value });
          if (done) return Promise.resolve({ done: true, value: undefined });
          return new Promise((resolve) => waiting.push(resolve));
        },
        return() {
          finish();
          return Promise.resolve({ done: true, value: undefined });
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },
    listenerCount(type) {
      if (type !== undefined) return listeners.get(type)?.size ?? 0;
      let count = 0;
      for (const set of listeners.values()) count += set.size;
      return count;
    },
    close() {
      closed = true;
      for (const finish of [...iterators]) finish();
      listeners.clear();
      onceWrappers.clear();
    },
  };
  return emitter;
}
