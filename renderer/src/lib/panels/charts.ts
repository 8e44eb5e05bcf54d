/**
 * Chart.js, set up once for the panels: only the pieces they use are
 * registered, animations are off (a chart that redraws 20 times a second
 * must not also tween), and colours come from the app's CSS variables so the
 * charts follow the light and dark themes.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';
import { luminance, parseColour } from './colour';

let registered = false;

export function chartJs(): typeof Chart {
  if (!registered) {
    Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, Legend, Tooltip);
    Chart.defaults.animation = false;
    Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
    registered = true;
  }
  return Chart;
}

export interface ThemeColours {
  ink: string;
  muted: string;
  line: string;
  accent: string;
  panel: string;
}

export function themeColours(): ThemeColours {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    ink: read('--ink', '#1d232b'),
    muted: read('--muted', '#5d6875'),
    line: read('--line', '#d9dee5'),
    accent: read('--accent', '#2f6fdb'),
    panel: read('--panel', '#ffffff'),
  };
}

/**
 * Calls `listener` when the theme in effect changes: the system's light/dark
 * preference, or the person's choice (data-theme on <html>, set by the
 * window's theme menu). Returns the function that stops listening.
 */
export function onThemeChange(listener: () => void): () => void {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  query.addEventListener('change', listener);
  const observer = new MutationObserver(listener);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
  return () => {
    query.removeEventListener('change', listener);
    observer.disconnect();
  };
}

/**
 * Series colours distinguishable from each other in both themes (Okabe–Ito,
 * which also holds for the common colour-vision deficiencies), ordered so
 * the first ones keep a 3:1 contrast with the panel of the theme in effect.
 */
const LIGHT_SERIES = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#9e6c00', '#56b4e9', '#7f7f7f', '#e69f00'];
const DARK_SERIES = ['#56b4e9', '#e69f00', '#2bc49a', '#e08bc0', '#f0e442', '#ff7a3d', '#b0b0b0', '#4aa3ff'];

export function seriesColours(): string[] {
  return luminance(parseColour(themeColours().panel)) < 0.2 ? DARK_SERIES : LIGHT_SERIES;
}

/** Runs `draw` at most once per animation frame, however often it is asked for. */
export function frameThrottle(draw: () => void): { request: () => void; cancel: () => void } {
  let frame = 0;
  return {
    request() {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        draw();
      });
    },
    cancel() {
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
    },
  };
}
