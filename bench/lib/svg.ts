/**
 * Dependency-free SVG charts for BENCHMARKS.md: line charts (latency curves, scaling) and
 * grouped bar charts. GitHub shows them as images, so they are plain SVG with explicit
 * sizes: no script, no web font, and a white background so they read the same in light
 * and dark mode. Text layout uses an estimated glyph width, since nothing here can measure text.
 */

export interface Point {
  x: number;
  y: number;
  /** whisker range (e.g. min/max over repetitions) */
  low?: number;
  high?: number;
}

export interface Series {
  name: string;
  points: Point[];
}

/** Okabe–Ito, which stays distinguishable with the common colour-vision deficiencies; yellow last, it is faint on white. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'];
const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
/** Average glyph width at 12 px, for layout. */
const CHAR_W = 6.6;
const INK = '#333333';

export function escapeXml(s: string): string {
  const named: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };
  return s.replace(/[<>&"']/g, (c) => named[c]!);
}

/** 3 significant digits with k/M/G: 1234 → "1.23k". Ticks pass more digits so that close ticks stay distinct. */
export function compact(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return 'n/a';
  // Round first, so that 999,950 becomes "1M" rather than "1000k".
  const r = Number(n.toPrecision(digits));
  const a = Math.abs(r);
  const [div, suffix] = a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : a >= 1e3 ? [1e3, 'k'] : [1, ''];
  return `${Number((r / div).toPrecision(digits))}${suffix}`;
}

const num = (n: number) => String(Math.round(n * 10) / 10);

function tag(name: string, attrs: Record<string, string | number | undefined>, body?: string): string {
  let a = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined) a += ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`;
  }
  return body === undefined ? `<${name}${a}/>` : `<${name}${a}>${body}</${name}>`;
}

const text = (x: number, y: number, s: string, attrs: Record<string, string | number> = {}) =>
  tag('text', { x, y, fill: INK, ...attrs }, escapeXml(s));

const line = (x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1) =>
  tag('line', { x1, y1, x2, y2, stroke, 'stroke-width': width });

// ---- Axes: where a value falls (0–1 along the axis) and which ticks to draw ----

interface Tick {
  value: number;
  label: string;
  minor?: boolean;
}

interface Axis {
  /** Where `v` falls as a fraction of the axis; NaN where it cannot be drawn (≤ 0 on a log axis). */
  at(v: number): number;
  ticks: Tick[];
}

/** 1-2-5 steps, about `count` of them over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

function linearAxis(values: number[], fromZero: boolean): Axis {
  let lo = Math.min(...values, ...(fromZero ? [0] : []));
  let hi = Math.max(...values, ...(fromZero ? [0] : []));
  if (hi === lo) hi = lo + (Math.abs(lo) || 1);
  const step = niceStep(hi - lo, 5);
  // The epsilon keeps 3.0000000004 steps from growing a fourth.
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: Tick[] = [];
  for (let i = 0; i <= Math.round((hi - lo) / step); i++) {
    const value = Number((lo + i * step).toPrecision(12));
    ticks.push({ value, label: compact(value, 6) });
  }
  return { at: (v) => (v - lo) / (hi - lo), ticks };
}

function logAxis(values: number[]): Axis {
  const pos = values.filter((v) => v > 0);
  const d0 = pos.length ? Math.floor(Math.log10(Math.min(...pos)) + 1e-9) : 0;
  let d1 = pos.length ? Math.ceil(Math.log10(Math.max(...pos)) - 1e-9) : 1;
  if (d1 === d0) d1++;
  const ticks: Tick[] = [];
  for (let d = d0; d <= d1; d++) {
    const decade = Number((10 ** d).toPrecision(12));
    ticks.push({ value: decade, label: compact(decade, 6) });
    // With few decades the bare powers of ten are too sparse to read values off.
    if (d1 - d0 <= 3 && d < d1) {
      for (const m of [2, 5]) ticks.push({ value: m * decade, label: compact(m * decade, 6), minor: true });
    }
  }
  return { at: (v) => (v > 0 ? (Math.log10(v) - d0) / (d1 - d0) : Number.NaN), ticks };
}

/** 100 would be infinitely far out; the maximum is drawn where p99.99 would be. */
const P_CLAMP = 99.99;
const pPos = (p: number) => -Math.log10(1 - Math.min(Math.max(p, 0), P_CLAMP) / 100);
const P_TICKS: [number, string][] = [
  [0, 'min'], [50, 'p50'], [90, 'p90'], [99, 'p99'], [99.9, 'p99.9'], [99.99, 'p99.99'], [100, 'max'],
];

/** HdrHistogram's axis: each further nine (90, 99, 99.9) one step to the right. */
function percentileAxis(values: number[]): Axis {
  const lo = pPos(Math.min(...values));
  let hi = pPos(Math.max(...values));
  if (hi === lo) hi = lo + 1;
  const ticks: Tick[] = [];
  for (const [p, label] of P_TICKS) {
    const at = pPos(p);
    if (at < lo - 1e-9 || at > hi + 1e-9) continue;
    // "max" takes the place of p99.99, where it is drawn.
    if (ticks.length && Math.abs(pPos(ticks[ticks.length - 1]!.value) - at) < 1e-9) ticks.pop();
    ticks.push({ value: p, label });
  }
  return { at: (v) => (Number.isFinite(v) ? (pPos(v) - lo) / (hi - lo) : Number.NaN), ticks };
}

// ---- Shared layout ----

interface Frame {
  width: number;
  height: number;
  title: string;
  body: string;
}

function frame({ width, height, title, body }: Frame): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
    ` role="img" font-family="${escapeXml(FONT)}" font-size="12">` +
    tag('title', {}, escapeXml(title)) +
    tag('rect', { width, height, fill: '#ffffff' }) +
    text(width / 2, 22, title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold' }) +
    body +
    '</svg>\n'
  );
}

/** Legend entries laid out in rows that fit `width`; each entry is a 24 px swatch and its name. */
function legend(names: string[], x0: number, y0: number, width: number, swatch: (i: number, x: number, y: number) => string) {
  let x = 0;
  let row = 0;
  let out = '';
  names.forEach((name, i) => {
    const w = 24 + name.length * CHAR_W + 16;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    const y = y0 + row * 18;
    out += swatch(i, x0 + x, y) + text(x0 + x + 24, y + 4, name);
    x += w;
  });
  return { svg: out, rows: names.length ? row + 1 : 0 };
}

const legendRows = (names: string[], width: number) => legend(names, 0, 0, width, () => '').rows;
const colour = (i: number) => PALETTE[i % PALETTE.length]!;

/** A marker shape per series as well as a colour, for readers who cannot tell the colours apart. */
function marker(i: number, x: number, y: number): string {
  const c = colour(i);
  switch (i % 4) {
    case 0: return tag('circle', { cx: x, cy: y, r: 3.5, fill: c });
    case 1: return tag('rect', { x: x - 3.2, y: y - 3.2, width: 6.4, height: 6.4, fill: c });
    case 2: return tag('path', { d: `M${num(x)} ${num(y - 4.2)}L${num(x + 4)} ${num(y + 3)}L${num(x - 4)} ${num(y + 3)}Z`, fill: c });
    default: return tag('path', { d: `M${num(x)} ${num(y - 4.5)}L${num(x + 4.5)} ${num(y)}L${num(x)} ${num(y + 4.5)}L${num(x - 4.5)} ${num(y)}Z`, fill: c });
  }
}

/** A range from `a` to `b` with end caps across it; `vertical` is the range's direction. */
function whisker(a: [number, number], b: [number, number], vertical: boolean, stroke: string): string {
  const cap = ([x, y]: [number, number]) =>
    vertical ? `M${num(x - 4)} ${num(y)}H${num(x + 4)}` : `M${num(x)} ${num(y - 4)}V${num(y + 4)}`;
  const d = `M${num(a[0])} ${num(a[1])}L${num(b[0])} ${num(b[1])}${cap(a)}${cap(b)}`;
  return tag('path', { class: 'whisker', d, stroke, 'stroke-width': 1.2, fill: 'none' });
}

/** The vertical axis's label, turned to run up its left side. */
const sideLabel = (top: number, bottom: number, label: string) =>
  text(14, (top + bottom) / 2, label, { 'text-anchor': 'middle', transform: `rotate(-90 14 ${num((top + bottom) / 2)})` });

const finite = (...ns: (number | undefined)[]) => ns.filter((n): n is number => n !== undefined && Number.isFinite(n));
const labelWidth = (ticks: Tick[]) => Math.max(0, ...ticks.map((t) => t.label.length)) * CHAR_W;

// ---- Charts ----

/** Lines with markers and optional whiskers; legend with series names. */
export function lineChart(o: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** 'percentile': x values are percentiles 0..100 drawn on the HdrHistogram-style axis -log10(1 - p/100) (0, 90, 99, 99.9 evenly spaced; 100 is drawn at 99.99); ticks labelled "min", "p50", "p90", "p99", "p99.9", "max". */
  xScale?: 'linear' | 'log' | 'percentile';
  yScale?: 'linear' | 'log';
  /** A linear y axis starts at 0 unless this is false. */
  yFromZero?: boolean;
  /** Explicit x ticks, e.g. connection counts 1000 and 5000 */
  xTicks?: { value: number; label: string }[];
  width?: number;
  height?: number;
}): string {
  const { width = 720, height = 420, xScale = 'linear', yScale = 'linear' } = o;
  const pts = o.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = [...pts.map((p) => p.x), ...(o.xTicks ?? []).map((t) => t.value)];
  const ys = pts.flatMap((p) => finite(p.y, p.low, p.high));
  const x =
    xScale === 'percentile' ? percentileAxis(xs.length ? xs : [0, 100]) : xScale === 'log' ? logAxis(xs) : linearAxis(xs.length ? xs : [0, 1], false);
  if (o.xTicks) x.ticks = o.xTicks.map((t) => ({ ...t }));
  const y = yScale === 'log' ? logAxis(ys) : linearAxis(ys.length ? ys : [0, 1], o.yFromZero ?? true);

  const left = labelWidth(y.ticks) + 34;
  const right = width - 24;
  const top = 40;
  const rows = legendRows(o.series.map((s) => s.name), right - left);
  const bottom = height - 52 - rows * 18;
  const px = (v: number) => left + x.at(v) * (right - left);
  const py = (v: number) => bottom - y.at(v) * (bottom - top);

  let body = '';
  for (const t of y.ticks) {
    body += line(left, py(t.value), right, py(t.value), t.minor ? '#f0f0f0' : '#dddddd');
    body += text(left - 6, py(t.value) + 4, t.label, { 'text-anchor': 'end' });
  }
  for (const t of x.ticks) {
    if (!Number.isFinite(px(t.value))) continue;
    body += line(px(t.value), top, px(t.value), bottom, t.minor ? '#f0f0f0' : '#dddddd');
    body += text(px(t.value), bottom + 16, t.label, { 'text-anchor': 'middle' });
  }
  body += line(left, bottom, right, bottom, INK) + line(left, top, left, bottom, INK);
  body += text((left + right) / 2, bottom + 34, o.xLabel, { 'text-anchor': 'middle' });
  body += sideLabel(top, bottom, o.yLabel);
  if (!pts.length) body += text((left + right) / 2, (top + bottom) / 2, 'no data', { 'text-anchor': 'middle', fill: '#888888' });

  o.series.forEach((s, i) => {
    const drawn = s.points
      .map((p) => ({ p, cx: px(p.x), cy: py(p.y) }))
      .filter(({ cx, cy }) => Number.isFinite(cx) && Number.isFinite(cy));
    if (!drawn.length) return;
    let g = '';
    for (const { p, cx } of drawn) {
      const [lo, hi] = [py(p.low ?? Number.NaN), py(p.high ?? Number.NaN)];
      if (Number.isFinite(lo) && Number.isFinite(hi)) g += whisker([cx, lo], [cx, hi], true, colour(i));
    }
    const points = drawn.map(({ cx, cy }) => `${num(cx)},${num(cy)}`).join(' ');
    g += tag('polyline', { points, fill: 'none', stroke: colour(i), 'stroke-width': 2, 'stroke-linejoin': 'round' });
    for (const { cx, cy } of drawn) g += marker(i, cx, cy);
    body += tag('g', {}, g);
  });

  body += legend(o.series.map((s) => s.name), left, bottom + 56, right - left, (i, lx, ly) =>
    line(lx, ly, lx + 18, ly, colour(i), 2) + marker(i, lx + 9, ly),
  ).svg;
  return frame({ width, height, title: o.title, body });
}

/** Grouped horizontal or vertical bars with optional whiskers (min/max); one colour per bar name, legend. */
export function barChart(o: {
  title: string;
  unit: string;
  groups: { label: string; bars: { name: string; value: number; low?: number; high?: number }[] }[];
  yScale?: 'linear' | 'log';
  /** Reference values drawn as dashed lines across the bars, such as a budget. */
  marks?: { value: number; label: string }[];
  /** Horizontal bars (the default) leave room for long group labels. */
  orientation?: 'horizontal' | 'vertical';
  width?: number;
  /** Horizontal charts default to a height that fits their bars. */
  height?: number;
}): string {
  const { width = 720, yScale = 'linear', orientation = 'horizontal' } = o;
  const horizontal = orientation === 'horizontal';
  const names = [...new Set(o.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const values = o.groups.flatMap((g) => g.bars.flatMap((b) => finite(b.value, b.low, b.high)));
  const marks = (o.marks ?? []).filter((m) => Number.isFinite(m.value));
  const span = [...values, ...marks.map((m) => m.value)];
  const v = yScale === 'log' ? logAxis(span) : linearAxis(span.length ? span : [0, 1], true);
  // One name needs no legend: the group labels and the unit say it all.
  const legendNames = names.length > 1 ? names : [];

  // The category axis is counted in bar slots, with most of a slot between groups.
  const GAP = 0.8;
  const slots = o.groups.reduce((n, g) => n + g.bars.length + GAP, 0) || 1;
  // Mark labels go between the title and the plot.
  const top = marks.length ? 54 : 40;
  const maxLabel = Math.floor((width * 0.45 - 16) / CHAR_W);
  const fit = (label: string) => (label.length > maxLabel ? `${label.slice(0, maxLabel - 1)}…` : label);
  const left = horizontal
    ? Math.max(0, ...o.groups.map((g) => fit(g.label).length)) * CHAR_W + 16
    : labelWidth(v.ticks) + 34;
  const right = width - (horizontal ? 56 : 16);
  const rows = legendRows(legendNames, right - left);
  // Horizontal bars have tick labels and the unit under the plot; vertical ones only group labels.
  const axisBelow = horizontal ? 44 : 26;
  const below = axisBelow + (rows ? rows * 18 + 12 : 0);
  const height = o.height ?? (horizontal ? Math.round(top + slots * 22 + below) : 400);
  const bottom = height - below;
  const catLen = horizontal ? bottom - top : right - left;
  const slot = catLen / slots;
  // Where a (category offset, value) lands; the value axis runs along x for horizontal bars.
  const at = (c: number, val: number): [number, number] =>
    horizontal ? [left + v.at(val) * (right - left), top + c] : [left + c, bottom - v.at(val) * (bottom - top)];
  // Bars grow from 0, or from the bottom decade on a log axis, which has no 0.
  const base = yScale === 'log' ? v.ticks[0]!.value : 0;

  let body = '';
  for (const t of v.ticks) {
    const [gx, gy] = at(0, t.value);
    const grid = t.minor ? '#f0f0f0' : '#dddddd';
    body += horizontal
      ? line(gx, top, gx, bottom, grid) + text(gx, bottom + 16, t.label, { 'text-anchor': 'middle' })
      : line(left, gy, right, gy, grid) + text(left - 6, gy + 4, t.label, { 'text-anchor': 'end' });
  }
  if (horizontal) body += text((left + right) / 2, bottom + 34, o.unit, { 'text-anchor': 'middle' });
  else body += sideLabel(top, bottom, o.unit);

  for (const m of marks) {
    const [mx, my] = at(0, m.value);
    const dash = { stroke: INK, 'stroke-width': 1.2, 'stroke-dasharray': '5 3' };
    if (!Number.isFinite(horizontal ? mx : my)) continue;
    body += horizontal
      ? tag('line', { x1: mx, y1: top - 2, x2: mx, y2: bottom, ...dash }) + text(mx, top - 6, m.label, { 'text-anchor': 'middle', 'font-size': 11 })
      : tag('line', { x1: left, y1: my, x2: right, y2: my, ...dash }) + text(right, my - 4, m.label, { 'text-anchor': 'end', 'font-size': 11 });
  }

  let c = 0;
  for (const g of o.groups) {
    c += (GAP / 2) * slot;
    const [lx, ly] = at(c + (g.bars.length * slot) / 2, base);
    body += horizontal
      ? text(left - 8, ly + 4, fit(g.label), { 'text-anchor': 'end' })
      : text(lx, bottom + 16, g.label, { 'text-anchor': 'middle' });
    for (const b of g.bars) {
      const mid = c + slot / 2;
      const thick = slot * 0.86;
      const [x0, y0] = at(mid - thick / 2, base);
      const [x1, y1] = at(mid + thick / 2, b.value);
      const end = Math.max(...finite(b.value, b.high));
      const [tx, ty] = at(mid, Number.isFinite(end) ? end : base);
      if ([x1, y1].every(Number.isFinite)) {
        const fill = colour(names.indexOf(b.name));
        body += tag('rect', { x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0), height: Math.abs(y1 - y0), fill });
        const [lo, hi] = [at(mid, b.low ?? Number.NaN), at(mid, b.high ?? Number.NaN)];
        if ([...lo, ...hi].every(Number.isFinite)) body += whisker(lo, hi, !horizontal, INK);
      }
      const label = Number.isFinite(x1) && Number.isFinite(y1) ? compact(b.value) : 'n/a';
      // A white halo keeps the label legible where a mark line runs through it.
      const halo = { stroke: '#ffffff', 'stroke-width': 3, 'paint-order': 'stroke' };
      body += horizontal
        ? text(tx + 5, ty + 4, label, { 'text-anchor': 'start', ...halo })
        : text(tx, ty - 7, label, { 'text-anchor': 'middle', ...halo });
      c += slot;
    }
    c += (GAP / 2) * slot;
  }
  body += line(left, top, left, bottom, INK) + line(left, bottom, right, bottom, INK);
  if (!values.length) body += text((left + right) / 2, (top + bottom) / 2, 'no data', { 'text-anchor': 'middle', fill: '#888888' });

  body += legend(legendNames, left, bottom + axisBelow + 12, right - left, (i, lx, ly) =>
    tag('rect', { x: lx, y: ly - 6, width: 18, height: 12, fill: colour(i) }),
  ).svg;
  return frame({ width, height, title: o.title, body });
}
