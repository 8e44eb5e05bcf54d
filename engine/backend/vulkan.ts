/**
 * Where the Vulkan loader (libvulkan.so.1) is, on Linux: Dawn opens it at run
 * time, and without it WebGPU finds no adapter and says nothing useful. The
 * engine and bench/gpu-check.sh name the folders searched when it is missing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LOADER = 'libvulkan.so.1';

/** The dynamic linker's usual folders on Debian/Ubuntu, Fedora/Arch and others. */
const SYSTEM_FOLDERS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/lib64',
  '/lib',
  '/usr/local/lib',
];

/** Folders listed in /etc/ld.so.conf.d/*.conf. */
function ldConfigFolders(): string[] {
  try {
    return readdirSync('/etc/ld.so.conf.d')
      .filter((f) => f.endsWith('.conf'))
      .flatMap((f) => readFileSync(join('/etc/ld.so.conf.d', f), 'utf8').split('\n'))
      .map((line) => line.trim())
      .filter((line) => line.startsWith('/'));
  } catch {
    return [];
  }
}

/** The loader's path, or null, and every folder looked in (LD_LIBRARY_PATH first, as the linker does). */
export function vulkanLoaderSearch(env: NodeJS.ProcessEnv = process.env): { found: string | null; searched: string[] } {
  const fromEnv = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  const searched = [...new Set([...fromEnv, ...ldConfigFolders(), ...SYSTEM_FOLDERS])];
  const found = searched.map((folder) => join(folder, LOADER)).find((path) => existsSync(path)) ?? null;
  return { found, searched };
}
