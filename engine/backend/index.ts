/** The backend module: which TensorFlow.js backend trains, and the kernels that let WebAssembly train. */
export {
  BACKEND_ORDER,
  backendMemory,
  currentBackend,
  describeBackends,
  selectBackend,
  type ActiveBackend,
  type Device,
  type SelectedBackend,
} from './select.js';
export { gradientCorrections, kernelCorrections, registerTrainingKernels, wasmSpeedups, wasmTrainingKernels } from './kernels/register.js';
