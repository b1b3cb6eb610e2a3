import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserEnvironment } from './environment.ts';

describe('browserEnvironment', () => {
  afterEach(() => vi.restoreAllMocks());

  it('turns online, offline, visibilitychange and pageshow into signals, and stops on unwatch', () => {
    const env = browserEnvironment();
    const s = { online: vi.fn(), offline: vi.fn(), wake: vi.fn() };
    const unwatch = env.watch(s);
    window.dispatchEvent(new Event('offline'));
    window.dispatchEvent(new Event('online'));
    window.dispatchEvent(new Event('pageshow'));
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    visibility.mockReturnValue('visible');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(s.offline).toHaveBeenCalledTimes(1);
    expect(s.online).toHaveBeenCalledTimes(1);
    expect(s.wake).toHaveBeenCalledTimes(2); // pageshow, then visible (not hidden)
    unwatch();
    window.dispatchEvent(new Event('online'));
    expect(s.online).toHaveBeenCalledTimes(1);
  });

  it('reads navigator.onLine', () => {
    const env = browserEnvironment();
    const onLine = vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    expect(env.isOnline()).toBe(false);
    onLine.mockReturnValue(true);
    expect(env.isOnline()).toBe(true);
  });

  it('works where there is no window: always online, never signals', () => {
    vi.stubGlobal('window', undefined);
    vi.stubGlobal('navigator', undefined);
    const env = browserEnvironment();
    expect(env.isOnline()).toBe(true);
    expect(() => env.watch({ online() {}, offline() {}, wake() {} })()).not.toThrow();
    vi.unstubAllGlobals();
  });
});
