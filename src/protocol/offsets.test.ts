import { expect, it } from 'vitest';
import { compareOffsets } from './offsets.ts';

it('orders offsets by time, then sequence, numerically', () => {
  const sorted = ['10-10', '9-0', '10-2', '1700000000000-0', '10-0', '1699999999999-99'].sort(compareOffsets);
  expect(sorted).toEqual(['9-0', '10-0', '10-2', '10-10', '1699999999999-99', '1700000000000-0']);
  expect(compareOffsets('5-1', '5-1')).toBe(0);
});
