/**
 * `npm run web`: starts the web host on a built renderer, prints the address
 * (with its token) and opens the browser. Options:
 *   --host ADDR    listen on another interface than 127.0.0.1 (with a warning)
 *   --port N       a fixed port instead of a free one
 *   --no-open      print the address only
 *   --backend NAME auto | tensorflow | wasm | cpu
 */
import { networkInterfaces } from 'node:os';
import type { BackendPreference } from '../../protocol.js';
import { StudioError } from '../../errors.js';
import { startWebHost, type WebHost } from './webHost.js';
import { openBrowser } from './openBrowser.js';
import { tunnelInstructions } from './tunnel.js';

export interface WebModeArgs {
  host: string;
  port: number;
  open: boolean;
  backend: BackendPreference;
}

const USAGE = 'Usage: npm run web -- [--host ADDR] [--port N] [--no-open] [--backend auto|tensorflow|wasm|cpu]';

export function parseWebArgs(argv: string[]): WebModeArgs {
  const args: WebModeArgs = { host: '127.0.0.1', port: 0, open: true, backend: 'auto' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new StudioError(`${flag} needs a value.`, USAGE, 'usage');
      return v;
    };
    if (flag === '--no-open') args.open = false;
    else if (flag === '--host') args.host = value();
    else if (flag === '--port') {
      const v = value();
      const port = Number(v);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StudioError(`--port must be a port number 0–65535 (got "${v}").`, USAGE, 'usage');
      args.port = port;
    } else if (flag === '--backend') {
      const v = value();
      if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(v)) throw new StudioError(`--backend must be auto, tensorflow, wasm or cpu (got "${v}").`, USAGE, 'usage');
      args.backend = v as BackendPreference;
    } else throw new StudioError(`Unknown option "${flag}".`, USAGE, 'usage');
  }
  return args;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Addresses a person on another machine would type, for a host on all interfaces. */
function reachableUrls(host: WebHost, listenHost: string): string[] {
  if (listenHost !== '0.0.0.0' && listenHost !== '::') return [host.url];
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  return addresses.map((a) => `http://${a}:${host.port}/?token=${host.token}`);
}

export async function runWebMode(argv: string[], rendererDir: string, out: (line: string) => void = console.log): Promise<WebHost> {
  const args = parseWebArgs(argv);
  if (!isLoopback(args.host)) {
    out(
      `Warning: serving on ${args.host}, not only on this machine. Anyone who can reach it and has the address below ` +
        '(its token included) can drive the engine, which reads and writes files as you. Share the address only with people you trust.',
    );
  }
  const host = await startWebHost({ rendererDir, host: args.host, port: args.port, backend: args.backend });
  // Before the address is printed: whoever reads it may press Ctrl-C at once, and that must stop the host, not kill it.
  let closing = false;
  const shutdown = () => {
    if (closing) process.exit(130);
    closing = true;
    out('\nStopping Convnet Studio…');
    host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  const urls = reachableUrls(host, args.host);
  out(`Convnet Studio is running at ${urls[0] ?? host.url}`);
  for (const url of urls.slice(1)) out(`                           or ${url}`);
  if (isLoopback(args.host)) for (const line of tunnelInstructions(host.port, host.token)) out(line);
  out('Press Ctrl-C to stop it.');
  if (args.open && !(await openBrowser(host.url))) out('Could not open a browser here; open the address above in one.');

  return host;
}
