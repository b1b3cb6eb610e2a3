import { describe, expect, it, vi } from 'vitest';
import { createEmitter } from './emitter.ts';
import { createStore } from './store.ts';

describe('emitter', () => {
  it('isolates throwing listeners and counts listeners', () => {
    const thrown: unknown[] = [];
    const e = createEmitter<{ a: number }>((x) => thrown.push(x));
    const after = vi.fn();
    const off1 = e.on('a', () => {
      throw new Error('x');
    });
    const off2 = e.on('a', after);
    e.emit('a', 1);
    expect(after).toHaveBeenCalledWith(1);
    expect(thrown).toHaveLength(1);
    expect(e.size()).toBe(2);
    off1();
    off2();
    expect(e.size()).toBe(0);
  });
});

describe('store', () => {
  it('keeps the same value until set, and isolates throwing subscribers', () => {
    const thrown: unknown[] = [];
    const s = createStore({ n: 0 }, (x) => thrown.push(x));
    const v = s.get();
    expect(s.get()).toBe(v);
    const seen = vi.fn();
    s.subscribe(() => {
      throw new Error('x');
    });
    const off = s.subscribe(seen);
    s.set({ n: 1 });
    expect(seen).toHaveBeenCalledTimes(1);
    expect(thrown).toHaveLength(1);
    off();
    expect(s.size()).toBe(1);
  });
});
