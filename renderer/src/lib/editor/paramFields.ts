/**
 * Typed parameter fields: how each kind of parameter is written in a text
 * field and read back, with the catalogue's limits checked as the person
 * types. A field that does not parse shows why at the field and changes
 * nothing in the graph: the last valid value stays.
 */
import type { ParamValue } from '../../../../engine/protocol.js';
import type { ParamSpec } from '../../../../engine/protocol.js';

export type Parsed = { ok: true; value: ParamValue | undefined } | { ok: false; error: string };

/** The unit shown beside a field: the layer catalogue's own (ParamSpec.unit). */
export function unitOf(spec: ParamSpec): string {
  return spec.unit ?? '';
}

export function limitsOf(spec: ParamSpec): string {
  const { min, max, maxExclusive } = spec;
  if (min !== undefined && max !== undefined) return `${min} – ${max}${maxExclusive ? ' (exclusive)' : ''}`;
  if (min !== undefined) return `≥ ${min}`;
  if (max !== undefined) return maxExclusive ? `< ${max}` : `≤ ${max}`;
  return '';
}

/** The value as the field shows it. */
export function formatValue(spec: ParamSpec, value: ParamValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function number(text: string, spec: ParamSpec, integer: boolean, allowMinusOne = false): number | string {
  const t = text.trim();
  if (!NUMBER.test(t)) return `“${t}” is not a number${integer ? '; type a whole number such as 3' : '; type a number such as 0.5'}.`;
  const n = Number(t);
  if (integer && !Number.isInteger(n)) return `${t} is not a whole number.`;
  if (allowMinusOne && n === -1) return n;
  if (spec.min !== undefined && n < spec.min) return `${t} is below the smallest allowed value, ${spec.min}.`;
  if (spec.max !== undefined && (spec.maxExclusive ? n >= spec.max : n > spec.max)) {
    return `${t} is ${spec.maxExclusive ? 'not below' : 'above'} ${spec.max}, the ${spec.maxExclusive ? 'exclusive ' : ''}upper limit.`;
  }
  return n;
}

function numberList(text: string, spec: ParamSpec, allowMinusOne: boolean): number[] | string {
  const parts = text.split(/[\s,×x]+/).filter(Boolean);
  if (parts.length === 0) return 'Type at least one number.';
  const out: number[] = [];
  for (const part of parts) {
    const n = number(part, spec, true, allowMinusOne);
    if (typeof n === 'string') return n;
    out.push(n);
  }
  return out;
}

/** Reads a text field of the given kind; '' means "the default" (or null when the parameter takes null). */
export function parseValue(spec: ParamSpec, text: string): Parsed {
  const t = text.trim();
  if (t === '') {
    if (spec.nullable) return { ok: true, value: null };
    if (spec.required) return { ok: false, error: `${spec.name} is required.` };
    return { ok: true, value: undefined };
  }
  switch (spec.kind) {
    case 'int':
    case 'float': {
      const n = number(t, spec, spec.kind === 'int');
      return typeof n === 'string' ? { ok: false, error: n } : { ok: true, value: n };
    }
    case 'int-pair': {
      const list = numberList(t, spec, false);
      if (typeof list === 'string') return { ok: false, error: list };
      if (list.length > 2) return { ok: false, error: 'Give one number (height = width) or two: height, width.' };
      return { ok: true, value: list.length === 1 ? list[0]! : list };
    }
    case 'padding-2d': {
      const list = numberList(t, spec, false);
      if (typeof list === 'string') return { ok: false, error: list };
      if (list.length === 3 || list.length > 4) return { ok: false, error: 'Give one number, two (height, width) or four (top, bottom, left, right).' };
      return { ok: true, value: list.length === 1 ? list[0]! : list };
    }
    case 'shape': {
      const list = numberList(t, spec, spec.allowInferredDim === true);
      if (typeof list === 'string') return { ok: false, error: list };
      if (list.filter((d) => d === -1).length > 1) return { ok: false, error: 'Only one dimension may be -1.' };
      return { ok: true, value: list };
    }
    default:
      return { ok: true, value: t };
  }
}

/** The value a node uses: its own, else the catalogue's default. */
export function effectiveValue(spec: ParamSpec, params: Record<string, ParamValue>): ParamValue | undefined {
  return spec.name in params ? params[spec.name] : spec.default;
}
