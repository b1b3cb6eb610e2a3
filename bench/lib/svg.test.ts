import { describe, expect, it } from 'vitest';
import { barChart, compact, lineChart, type Series } from './svg.ts';

/** Throws unless every opened tag is closed in order: enough to catch broken markup. */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) stack.push(name!);
    else expect(stack.pop(), `</${name}>`).toBe(name);
  }
  expect(stack).toEqual([]);
}

/** The coordinates of each polyline, in order. */
const polylines = (svg: string) =>
  [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]));

const base = { title: 'Latency', xLabel: 'percentile', yLabel: 'ms' };

describe('lineChart', () => {
  it('is a standalone, well-formed SVG with escaped text', () => {
    const svg = lineChart({ ...base, title: 'p99 < 5 ms & "fast"', series: [{ name: '<raw>', points: [{ x: 1, y: 2 }] }] });
    assertBalanced(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="720" height="420" viewBox="0 0 720 420"/);
    expect(svg).toContain('<title>p99 &lt; 5 ms &amp; &quot;fast&quot;</title>');
    expect(svg).toContain('&lt;raw&gt;');
    expect(svg).not.toContain('<raw>');
    expect(svg).toContain('fill="#ffffff"');
    expect(svg).not.toMatch(/<script|@import|href=/);
  });

  it('draws one polyline per series', () => {
    const series: Series[] = ['a', 'b', 'c'].map((name, i) => ({ name, points: [{ x: 1, y: i }, { x: 2, y: i + 1 }] }));
    const svg = lineChart({ ...base, series });
    expect(polylines(svg)).toHaveLength(3);
    for (const name of ['a', 'b', 'c']) expect(svg).toContain(`>${name}</text>`);
  });

  it('places each decade the same distance apart on a log axis', () => {
    const svg = lineChart({ ...base, yScale: 'log', series: [{ name: 's', points: [{ x: 1, y: 10 }, { x: 2, y: 100 }, { x: 3, y: 1000 }] }] });
    const [[a, b, c]] = polylines(svg) as [[number, number][]];
    expect(a![1] - b![1]).toBeGreaterThan(0);
    expect(a![1] - b![1]).toBeCloseTo(b![1] - c![1], 0);
  });

  it('places p90 and p99 as far apart as p0 and p90 on a percentile axis', () => {
    const points = [0, 90, 99, 99.9, 100].map((x) => ({ x, y: x }));
    const svg = lineChart({ ...base, xScale: 'percentile', series: [{ name: 's', points }] });
    const [[p0, p90, p99, p999, max]] = polylines(svg) as [[number, number][]];
    const decade = p90![0] - p0![0];
    expect(decade).toBeGreaterThan(0);
    expect(p99![0] - p90![0]).toBeCloseTo(decade, 0);
    expect(p999![0] - p99![0]).toBeCloseTo(decade, 0);
    // The maximum is drawn one step further, where p99.99 would be.
    expect(max![0] - p999![0]).toBeCloseTo(decade, 0);
    for (const label of ['>p50<', '>p90<', '>p99<', '>p99.9<', '>max<']) expect(svg).toContain(label);
  });

  it('skips points it cannot draw', () => {
    const points = [{ x: 1, y: 5 }, { x: 2, y: Number.NaN }, { x: Number.NaN, y: 1 }, { x: 3, y: 0 }, { x: 4, y: 7 }];
    expect(polylines(lineChart({ ...base, series: [{ name: 's', points }] }))[0]).toHaveLength(3);
    // 0 has no place on a log axis.
    expect(polylines(lineChart({ ...base, yScale: 'log', series: [{ name: 's', points }] }))[0]).toHaveLength(2);
    const empty = lineChart({ ...base, series: [{ name: 's', points: [] }] });
    assertBalanced(empty);
    expect(empty).toContain('no data');
    expect(empty).not.toContain('NaN');
  });

  it('draws whiskers and uses explicit ticks', () => {
    const points = [{ x: 1000, y: 5, low: 4, high: 7 }, { x: 5000, y: 9, low: 8, high: 11 }];
    const ticks = [{ value: 1000, label: '1,000 conns' }, { value: 5000, label: '5,000 conns' }];
    const svg = lineChart({ ...base, xTicks: ticks, series: [{ name: 's', points }] });
    expect(svg.match(/class="whisker"/g)).toHaveLength(2);
    expect(svg).toContain('>1,000 conns<');
    expect(svg).not.toContain('>2k<');
  });
});

describe('barChart', () => {
  const groups = [
    { label: 'tether', bars: [{ name: 'gzip', value: 9.5, low: 9, high: 10 }, { name: 'min', value: 30 }] },
    { label: 'socket.io', bars: [{ name: 'gzip', value: Number.NaN }, { name: 'min', value: 45, low: 40, high: 50 }] },
  ];

  it('draws a bar per finite value, whiskers where given, value labels and a legend', () => {
    const svg = barChart({ title: 'Size <kB>', unit: 'kB', groups });
    assertBalanced(svg);
    expect(svg).toContain('<title>Size &lt;kB&gt;</title>');
    expect(svg.match(/<rect x=/g)).toHaveLength(3 + 2); // three bars, two legend swatches
    expect(svg.match(/class="whisker"/g)).toHaveLength(2);
    for (const label of ['>9.5<', '>30<', '>45<', '>n/a<', '>tether<', '>socket.io<']) expect(svg).toContain(label);
    expect(svg).not.toContain('NaN');
  });

  it('works vertically and on a log axis', () => {
    for (const svg of [
      barChart({ title: 't', unit: 'kB', groups, orientation: 'vertical' }),
      barChart({ title: 't', unit: 'kB', groups, yScale: 'log' }),
    ]) {
      assertBalanced(svg);
      expect(svg).not.toContain('NaN');
      expect(svg.match(/class="whisker"/g)).toHaveLength(2);
    }
  });

  it('draws reference marks inside the axis', () => {
    const svg = barChart({ title: 't', unit: 'kB', groups, marks: [{ value: 80, label: 'budget' }] });
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('>budget<');
    expect(svg).toContain('>80<'); // the axis grew to hold the mark
  });

  it('leaves out the legend for a single bar name', () => {
    const svg = barChart({ title: 't', unit: 'kB', groups: [{ label: 'a', bars: [{ name: 'only', value: 1 }] }] });
    expect(svg).not.toContain('>only<');
  });
});

describe('compact', () => {
  it('keeps three significant digits with a suffix', () => {
    expect([0, 0.25, 12.345, 1234, 999_950, 2_500_000, 1.5e9, Number.NaN].map((n) => compact(n))).toEqual([
      '0', '0.25', '12.3', '1.23k', '1M', '2.5M', '1.5G', 'n/a',
    ]);
  });
});
