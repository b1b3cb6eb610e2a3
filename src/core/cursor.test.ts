import { expect, it } from 'vitest';
import { createCursor } from './cursor.ts';

it('drops events at or before its position and moves past newer ones', () => {
  const c = createCursor();
  expect(c.see('e:5-0')).toBe(true);
  expect(c.see('e:5-0')).toBe(false);
  expect(c.see('e:4-9')).toBe(false);
  expect(c.see('e:5-1')).toBe(true);
  expect(c.at()).toBe('e:5-1');
});

it('says gap for the first event of another epoch, then follows the new epoch', () => {
  const c = createCursor();
  c.set('old:90-0');
  expect(c.see('new:1-0')).toBe('gap');
  expect(c.see('new:2-0')).toBe(true);
  expect(c.see('old:91-0')).toBe('gap');
});

it('accepts anything before it has a position', () => {
  const c = createCursor();
  expect(c.see('x:1-0')).toBe(true);
  c.set(undefined);
  expect(c.at()).toBeUndefined();
});
