// The surrogate plot: the per-token objective −ℓ̃ of the variant's surrogate against the
// importance ratio r, for A = +1 (green) and A = −1 (red), as Rust computes it (`curve` of the
// inspection: the trainer's own surrogate on a grid of ratios), with the clip bounds the
// surrogate declares as dashed lines and this step's tokens of the shown group as dots on the
// curve of their sign.

import { curveAt, REINFORCED, SUPPRESSED, type Inspection, type TokenView } from './inspect';
import { chosen, type Declaration, type Methods } from './methods';
import type { JsonValue } from './schema';

const W = 360;
const H = 220;
const PAD = { left: 44, right: 12, top: 14, bottom: 30 };

/** Tick values from `lo` to `hi`: about `n` of them at a round step. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let x = Math.ceil(lo / step) * step; x <= hi + step * 1e-9; x += step) ticks.push(Number(x.toPrecision(12)));
  return ticks;
}

const rgb = (c: readonly number[]): string => `rgb(${c.join(', ')})`;

/**
 * The ratios where a clip of `surrogate` binds, each with its label: 1 − ε_l and 1 + ε_h of a
 * clip on the ratio (or on a weight of it), and the dual clip's c when its knob is set. A clip of
 * the log-ratio is not on this axis.
 */
export function clipBounds(surrogate: Declaration, knobs: Readonly<Record<string, JsonValue>>): [number, string][] {
  const clip = surrogate.clip;
  if (clip.shape === 'none' || clip.shape === 'log_ratio') return [];
  const value = (key: string): number | null => {
    const v = knobs[key];
    return typeof v === 'number' ? v : null;
  };
  const low = value(clip.low);
  const high = value(clip.high) ?? low;
  // An adaptive clip's knobs are where each batch's search starts, as absolute ratios.
  const bounds: [number, string][] = low === null || high === null ? []
    : clip.shape === 'adaptive' ? [[low, 'c_low start'], [high, 'c_high start']]
    : [[1 - low, '1−ε_l'], [1 + high, '1+ε_h']];
  const c = clip.shape !== 'weight' && clip.dual !== null ? value(clip.dual) : null;
  if (c !== null) bounds.push([c, 'c']);
  return bounds;
}

/**
 * Draws the plot of `i`'s surrogate into `canvas`, the tokens of `tokens` as dots (the selected
 * one, `selected`, ringed); returns the caption to show under it. `methods`: the schema's.
 */
export function drawSurrogate(canvas: HTMLCanvasElement, i: Inspection, tokens: readonly TokenView[], selected: TokenView | null, methods: Methods): string {
  const curve = i.curve;
  const surrogate = chosen(i.knobs, 'surrogate', methods);
  const ctx = canvas.getContext('2d');
  const ratio = window.devicePixelRatio || 1;
  canvas.width = W * ratio;
  canvas.height = H * ratio;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  if (!ctx) return '';
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, W, H);
  if (!curve) {
    canvas.hidden = true;
    return surrogate.off.curve;
  }
  canvas.hidden = false;
  const xs = curve.ratio;
  const all = [...curve.positive, ...curve.negative];
  const [x0, x1] = [0, xs[xs.length - 1] ?? 2];
  let [y0, y1] = [Math.min(...all), Math.max(...all)];
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y1 + 1];
  const px = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number): number => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.strokeStyle = '#ddd';
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  for (const t of niceTicks(x0, x1)) {
    ctx.beginPath();
    ctx.moveTo(px(t), PAD.top);
    ctx.lineTo(px(t), H - PAD.bottom);
    ctx.stroke();
    ctx.fillText(String(t), px(t), H - PAD.bottom + 12);
  }
  ctx.textAlign = 'right';
  for (const t of niceTicks(y0, y1, 4)) {
    ctx.beginPath();
    ctx.moveTo(PAD.left, py(t));
    ctx.lineTo(W - PAD.right, py(t));
    ctx.stroke();
    ctx.fillText(String(t), PAD.left - 4, py(t) + 3);
  }
  ctx.textAlign = 'center';
  ctx.fillText('importance ratio r = π_θ / π_old', (PAD.left + W - PAD.right) / 2, H - 4);
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = '#888';
  for (const [b, label] of clipBounds(surrogate, i.knobs)) {
    if (b <= x0 || b >= x1) continue;
    ctx.beginPath();
    ctx.moveTo(px(b), PAD.top);
    ctx.lineTo(px(b), H - PAD.bottom);
    ctx.stroke();
    ctx.fillText(label, px(b), PAD.top - 3);
  }
  ctx.setLineDash([]);
  const line = (ys: readonly number[], colour: string): void => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    xs.forEach((x, n) => (n === 0 ? ctx.moveTo(px(x), py(ys[n] as number)) : ctx.lineTo(px(x), py(ys[n] as number))));
    ctx.stroke();
  };
  line(curve.positive, rgb(REINFORCED));
  line(curve.negative, rgb(SUPPRESSED));
  // This step's tokens: each on the curve of its advantage's sign.
  for (const t of tokens) {
    if (t.advantage === 0) continue;
    const y = curveAt(xs, t.advantage > 0 ? curve.positive : curve.negative, t.ratio);
    if (y === null) continue;
    ctx.fillStyle = rgb(t.advantage > 0 ? REINFORCED : SUPPRESSED);
    ctx.beginPath();
    ctx.arc(px(t.ratio), py(y), t === selected ? 5 : 3.5, 0, 2 * Math.PI);
    ctx.fill();
    if (t === selected) {
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
  }
  const reads = surrogate.readsLogp ? ' (this surrogate reads log π itself: drawn with log π_old = 0)' : '';
  return `Per-token objective −ℓ̃ per unit |A| against the ratio: green A > 0, red A < 0${reads}. Dots: this group's kept tokens with A ≠ 0.`;
}
