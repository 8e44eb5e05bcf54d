/**
 * Recently opened or saved project files, newest first, kept in the page's
 * localStorage (per origin: the desktop window and each web host have their own).
 */
export interface RecentProject {
  path: string;
  name: string;
  at: string;
}

const KEY = 'convnet-studio.recent-projects';
const LIMIT = 8;

export function readRecent(storage: Storage = localStorage): RecentProject[] {
  try {
    const list = JSON.parse(storage.getItem(KEY) ?? '[]') as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter((r): r is RecentProject => typeof r?.path === 'string' && typeof r?.name === 'string').slice(0, LIMIT);
  } catch {
    return [];
  }
}

export function rememberRecent(path: string, name: string, storage: Storage = localStorage): RecentProject[] {
  const list = [{ path, name, at: new Date().toISOString() }, ...readRecent(storage).filter((r) => r.path !== path)].slice(0, LIMIT);
  try {
    storage.setItem(KEY, JSON.stringify(list));
  } catch {
    // A full or disabled storage only loses the list, never the project.
  }
  return list;
}

export function forgetRecent(path: string, storage: Storage = localStorage): RecentProject[] {
  const list = readRecent(storage).filter((r) => r.path !== path);
  try {
    storage.setItem(KEY, JSON.stringify(list));
  } catch {
    // as above
  }
  return list;
}
