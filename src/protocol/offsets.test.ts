import { expect, it } from 'vitest';
import { compareOffsets, epochOf } from './offsets.ts';

it('orders offsets of one epoch by time, then sequence, numerically', () => {
  const sorted = ['e:10-10', 'e:9-0', 'e:10-2', 'e:1700000000000-0', 'e:10-0', 'e:1699999999999-99'].sort(compareOffsets);
  expect(sorted).toEqual(['e:9-0', 'e:10-0', 'e:10-2', 'e:10-10', 'e:1699999999999-99', 'e:1700000000000-0']);
  expect(compareOffsets('e:5-1', 'e:5-1')).toBe(0);
});

it('gives offsets of different epochs no order: neither a duplicate nor a successor', () => {
  const c = compareOffsets('new:1-0', 'old:99-0');
  expect(c <= 0).toBe(false);
  expect(c > 0).toBe(false);
  // An offset from before epochs existed has an epoch of its own.
  expect(Number.isNaN(compareOffsets('5-0', 'e:5-0'))).toBe(true);
  expect(compareOffsets('5-0', '4-0')).toBe(1);
});

it('reads the epoch of an offset', () => {
  expect(epochOf('Ab3_x-9Z:17-2')).toBe('Ab3_x-9Z');
  expect(epochOf('17-2')).toBe('');
});
