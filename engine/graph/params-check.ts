/**
 * Checking a node's parameters against its layer spec: unknown names (with a
 * suggestion), missing required ones, wrong value types, sizes that are zero,
 * negative or fractional, and options that do not exist. What passes becomes
 * a ResolvedParams with every default filled in.
 */
import type { GraphNode, ParamValue } from './schema.js';
import type { Problem } from './report.js';
import { ResolvedParams } from './layers/resolved-params.js';
import type { LayerSpec, ParamSpec } from './layers/types.js';
import { nearestName } from './suggest.js';

type Report = (problem: Problem) => void;

/** A value that fails its spec: the code, what is wrong, and how to write it instead. */
interface Fault {
  code: 'invalid-param' | 'non-positive-size';
  what: string;
  fix: string;
}

function show(value: unknown): string {
  // JSON writes NaN and ±Infinity as null: a message would call the value null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function example(spec: ParamSpec): string {
  if (spec.default !== undefined && spec.default !== null) return show(spec.default);
  switch (spec.kind) {
    case 'int-pair':
      return '3 or [3, 3]';
    case 'shape':
      return '[7, 7, 16]';
    case 'int':
      return spec.name === 'filters' ? '32' : '10';
    default:
      return show(spec.options?.[0] ?? 1);
  }
}

/** Checks each number of a size-like value against the spec's bounds. */
function checkBounds(spec: ParamSpec, numbers: readonly number[], shown: unknown): Fault | null {
  for (const n of numbers) {
    if (spec.allowInferredDim && n === -1) continue;
    if (spec.min !== undefined && n < spec.min) {
      const sizeLike = spec.min >= 1 && spec.kind !== 'float';
      return {
        code: sizeLike ? 'non-positive-size' : 'invalid-param',
        what: `is ${show(shown)}, but ${sizeLike ? 'sizes must be at least' : 'the smallest allowed value is'} ${spec.min}`,
        fix: `Set ${spec.name} to ${spec.min} or more, e.g. ${example(spec)}.`,
      };
    }
    if (spec.max !== undefined && (spec.maxExclusive ? n >= spec.max : n > spec.max)) {
      return {
        code: 'invalid-param',
        what: `is ${show(shown)}, but it must be ${spec.maxExclusive ? 'below' : 'at most'} ${spec.max}`,
        fix: `Set ${spec.name} to a value ${spec.maxExclusive ? 'below' : 'up to'} ${spec.max}, e.g. ${example(spec)}.`,
      };
    }
  }
  return null;
}

/**
 * Checks a size-like value: a single number where `scalar` allows it, else a
 * list whose length is one of `lengths` (any non-empty length when empty).
 */
function wholeNumbers(
  spec: ParamSpec,
  value: unknown,
  scalar: boolean,
  lengths: readonly number[],
  form: string,
): Fault | null {
  const numbers = scalar && typeof value === 'number' ? [value] : value;
  const fitsForm =
    Array.isArray(numbers) &&
    numbers.length > 0 &&
    (numbers !== value || lengths.length === 0 || lengths.includes(numbers.length)) &&
    numbers.every((n) => typeof n === 'number');
  if (!fitsForm) {
    return { code: 'invalid-param', what: `must be ${form}, not ${show(value)}`, fix: `Set ${spec.name} to ${form}, e.g. ${example(spec)}.` };
  }
  if (!numbers.every(isInt)) {
    return {
      code: 'invalid-param',
      what: `must hold whole numbers, not ${show(value)}`,
      fix: `Round ${spec.name} to whole numbers, e.g. ${example(spec)}.`,
    };
  }
  if (spec.allowInferredDim && numbers.filter((n) => n === -1).length > 1) {
    return {
      code: 'invalid-param',
      what: `has more than one -1 in ${show(value)}`,
      fix: `Only one size of ${spec.name} can be inferred; write out the others.`,
    };
  }
  return checkBounds(spec, numbers, value);
}

function checkValue(spec: ParamSpec, value: unknown): Fault | null {
  if (value === null) {
    return spec.nullable
      ? null
      : { code: 'invalid-param', what: 'is null', fix: `Give ${spec.name} a value, e.g. ${example(spec)}.` };
  }
  switch (spec.kind) {
    case 'int':
      if (typeof value !== 'number') {
        return { code: 'invalid-param', what: `must be a whole number, not ${show(value)}`, fix: `Set ${spec.name} to a number such as ${example(spec)}.` };
      }
      return wholeNumbers(spec, value, true, [], 'a whole number');
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { code: 'invalid-param', what: `must be a number, not ${show(value)}`, fix: `Set ${spec.name} to a number such as ${example(spec)}.` };
      }
      return checkBounds(spec, [value], value);
    case 'bool':
      return typeof value === 'boolean'
        ? null
        : { code: 'invalid-param', what: `must be true or false, not ${show(value)}`, fix: `Set ${spec.name} to true or false.` };
    case 'enum':
    case 'activation':
    case 'initializer': {
      const options = spec.options ?? [];
      if (typeof value === 'string' && options.includes(value)) return null;
      const guess = typeof value === 'string' ? nearestName(value, options) : null;
      return {
        code: 'invalid-param',
        what: `is ${show(value)}, which is not one of ${options.join(', ')}`,
        fix: guess ? `Did you mean "${guess}"?` : `Choose one of ${options.join(', ')}.`,
      };
    }
    case 'int-pair':
      return wholeNumbers(spec, value, true, [2], 'a whole number or [height, width]');
    case 'padding-2d':
      return wholeNumbers(spec, value, true, [2, 4], 'a whole number, [h, w] or [top, bottom, left, right]');
    case 'shape':
      return wholeNumbers(spec, value, false, [], 'a list of sizes');
    case 'regularizer': {
      const entries = typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : null;
      const valid =
        entries !== null &&
        entries.every(([key, n]) => (key === 'l1' || key === 'l2') && typeof n === 'number' && Number.isFinite(n) && n >= 0);
      return valid
        ? null
        : {
            code: 'invalid-param',
            what: `must be null or {"l1": …, "l2": …} with non-negative numbers, not ${show(value)}`,
            fix: `Write ${spec.name} as {"l2": 0.0001}, or null for no penalty.`,
          };
    }
  }
}

/**
 * Reports every parameter problem of one node. Returns its resolved
 * parameters, or null when a value it uses is unusable (unknown names are
 * reported but do not stop shape inference, since they are simply ignored).
 */
export function checkParams(node: GraphNode, spec: LayerSpec, report: Report): ResolvedParams | null {
  const given: Record<string, ParamValue> =
    typeof node.params === 'object' && node.params !== null ? node.params : {};
  const known = spec.params.map((p) => p.name);
  for (const name of Object.keys(given)) {
    if (known.includes(name)) continue;
    const guess = nearestName(name, known);
    const takes = known.length ? `${spec.type} takes: ${known.join(', ')}.` : `${spec.type} takes no parameters.`;
    report({
      nodeId: node.id,
      param: name,
      code: 'unknown-param',
      message: `${spec.type} "${node.id}" has no parameter "${name}".`,
      hint: guess ? `Did you mean ${guess}? ${takes}` : `Remove it; ${takes}`,
    });
  }
  let usable = true;
  const resolved: Record<string, ParamValue> = {};
  for (const param of spec.params) {
    const value = Object.hasOwn(given, param.name) ? given[param.name] : undefined;
    if (value === undefined) {
      if (param.required) {
        usable = false;
        report({
          nodeId: node.id,
          param: param.name,
          code: 'missing-param',
          message: `${spec.type} "${node.id}" needs ${param.name}: ${param.doc}`,
          hint: `Set ${param.name}, e.g. ${example(param)}.`,
        });
      } else {
        resolved[param.name] = param.default ?? null;
      }
      continue;
    }
    const fault = checkValue(param, value);
    if (fault) {
      usable = false;
      report({
        nodeId: node.id,
        param: param.name,
        code: fault.code,
        message: `${spec.type} "${node.id}": ${param.name} ${fault.what}.`,
        hint: fault.fix,
      });
    } else {
      resolved[param.name] = value;
    }
  }
  return usable ? new ResolvedParams(resolved) : null;
}
