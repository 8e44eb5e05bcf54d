/**
 * Curve data for long runs: points appended as events arrive, an
 * exponential moving average for the noisy per-batch values, and a
 * decimation that keeps a curve's shape (each bucket's lowest and highest
 * point) so a chart never draws more than a few hundred points per line.
 */

export interface Point {
  x: number;
  y: number;
}

/** An EMA with TensorBoard's bias correction, so the first points are not pulled toward 0. */
export class Smoother {
  private average = 0;
  private steps = 0;
  constructor(private readonly weight = 0.9) {}

  next(value: number): number {
    this.steps++;
    this.average = this.weight * this.average + (1 - this.weight) * value;
    return this.average / (1 - this.weight ** this.steps);
  }
}

/** At most `maxPoints` points (about), keeping first, last and each bucket's extremes in x order. */
export function decimate(points: readonly Point[], maxPoints: number): Point[] {
  if (points.length <= maxPoints) return points.slice();
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const inner = points.length - 2;
  const out: Point[] = [points[0]!];
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let low = start;
    let high = start;
    for (let i = start + 1; i < end; i++) {
      if (points[i]!.y < points[low]!.y) low = i;
      if (points[i]!.y > points[high]!.y) high = i;
    }
    if (low === high) out.push(points[low]!);
    else if (low < high) out.push(points[low]!, points[high]!);
    else out.push(points[high]!, points[low]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}

/** One line of a chart. */
export interface ChartLine {
  label: string;
  points: readonly Point[];
  colour: string;
  dashed?: boolean;
  width?: number;
  /** Marks each point (for per-epoch values, which are few). */
  markers?: boolean;
  /** Drawn lighter, behind (raw batches under their smoothed curve; overlaid runs). */
  faint?: boolean;
  /** Draws the line as steps (a learning rate held over each epoch). */
  stepped?: boolean;
}
