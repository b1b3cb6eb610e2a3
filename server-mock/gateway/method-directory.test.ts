import { describe, expect, it, vi } from 'vitest';
import { createMemoryBroker } from '../broker/memory.ts';
import { createMethodDirectory } from './method-directory.ts';

describe('createMethodDirectory', () => {
  it("knows the workers' methods from the broker's directory, and the built-in ones", async () => {
    const broker = createMemoryBroker({ prefix: 'md-test:' });
    await broker.advertise('w1', { 'orders.create': {} }, 60_000);
    const dir = createMethodDirectory({ load: () => broker.methods() });
    await dir.refresh();
    expect(dir.has('orders.create')).toBe(true);
    expect(dir.has('system.ping')).toBe(true);
    expect(dir.has('orders.delete')).toBe(false);
    expect(dir.has('constructor')).toBe(false);
    dir.close();
    await broker.close();
  });

  it('picks up methods announced later, on the next reload', async () => {
    let list = ['a'];
    const dir = createMethodDirectory({ load: async () => list, refreshMs: 20 });
    await dir.refresh();
    expect(dir.has('b')).toBe(false);
    list = ['a', 'b'];
    await vi.waitFor(() => expect(dir.has('b')).toBe(true));
    dir.close();
  });

  it('keeps the previous list when a reload fails, and warns once', async () => {
    let fail = false;
    const warn = vi.fn();
    const dir = createMethodDirectory({ load: async () => (fail ? Promise.reject(new Error('redis down')) : ['a']), logger: { warn } });
    await dir.refresh();
    fail = true;
    await dir.refresh();
    await dir.refresh();
    expect(dir.has('a')).toBe(true);
    expect(warn).toHaveBeenCalledOnce();
    dir.close();
  });

  it('keeps at most maxMethods names', async () => {
    const dir = createMethodDirectory({ load: async () => ['a', 'b', 'c'], maxMethods: 2 });
    await dir.refresh();
    expect(['a', 'b', 'c'].filter((m) => dir.has(m))).toHaveLength(2);
    dir.close();
  });
});
