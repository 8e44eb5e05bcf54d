/**
 * Runs a cpu-backend kernel on copies of wasm tensors: the documented last
 * resort for argument combinations that no fast wasm rewrite covers and
 * that the studio's layers never produce (explicit pool paddings, say).
 */
import * as tf from '@tensorflow/tfjs-core';

export function runCpuKernel(kernelName: string, inputs: Record<string, tf.TensorInfo>, attrs: tf.NamedAttrMap): tf.Tensor {
  const cpu = tf.findBackend('cpu');
  const kernel = tf.getKernel(kernelName, 'cpu');
  if (!cpu || !kernel) throw new Error(`the cpu backend's ${kernelName} kernel is not available for the wasm fallback`);
  const copies: tf.TensorInfo[] = [];
  try {
    const cpuInputs: Record<string, tf.TensorInfo> = {};
    for (const [name, info] of Object.entries(inputs)) {
      const values = tf.engine().readSync(info.dataId);
      const copy = { dataId: cpu.write(values, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
      copies.push(copy);
      cpuInputs[name] = copy;
    }
    const out = kernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs }) as tf.TensorInfo;
    copies.push(out);
    return tf.tensor(cpu.readSync(out.dataId) as tf.TypedArray, out.shape, out.dtype);
  } finally {
    for (const copy of copies) cpu.disposeData(copy.dataId);
  }
}
