/**
 * `explain`: Grad-CAM from a terminal, through the same Engine and protocol
 * the window uses. With --json one line per image (the format the README
 * documents); without, a short table and where the overlays were written.
 */
import { Engine } from '../engine.js';
import { parseArgs, stringFlag, UsageError } from './args.js';

type Out = (line: string) => void;

export const EXPLAIN_USAGE = 'convnet-studio explain <model> <image>… [--layer NODE] [--class NAME|INDEX] [--out DIR] [--json]';

/** Where the overlays go without --out when a person (not a script) runs the command. */
export const DEFAULT_OVERLAY_DIR = 'gradcam';

export async function explainCommand(argv: string[], out: Out): Promise<number> {
  const { positional, flags } = parseArgs(argv, { layer: { value: true }, class: { value: true }, out: { value: true }, json: { value: false } }, EXPLAIN_USAGE);
  if (positional.length < 2) throw new UsageError('Give the model (run, model or export folder) and at least one image.', `Usage: ${EXPLAIN_USAGE}`);
  const [model, ...images] = positional as [string, ...string[]];
  const json = flags.json === true;
  // A script asked for JSON gets files only where it said; a person gets the overlays to look at.
  const outDir = stringFlag(flags, 'out') ?? (json ? undefined : DEFAULT_OVERLAY_DIR);
  const result = await new Engine().execute({
    type: 'model.explain',
    model,
    images,
    layer: stringFlag(flags, 'layer'),
    targetClass: stringFlag(flags, 'class'),
    outDir,
  });
  if (json) {
    for (const e of result.explanations) {
      out(JSON.stringify({ type: 'explanation', image: e.image, predicted: e.predicted, target: e.target, layer: result.layer, heatmap: e.heatmap, overlay: e.overlay }));
    }
    return 0;
  }
  const rows = result.explanations.map((e) => [e.image, `${e.predicted.name} ${(100 * e.predicted.probability).toFixed(1)}%`, e.target.name, peakOf(e.heatmap), e.overlay ?? '']);
  const head = ['Image', 'Predicted', 'Explained class', 'Peak (row, col)', 'Overlay'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out(`Grad-CAM at node "${result.layer}" (${result.explanations[0]!.heatmap.length}×${result.explanations[0]!.heatmap[0]!.length}) of ${result.modelDir}`);
  out(line(head));
  for (const r of rows) out(line(r));
  return 0;
}

/** Where the heatmap is hottest, or "none" for an all-zero map (no positive evidence at this layer). */
function peakOf(heatmap: number[][]): string {
  let best: [number, number] | null = null;
  heatmap.forEach((row, r) => row.forEach((v, c) => {
    if (v === 1 && !best) best = [r, c];
  }));
  const peak = best as [number, number] | null;
  return peak ? `${peak[0]}, ${peak[1]}` : 'none';
}
