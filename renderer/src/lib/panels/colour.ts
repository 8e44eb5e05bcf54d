/**
 * Mixing the theme's colours for heat maps, and picking the text colour that
 * reads best on each shade (WCAG relative luminance), so the numbers on a
 * confusion matrix keep their contrast in both themes at every intensity.
 */

export type Rgb = [number, number, number];

export function parseColour(css: string): Rgb {
  const hex = css.trim().match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i);
  if (hex) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as Rgb;
  }
  const rgb = css.match(/rgba?\(\s*(\d+)[,\s]+(\d+)[,\s]+(\d+)/);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  return [128, 128, 128];
}

export function mix(a: Rgb, b: Rgb, amountOfA: number): Rgb {
  return a.map((v, i) => Math.round(v * amountOfA + b[i]! * (1 - amountOfA))) as Rgb;
}

export function luminance([r, g, b]: Rgb): number {
  const linear = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

export function css([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** Of the candidates, the text colour with the highest contrast on `background`. */
export function readableOn(background: Rgb, candidates: Rgb[]): Rgb {
  return candidates.reduce((best, c) => (contrast(c, background) > contrast(best, background) ? c : best));
}
