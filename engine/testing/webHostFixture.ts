/**
 * A real web host, with its real engine child process, serving a renderer
 * folder made for the test: index.html (a page titled "studio") and any
 * other files given. For the tests of the web host and of the transport;
 * `close` stops the host and removes the folder.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWebHost, type WebHost } from '../host/web/webHost.js';

export interface TestWebHost {
  host: WebHost;
  rendererDir: string;
  close(): Promise<void>;
}

export async function startTestWebHost(options: { files?: Record<string, string | Buffer>; log?: (line: string) => void } = {}): Promise<TestWebHost> {
  const rendererDir = await mkdtemp(join(tmpdir(), 'cnnstudio-renderer-'));
  const files = { 'index.html': '<!doctype html><title>studio</title>', ...options.files };
  for (const [name, content] of Object.entries(files)) await writeFile(join(rendererDir, name), content);
  const host = await startWebHost({ rendererDir, backend: 'cpu', log: options.log ?? (() => undefined) });
  return {
    host,
    rendererDir,
    async close() {
      await host.close();
      await rm(rendererDir, { recursive: true, force: true });
    },
  };
}
