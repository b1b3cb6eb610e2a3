import { expect, it } from 'vitest';
import { closeAction } from './close-policy.ts';

it('stops on 4000, re-authenticates on 4001, comes back soon on 1012 and retries on everything else', () => {
  expect(closeAction(4000)).toBe('stop');
  expect(closeAction(4001)).toBe('reauth');
  expect(closeAction(1012)).toBe('soon');
  for (const code of [1000, 1001, 1006, 1009, 1011, 1013, 4008, 4029, 3000, 4999]) expect(closeAction(code)).toBe('retry');
});
