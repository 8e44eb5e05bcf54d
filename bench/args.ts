/** Command-line flags and machine load, shared by the benchmark scripts. */
import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * CPU milliseconds each thread of this process has used (Linux: /proc/self/task;
 * null elsewhere). On a shared machine wall time says how busy the others
 * were; the busiest thread's CPU time per step says what the step costs, and
 * on idle cores a step takes about that long.
 */
export function threadCpuMs(): Map<string, number> | null {
  try {
    const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
    const times = new Map<string, number>();
    for (const task of readdirSync('/proc/self/task')) {
      const fields = readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ');
      times.set(task, (Number(fields[11]) + Number(fields[12])) / ticksPerMs);
    }
    return times;
  } catch {
    return null;
  }
}

/** The largest per-thread CPU time between two threadCpuMs() readings, divided by `steps`. */
export function busiestThreadMs(before: Map<string, number> | null, after: Map<string, number> | null, steps: number): number {
  if (!before || !after) return NaN;
  let most = 0;
  for (const [task, ms] of after) most = Math.max(most, ms - (before.get(task) ?? 0));
  return most / steps;
}
