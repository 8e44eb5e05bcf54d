/**
 * A small, strict argument parser: every flag a command takes is declared, so
 * a misspelt flag or a missing value is an error that names it, not something
 * silently ignored.
 */
import { StudioError } from '../errors.js';

export interface FlagSpec {
  /** Takes a value (`--epochs 3`) or is a switch (`--json`). */
  value: boolean;
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export class UsageError extends StudioError {
  constructor(message: string, hint: string) {
    super(message, hint, 'usage');
  }
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>, usage: string): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const flag = spec[name];
    if (!flag) {
      const known = Object.keys(spec).map((k) => `--${k}`).join(', ');
      throw new UsageError(`Unknown option --${name}.`, `Usage: ${usage}${known ? `  (options: ${known})` : ''}`);
    }
    if (!flag.value) {
      flags[name] = true;
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || (eq === -1 && value.startsWith('--'))) {
      throw new UsageError(`Option --${name} needs a value.`, `Usage: ${usage}`);
    }
    flags[name] = value;
  }
  return { positional, flags };
}

export function positiveIntFlag(flags: ParsedArgs['flags'], name: string): number | undefined {
  const raw = flags[name];
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${name} must be a whole number of at least 1 (got ${JSON.stringify(raw)}).`, `For example --${name} 3.`);
  }
  return n;
}

export function stringFlag(flags: ParsedArgs['flags'], name: string): string | undefined {
  const raw = flags[name];
  return typeof raw === 'string' ? raw : undefined;
}
