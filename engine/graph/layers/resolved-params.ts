/**
 * A node's parameters after checking: every parameter of its spec is present
 * (the node's value or the catalogue default) and has the form its kind
 * promises, so layer code reads them without re-checking.
 */
import type { ParamValue } from '../schema.js';

export interface L1L2 {
  l1: number;
  l2: number;
}

export class ResolvedParams {
  constructor(private readonly values: Readonly<Record<string, ParamValue>>) {}

  raw(name: string): ParamValue {
    return this.values[name] ?? null;
  }

  int(name: string): number {
    return this.values[name] as number;
  }

  float(name: string): number {
    return this.values[name] as number;
  }

  bool(name: string): boolean {
    return this.values[name] as boolean;
  }

  string(name: string): string {
    return this.values[name] as string;
  }

  /** An `int-pair` as [height, width]. */
  pair(name: string): [number, number] {
    const value = this.values[name] as number | number[];
    return typeof value === 'number' ? [value, value] : [value[0]!, value[1]!];
  }

  /** A nullable `int-pair`, or `fallback`'s pair when it is null. */
  pairOr(name: string, fallback: string): [number, number] {
    return this.values[name] === null ? this.pair(fallback) : this.pair(name);
  }

  /** A `padding-2d` as [[top, bottom], [left, right]]. */
  sides(name: string): [[number, number], [number, number]] {
    const value = this.values[name] as number | number[];
    if (typeof value === 'number') return [[value, value], [value, value]];
    if (value.length === 2) return [[value[0]!, value[0]!], [value[1]!, value[1]!]];
    return [[value[0]!, value[1]!], [value[2]!, value[3]!]];
  }

  ints(name: string): number[] {
    return [...(this.values[name] as number[])];
  }

  regularizer(name: string): L1L2 | null {
    const value = this.values[name] as { l1?: number; l2?: number } | null;
    if (value === null) return null;
    return { l1: value.l1 ?? 0, l2: value.l2 ?? 0 };
  }
}
