/**
 * Reading a number a person typed: the value, or the reason it is not one
 * the field accepts. A refused entry never reaches the project; the field
 * shows the reason and the project keeps its last valid value.
 */

export interface NumberRule {
  min?: number;
  max?: number;
  /** The lowest value is excluded (e.g. a learning rate above 0). */
  minExclusive?: boolean;
  maxExclusive?: boolean;
  integer?: boolean;
}

export type ParsedNumber = { ok: true; value: number } | { ok: false; reason: string };

export function parseNumber(text: string, rule: NumberRule = {}): ParsedNumber {
  const trimmed = text.trim().replace(/,/g, '.');
  if (trimmed === '') return { ok: false, reason: 'Type a number.' };
  // Number('') and Number(' ') are 0 and Number('0x10') is 16: accept plain decimal and exponent forms only.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(trimmed)) return { ok: false, reason: `"${text.trim()}" is not a number; type digits, e.g. ${example(rule)}.` };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { ok: false, reason: 'That number is too large.' };
  if (rule.integer && !Number.isInteger(value)) return { ok: false, reason: `Type a whole number, e.g. ${example(rule)}.` };
  if (rule.min !== undefined && (rule.minExclusive ? value <= rule.min : value < rule.min)) {
    return { ok: false, reason: rule.minExclusive ? `Must be more than ${rule.min}.` : `Must be at least ${rule.min}.` };
  }
  if (rule.max !== undefined && (rule.maxExclusive ? value >= rule.max : value > rule.max)) {
    return { ok: false, reason: rule.maxExclusive ? `Must be less than ${rule.max}.` : `Must be at most ${rule.max}.` };
  }
  return { ok: true, value };
}

function example(rule: NumberRule): string {
  if (rule.integer) return String(Math.max(rule.min ?? 1, 1));
  if (rule.max !== undefined && rule.max <= 1) return '0.1';
  return '0.001';
}
