/** Python identifiers and literals for the generated Keras and PyTorch sources. */

const PYTHON_KEYWORDS = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif',
  'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or',
  'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
  // Names the generated code itself uses.
  'x', 'w', 'np', 'torch', 'nn', 'F', 'keras', 'layers', 'json', 'struct', 'self',
]);

/** Unique Python identifiers for layer names (layer names may hold '/', '.', '-' in converted Keras models). */
export class PythonNames {
  private readonly byLayer = new Map<string, string>();
  private readonly taken = new Set<string>();

  of(layerName: string): string {
    const known = this.byLayer.get(layerName);
    if (known) return known;
    let base = layerName.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `l_${base}`;
    if (PYTHON_KEYWORDS.has(base)) base = `${base}_`;
    let name = base;
    for (let n = 2; this.taken.has(name); n++) name = `${base}_${n}`;
    this.taken.add(name);
    this.byLayer.set(layerName, name);
    return name;
  }
}

/** A JSON value as a Python literal (strings, numbers, booleans, None, lists as tuples of two, dicts). */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 1 ? `(${py(value[0])},)` : `(${value.map(py).join(', ')})`;
  return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`).join(', ')}}`;
}

/** Numbers keep full precision; floats stay floats in Python. */
export function pyNumber(value: number): string {
  if (value === Infinity) return 'float("inf")';
  if (value === -Infinity) return '-float("inf")';
  return String(value);
}

export function pyFloat(value: number): string {
  const text = pyNumber(value);
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** The safetensors reader both generated files carry, so they need numpy only. */
export const READ_WEIGHTS_PY = `def read_weights(path):
    """The arrays of a .safetensors file (as Convnet Studio writes it: float32, Keras layouts), by name."""
    with open(path, "rb") as f:
        (header_size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_size))
        data = f.read()
    header.pop("__metadata__", None)
    arrays = {}
    for name, spec in header.items():
        if spec["dtype"] != "F32":
            raise ValueError(f"{path}: weight {name} has dtype {spec['dtype']}, expected F32")
        begin, end = spec["data_offsets"]
        arrays[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(spec["shape"]).copy()
    return arrays
`;
