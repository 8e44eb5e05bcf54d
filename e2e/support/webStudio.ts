/**
 * The studio in web mode for a test: the built renderer (rebuilt when its
 * sources changed), the real web host on a free port of 127.0.0.1, and the
 * real engine in its child process. Log lines are kept for assertions.
 */
import { ensureRendererBuilt } from '../../scripts/build.js';
import { startWebHost, type WebHost } from '../../engine/host/web/webHost.js';

export interface WebStudio {
  host: WebHost;
  log: string[];
}

export async function startWebStudio(): Promise<WebStudio> {
  const rendererDir = await ensureRendererBuilt();
  const log: string[] = [];
  const host = await startWebHost({ rendererDir, log: (line) => log.push(line) });
  return { host, log };
}
