/**
 * The native TensorFlow backend, from @tensorflow/tfjs-node-gpu. It is an
 * optional dependency whose install script downloads libtensorflow, so on a
 * machine without network npm leaves it out; it is only ever loaded lazily.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { registerTrainingKernels } from './kernels/register.js';

export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';

export type TensorflowProbe =
  | { loaded: true; device: 'GPU' | 'CPU' }
  | { loaded: false; installed: boolean; reason: string };

/** Set by tfjs-node's NodeJSKernelBackend from its binding: does TensorFlow run ops on a GPU? */
interface NodeKernelBackend {
  isUsingGpuDevice?: boolean;
}

const require = createRequire(import.meta.url);
let probe: TensorflowProbe | undefined;

function isInstalled(): boolean {
  try {
    require.resolve(TFJS_NODE_GPU);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads tfjs-node-gpu once and says whether the 'tensorflow' backend works and
 * on which device. Its index makes 'tensorflow' the active backend as a side
 * effect, so it is loaded with a synchronous require rather than import():
 * that lets the caller put the previously active backend back before any
 * other code (a training step awaiting a tensor, say) can run on the wrong one.
 */
export function probeTensorflow(): TensorflowProbe {
  if (probe) return probe;
  if (!isInstalled()) {
    probe = {
      loaded: false,
      installed: false,
      reason:
        'tfjs-node-gpu is not installed: npm could not download libtensorflow when it installed this optional dependency (no network, or no prebuilt build for this platform), so it left it out',
    };
    return probe;
  }
  try {
    require(TFJS_NODE_GPU);
  } catch (e) {
    probe = {
      loaded: false,
      installed: true,
      reason: `tfjs-node-gpu is installed but could not load: ${e instanceof Error ? e.message : String(e)}`,
    };
    return probe;
  }
  // tfjs-node-gpu loads the @tensorflow/tfjs bundle, which registers
  // tfjs-core's gradients again, over the project's corrections.
  registerTrainingKernels();
  // The factory runs here if the package's own activation has not already.
  const backend = tf.findBackend('tensorflow') as (tf.KernelBackend & NodeKernelBackend) | null;
  probe = backend
    ? { loaded: true, device: backend.isUsingGpuDevice === true ? 'GPU' : 'CPU' }
    : {
        loaded: false,
        installed: true,
        reason: 'tfjs-node-gpu loaded but TensorFlow failed to start (its warning above says why)',
      };
  return probe;
}

export const tensorflowInstallHint =
  'With network access, run `npm install @tensorflow/tfjs-node-gpu` in the studio folder (it downloads libtensorflow). ' +
  'For the GPU it needs an NVIDIA driver with the CUDA and cuDNN versions tfjs-node-gpu 4.x was built for (CUDA 11.2, cuDNN 8.1); without them it runs on the CPU.';
