/**
 * Building an ONNX graph node by node, with the layout of every 4-D value
 * tracked. TensorFlow.js computes in NHWC, ONNX's convolutions and poolings
 * in NCHW: a value is transposed only when the next operation needs the other
 * layout, and at most once per value, so a chain of convolutions pays for one
 * transpose at its start and one before its Flatten.
 */
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;

export type Layout = 'nhwc' | 'nchw' | 'plain';

/** A tensor in the graph: its ONNX name, its rank (with the batch) and, for 4-D, its layout. */
export interface Value {
  name: string;
  rank: number;
  layout: Layout;
}

/** number → INT, number[] → INTS, string → STRING, { f } → FLOAT. */
type AttributeValue = number | string | number[] | { f: number };

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];

export class OnnxGraph {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly usedNames = new Set<string>();
  /** The other-layout twin of a 4-D value, by the value's name. */
  private readonly twins = new Map<string, Value>();

  /** A fresh tensor name starting with `base`. */
  fresh(base: string): string {
    let name = base;
    for (let n = 1; this.usedNames.has(name); n++) name = `${base}_${n}`;
    this.usedNames.add(name);
    return name;
  }

  reserve(name: string): void {
    this.usedNames.add(name);
  }

  /** Adds a node; returns its (single) output name. */
  op(opType: string, inputs: string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    const name = this.fresh(output);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [name],
        name: `${name}_${opType}`,
        attribute: Object.entries(attributes).map(([key, value]) => attribute(key, value)),
      }),
    );
    return name;
  }

  floats(base: string, shape: number[], data: Float32Array | number[]): string {
    const name = this.fresh(base);
    const array = data instanceof Float32Array ? data : Float32Array.from(data);
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: shape, dataType: onnx.TensorProto.DataType.FLOAT, rawData: littleEndianBytes(array) }),
    );
    return name;
  }

  scalar(base: string, value: number): string {
    return this.floats(base, [], [value]);
  }

  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    const array = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: littleEndianBytes(array) }),
    );
    return name;
  }

  /** The value in NCHW (4-D only), transposing once if needed. */
  nchw(value: Value): Value {
    return value.layout === 'nhwc' ? this.twin(value, 'nchw', NHWC_TO_NCHW) : value;
  }

  /** The value in the layout TensorFlow.js has it in: NHWC for 4-D, as is otherwise. */
  canonical(value: Value): Value {
    return value.layout === 'nchw' ? this.twin(value, 'nhwc', NCHW_TO_NHWC) : value;
  }

  /** The value in `layout` (the layout of another 4-D value), for merges. */
  inLayout(value: Value, layout: Layout): Value {
    if (layout === 'nchw') return this.nchw(value);
    if (layout === 'nhwc') return this.canonical(value);
    return value;
  }

  private twin(value: Value, layout: Layout, perm: number[]): Value {
    const known = this.twins.get(value.name);
    if (known) return known;
    const name = this.op('Transpose', [value.name], `${value.name}_${layout}`, { perm });
    const result: Value = { name, rank: value.rank, layout };
    this.twins.set(value.name, result);
    this.twins.set(name, value);
    return result;
  }
}

function attribute(name: string, value: AttributeValue): InstanceType<typeof onnx.AttributeProto> {
  const types = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: types.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: types.INTS, ints: value });
  if (typeof value === 'object') return onnx.AttributeProto.create({ name, type: types.FLOAT, f: value.f });
  return onnx.AttributeProto.create({ name, type: types.INT, i: value });
}

function littleEndianBytes(array: Float32Array | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(array.byteLength);
  const view = new DataView(bytes.buffer);
  if (array instanceof Float32Array) array.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else array.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  return bytes;
}
