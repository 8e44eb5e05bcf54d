/**
 * `--threads N` for train and bench: the cores a run trains on. Without the
 * flag, CONVNET_STUDIO_THREADS, else every core of the machine (a terminal
 * run has the machine to itself; the window leaves one core for itself).
 */
import { positiveIntFlag, UsageError, type ParsedArgs } from './args.js';
import { checkThreads, machineCores, MAX_THREADS, THREADS_ENV } from '../train/parallel/threads.js';

export function cliThreads(flags: ParsedArgs['flags']): number {
  const flag = positiveIntFlag(flags, 'threads');
  if (flag !== undefined) {
    if (flag > MAX_THREADS) throw new UsageError(`--threads must be at most ${MAX_THREADS} (got ${flag}).`, `For example --threads ${machineCores()}.`);
    return flag;
  }
  const fromEnv = process.env[THREADS_ENV];
  return fromEnv ? checkThreads(fromEnv, THREADS_ENV) : machineCores();
}
