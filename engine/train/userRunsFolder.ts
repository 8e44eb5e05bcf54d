/**
 * Where the runs of a project that has no file yet go (the sample, a new
 * project not saved): a folder of the person's, never the working folder of
 * the process, which for the desktop app is its installation. The documents
 * folder when there is one, else the platform's folder for application data.
 * CONVNET_STUDIO_RUNS overrides it (tests, or a person who wants them elsewhere).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function userRunsFolder(env: NodeJS.ProcessEnv = process.env, home: string = homedir(), platform: NodeJS.Platform = process.platform): string {
  if (env.CONVNET_STUDIO_RUNS) return resolve(env.CONVNET_STUDIO_RUNS);
  const documents = join(home, 'Documents');
  if (existsSync(documents)) return join(documents, 'Convnet Studio', 'runs');
  const appData =
    platform === 'win32' ? (env.APPDATA ?? join(home, 'AppData', 'Roaming')) : platform === 'darwin' ? join(home, 'Library', 'Application Support') : (env.XDG_DATA_HOME ?? join(home, '.local', 'share'));
  return join(appData, platform === 'linux' ? 'convnet-studio' : 'Convnet Studio', 'runs');
}
