/**
 * The user's data folder, where downloaded pretrained bases are cached:
 * CONVNET_STUDIO_DATA when set; else the platform's own place for
 * application data (XDG_DATA_HOME or ~/.local/share on Linux,
 * ~/Library/Application Support on macOS, %APPDATA% on Windows).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DATA_FOLDER_ENV = 'CONVNET_STUDIO_DATA';

export function userDataFolder(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env[DATA_FOLDER_ENV]?.trim()) return env[DATA_FOLDER_ENV]!.trim();
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'convnet-studio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'convnet-studio');
  return join(env['XDG_DATA_HOME']?.trim() || join(homedir(), '.local', 'share'), 'convnet-studio');
}

/** Where the files of pretrained bases are kept, in the same layout as below the base URL. */
export function basesCacheFolder(env: NodeJS.ProcessEnv = process.env): string {
  return join(userDataFolder(env), 'pretrained');
}
