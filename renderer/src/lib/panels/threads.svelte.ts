/**
 * The Train panel's Threads setting: how many cores a run on the CPU
 * backends (WebAssembly, JavaScript) trains on. It belongs to the machine,
 * not the project, so it is kept in the page's localStorage, not in the
 * project file. Unset, the window takes the engine machine's cores − 1, so
 * the window itself keeps a core and stays responsive (the CLI takes them all).
 */
const KEY = 'convnet-studio.threads';

function readStored(): number | null {
  try {
    const n = Number(localStorage.getItem(KEY));
    return Number.isInteger(n) && n >= 1 ? n : null;
  } catch {
    return null;
  }
}

export const threadsSetting = $state<{ chosen: number | null }>({ chosen: readStored() });

/** The window's default on a machine with `cores` logical cores: all but one, at least 1. */
export function defaultThreads(cores: number | undefined): number | null {
  return cores === undefined ? null : Math.max(1, cores - 1);
}

/** The threads a run started now asks for; undefined (the engine's own default) while the engine's cores are unknown and none was chosen. */
export function threadsForRun(cores: number | undefined): number | undefined {
  return threadsSetting.chosen ?? defaultThreads(cores) ?? undefined;
}

/** A person's choice (null: back to the default), kept for the next session. */
export function chooseThreads(value: number | null): void {
  threadsSetting.chosen = value;
  try {
    if (value === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, String(value));
  } catch {
    // The choice holds for this page only.
  }
}
