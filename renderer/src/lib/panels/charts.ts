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
 * Series colours distinguishable in both themes (Okabe–Ito, which also holds
 * for the common colour-vision deficiencies).
 */
export const SERIES_COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#9e8f00', '#7f7f7f'];

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
