// How a chart line looks besides its colour, so variants and metrics stay apart in greyscale or
// to a reader who cannot tell the colours apart: each variant has its own dash pattern (on every
// chart, and as a sample on its card and in the legends), and the second and later metrics (or
// difficulties) of one chart carry point markers of their own shape.

import type uPlot from 'uplot';

/** Dash patterns by variant index (CSS pixels; [] is solid). */
const VARIANT_DASHES: readonly number[][] = [[], [10, 4], [2, 3], [12, 3, 2, 3], [5, 5], [16, 4, 2, 4, 2, 4]];

export type Shape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';
const SHAPES: readonly Shape[] = ['circle', 'square', 'triangle', 'diamond', 'cross'];
/** Markers of a dense line are drawn on every step that is at least this far (CSS pixels) from the last one drawn. */
const MARKER_SPACING = 28;
const SVG = 'http://www.w3.org/2000/svg';

/** Variant `v`'s dash pattern. */
export function variantDash(v: number): number[] {
  return VARIANT_DASHES[v % VARIANT_DASHES.length] ?? [];
}

/** The marker of the `nth` metric of a chart (0-based): the first has none unless it is `sparse` (points only on some steps). */
export function markerShape(nth: number, sparse: boolean): Shape | null {
  return nth === 0 && !sparse ? null : (SHAPES[nth % SHAPES.length] ?? 'circle');
}

/** What `trace` draws with: a canvas Path2D, or SvgPath for the samples. */
type Pen = Pick<Path2D, 'moveTo' | 'lineTo' | 'arc' | 'rect' | 'closePath'>;

/** Traces `shape` of radius `r` centred at (x, y) into `path`. */
function trace(path: Pen, shape: Shape, x: number, y: number, r: number): void {
  switch (shape) {
    case 'circle':
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case 'square':
      path.rect(x - r, y - r, 2 * r, 2 * r);
      break;
    case 'triangle':
      path.moveTo(x, y - r * 1.2);
      path.lineTo(x + r * 1.1, y + r * 0.8);
      path.lineTo(x - r * 1.1, y + r * 0.8);
      path.closePath();
      break;
    case 'diamond':
      path.moveTo(x, y - r * 1.3);
      path.lineTo(x + r, y);
      path.lineTo(x, y + r * 1.3);
      path.lineTo(x - r, y);
      path.closePath();
      break;
    case 'cross':
      path.moveTo(x - r, y - r);
      path.lineTo(x + r, y + r);
      path.moveTo(x + r, y - r);
      path.lineTo(x - r, y + r);
      break;
  }
}

/**
 * uPlot point options drawing `shape` (hollow, in the line's colour) on every step with a value
 * (`sparse`), or thinned to one per MARKER_SPACING pixels on a dense line.
 */
export function markerPoints(shape: Shape | null, sparse: boolean, size: number): uPlot.Series.Points {
  if (shape === null) return {};
  const paths: uPlot.Series.Points.PathBuilder = (u, seriesIdx, idx0, idx1) => {
    const stroke = new Path2D();
    const ys = u.data[seriesIdx] ?? [];
    const r = (size / 2) * (window.devicePixelRatio || 1);
    let last = -Infinity;
    for (let i = idx0; i <= idx1; i++) {
      const value = ys[i];
      const step = u.data[0][i];
      if (typeof value !== 'number' || step === undefined) continue;
      const x = u.valToPos(step, 'x', true);
      if (!sparse && x - last < MARKER_SPACING * (window.devicePixelRatio || 1)) continue;
      last = x;
      trace(stroke, shape, x, u.valToPos(value, u.series[seriesIdx]?.scale ?? 'y', true), r);
    }
    return { stroke, fill: stroke };
  };
  return { show: true, size, paths, fill: '#ffffff' };
}

/**
 * A small SVG of a line in `colour` with `dash` and, at its middle, `shape`: the key to a line
 * on the charts (legends, variant cards). Decorative: the variant's name says which it is.
 */
export function lineSample(colour: string, dash: readonly number[], shape: Shape | null = null): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'line-sample');
  svg.setAttribute('viewBox', '0 0 32 10');
  svg.setAttribute('width', '32');
  svg.setAttribute('height', '10');
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(SVG, 'path');
  line.setAttribute('d', 'M1 5H31');
  line.setAttribute('stroke-width', '2');
  if (dash.length > 0) line.setAttribute('stroke-dasharray', dash.join(' '));
  svg.append(line);
  if (shape !== null) {
    const marker = document.createElementNS(SVG, 'path');
    const path = new SvgPath();
    trace(path, shape, 16, 5, 3);
    marker.setAttribute('d', path.d);
    marker.setAttribute('fill', '#ffffff');
    marker.setAttribute('stroke-width', '1.5');
    svg.append(marker);
  }
  svg.setAttribute('stroke', colour);
  return svg;
}

/** Recolours a sample made by `lineSample`. */
export function recolourSample(svg: Element, colour: string): void {
  svg.setAttribute('stroke', colour);
}

/** The subset of Path2D `trace` uses, written as SVG path data. */
class SvgPath implements Pen {
  d = '';
  moveTo(x: number, y: number): void {
    this.d += `M${x} ${y}`;
  }
  lineTo(x: number, y: number): void {
    this.d += `L${x} ${y}`;
  }
  arc(x: number, y: number, r: number): void {
    this.d += `M${x - r} ${y}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.d += `M${x} ${y}h${w}v${h}h${-w}Z`;
  }
  closePath(): void {
    this.d += 'Z';
  }
}
