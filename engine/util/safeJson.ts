/**
 * What JSON from outside (a frame from a window, a project file) may hold
 * before any code walks it: no deeper than MAX_JSON_DEPTH, and no key that
 * means something to JavaScript objects (`__proto__` becomes an object's
 * prototype when copied; `constructor` and `prototype` pass an `in` check).
 * And how a name taken from such JSON is echoed back in messages and logs:
 * quoted, cut, with control characters escaped.
 */

/** Far deeper than any project file (about 6 levels) or command, far shallower than a stack overflow. */
export const MAX_JSON_DEPTH = 64;

/** Keys refused anywhere in outside JSON. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Echoed names longer than this are cut. */
export const MAX_ECHOED_NAME = 120;

export type JsonProblem = { kind: 'too-deep'; path: string } | { kind: 'forbidden-key'; path: string; key: string };

/**
 * The first problem of a parsed JSON value, or null. Iterative, so a value
 * nested ten thousand levels deep is measured without a deep stack.
 */
export function findJsonProblem(root: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) return { kind: 'too-deep', path: path || '(top)' };
    if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, depth: depth + 1, path: `${path}[${i}]` }));
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { kind: 'forbidden-key', path: path || '(top)', key };
      stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: path ? `${path}.${key}` : key });
    }
  }
  return null;
}

/** The problem in words, for a message that says where it is. */
export function describeJsonProblem(problem: JsonProblem, maxDepth = MAX_JSON_DEPTH): string {
  return problem.kind === 'too-deep'
    ? `is nested more than ${maxDepth} levels deep (at ${quoteName(problem.path)})`
    : `has a field named ${quoteName(problem.key)} (at ${quoteName(problem.path)}), a name JavaScript reserves for objects`;
}

/**
 * A name from outside, safe to put in a message or a log line: in double
 * quotes, control characters and quotes escaped (so it cannot split a log
 * line), cut to `max` characters with the full length said.
 */
export function quoteName(name: string, max = MAX_ECHOED_NAME): string {
  const cut = name.length > max ? name.slice(0, max) : name;
  const escaped = JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return name.length > max ? `${escaped.slice(0, -1)}…" (${name.length.toLocaleString('en-US')} characters)` : escaped;
}
