/**
 * Light, dark, or as the system says. The choice is kept in localStorage and
 * set as `data-theme` on <html>, which app.css reads; "system" removes the
 * attribute and lets the prefers-color-scheme query decide.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'convnet-studio.theme';

export function readTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  try {
    localStorage.setItem(KEY, choice);
  } catch {
    // The choice holds for this page only.
  }
}

/** The theme in effect: the choice, or the system's when the choice is "system". */
export function resolvedTheme(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
