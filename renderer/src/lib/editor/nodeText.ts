/** Short texts a node card shows: its key parameters and a word for each problem. */
import type { GraphNode, ParamValue } from '../../../../engine/protocol.js';
import type { ProblemCode } from '../../../../engine/protocol.js';

const showValue = (name: string, value: ParamValue): string => {
  if (Array.isArray(value)) return value.join('×');
  if (typeof value === 'number' && /size|strides|dilation/.test(name)) return `${value}×${value}`;
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k} ${v}`).join(' ');
  return String(value);
};

const SHORT_NAMES: Record<string, string> = { kernel_size: 'kernel', pool_size: 'pool', dilation_rate: 'dilation', target_shape: 'to' };
/** Parameters whose value says what it is (3×3, relu): shown without their name, so a card stays readable at fit view. */
const VALUE_ONLY = new Set(['kernel_size', 'activation', 'padding']);

/** The parameters the node sets itself (the ones a person chose), first three that say something. */
export function keyParams(node: GraphNode, limit = 3): string {
  return Object.entries(node.params)
    // An imported layer states its defaults too ("strides": null is the pool size): nothing to show.
    .filter(([, value]) => value !== null)
    .slice(0, limit)
    .map(([name, value]) => (VALUE_ONLY.has(name) ? showValue(name, value) : `${SHORT_NAMES[name] ?? name} ${showValue(name, value)}`))
    .join(' · ');
}

const PROBLEM_WORDS: Record<ProblemCode, string> = {
  cycle: 'loop',
  'no-input': 'no input',
  'several-inputs': 'inputs',
  'no-output': 'no output',
  'several-outputs': 'outputs',
  'unreachable-from-input': 'unconnected',
  'does-not-reach-output': 'dead end',
  'dangling-edge': 'edge',
  'duplicate-id': 'duplicate',
  'wrong-input-count': 'inputs',
  'unknown-layer-type': 'unknown',
  'unknown-param': 'param',
  'invalid-param': 'param',
  'shape-mismatch': 'shape',
  'rank-mismatch': 'rank',
  'kernel-too-large': 'too large',
  'non-positive-size': 'size',
  'class-count-mismatch': 'classes',
  'missing-param': 'missing',
  'invalid-edge': 'edge',
  'output-activation': 'activation',
  'graph-too-deep': 'too deep',
  'tensor-too-large': 'too big',
  'too-much-memory': 'memory',
};

export const problemWord = (code: ProblemCode): string => PROBLEM_WORDS[code] ?? code;

// One formatter for all: Number.prototype.toLocaleString builds one per call, which shows in a 300-row summary.
const COUNT_FORMAT = new Intl.NumberFormat('en-US');
export const formatCount = (n: number): string => COUNT_FORMAT.format(n);

/** 1234567 → 1.23 M, for tight spaces. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)} k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(n < 1e7 ? 2 : 1)} M`;
  return `${(n / 1e9).toFixed(2)} G`;
}
