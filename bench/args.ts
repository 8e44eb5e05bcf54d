/** Command-line flags and machine load, shared by the benchmark scripts. */
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);

/** The value after `--name`, or undefined when the flag is absent. */
export function flagValue(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? undefined : args[i + 1];
}

export function hasFlag(name: string): boolean {
  return args.includes(`--${name}`);
}

/** The 1-, 5- and 15-minute load averages: other work on the machine skews every figure. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}
