import { describe, expect, it } from 'vitest';
import { createEmitter } from './createEmitter.js';

type Ev = { type: 'a'; n: number } | { type: 'b'; s: string };

describe('createEmitter', () => {
  it('delivers to typed and wildcard listeners, and unsubscribes', () => {
    const emitter = createEmitter<Ev>();
    const seen: string[] = [];
    const offA = emitter.on('a', (e) => seen.push(`a${e.n}`));
    emitter.on('*', (e) => seen.push(`*${e.type}`));
    emitter.emit({ type: 'a', n: 1 });
    emitter.emit({ type: 'b', s: 'x' });
    offA();
    emitter.emit({ type: 'a', n: 2 });
    expect(seen).toEqual(['a1', '*a', '*b', '*a']);
    expect(emitter.listenerCount('a')).toBe(0);
    expect(emitter.listenerCount()).toBe(1);
  });

  it('once fires once, and off removes a once listener', () => {
    const emitter = createEmitter<Ev>();
    let count = 0;
    emitter.once('a', () => count++);
    emitter.emit({ type: 'a', n: 1 });
    emitter.emit({ type: 'a', n: 2 });
    expect(count).toBe(1);
    const listener = () => count++;
    emitter.once('a', listener);
    emitter.off('a', listener);
    emitter.emit({ type: 'a', n: 3 });
    expect(count).toBe(1);
    expect(emitter.listenerCount()).toBe(0);
  });

  it('never throws: a throwing listener is reported and others still run', () => {
    const errors: unknown[] = [];
    const emitter = createEmitter<Ev>({ onListenerError: (e) => errors.push(e) });
    let ran = false;
    emitter.on('a', () => {
      throw new Error('boom');
    });
    emitter.on('a', () => {
      ran = true;
    });
    expect(() => emitter.emit({ type: 'a', n: 1 })).not.toThrow();
    expect(ran).toBe(true);
    expect(errors).toHaveLength(1);
    expect(() => createEmitter<Ev>().emit({ type: 'b', s: '' })).not.toThrow();
  });

  it('iterates, buffering events and filtering types', async () => {
    const emitter = createEmitter<Ev>();
    const iterator = emitter.iterate({ types: ['b'] });
    emitter.emit({ type: 'b', s: 'one' });
    emitter.emit({ type: 'a', n: 1 });
    emitter.emit({ type: 'b', s: 'two' });
    const first = await iterator.next();
    const second = await iterator.next();
    expect([first.value, second.value]).toEqual([
      { type: 'b', s: 'one' },
      { type: 'b', s: 'two' },
    ]);
    const pending = iterator.next();
    emitter.emit({ type: 'b', s: 'three' });
    expect((await pending).value).toEqual({ type: 'b', s: 'three' });
  });

  it('does not leak listeners: break, abort and close all remove them', async () => {
    const emitter = createEmitter<Ev>();
    setTimeout(() => emitter.emit({ type: 'a', n: 1 }), 0);
    for await (const event of emitter.iterate()) {
      expect(event.type).toBe('a');
      break;
    }
    expect(emitter.listenerCount()).toBe(0);

    const controller = new AbortController();
    const aborted = emitter.iterate({ signal: controller.signal });
    const next = aborted.next();
    expect(emitter.listenerCount()).toBe(1);
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(emitter.listenerCount()).toBe(0);

    const open = emitter.iterate();
    const waiting = open.next();
    emitter.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(emitter.listenerCount()).toBe(0);
    emitter.on('a', () => {});
    expect(emitter.listenerCount()).toBe(0);
  });

  it('an already-aborted signal yields an ended iterator with no listener', async () => {
    const emitter = createEmitter<Ev>();
    const iterator = emitter.iterate({ signal: AbortSignal.abort() });
    expect(emitter.listenerCount()).toBe(0);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
