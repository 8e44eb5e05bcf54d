/**
 * A GPU error during a training step, as the error the run stops with. Out
 * of memory is the common one: the batch's activations (and the optimizer's
 * state) did not fit, and a smaller batch is the fix; the run's last
 * checkpoint is untouched by the failed step, so it is named and kept.
 */
import { StudioError } from '../errors.js';
import type { GpuAdapterInfo } from '../protocol.js';
import { adapterLabel, isGpuOutOfMemoryMessage, takeGpuFault, type GpuFault } from '../backend/webgpu.js';

export interface GpuFaultContext {
  /** What the step threw, if it threw. */
  thrown?: unknown;
  /** "epoch 3, batch 12". */
  where: string;
  batchSize: number;
  params: number;
  adapter?: GpuAdapterInfo;
  lastCheckpoint?: string;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** The StudioError for the device's reported fault (or an out-of-memory the step threw), or null when the GPU is fine. */
export function gpuFaultError(context: GpuFaultContext): StudioError | null {
  const reported = takeGpuFault();
  const thrownMessage = context.thrown instanceof Error ? context.thrown.message : context.thrown === undefined ? '' : String(context.thrown);
  const fault: GpuFault | null = reported ?? (isGpuOutOfMemoryMessage(thrownMessage) ? { kind: 'out-of-memory', message: thrownMessage } : null);
  if (!fault) return null;
  const on = context.adapter ? ` (${adapterLabel(context.adapter)})` : '';
  const kept = context.lastCheckpoint
    ? ` The last checkpoint, ${context.lastCheckpoint}, is kept.`
    : ' No checkpoint was written yet (it failed in the first epoch).';
  if (fault.kind === 'out-of-memory') {
    // Weights, their gradients and Adam's two moments: four copies, before any activation.
    const model = `${context.params.toLocaleString('en-US')} parameters (${mib(context.params * 4)} of weights, about ${mib(context.params * 16)} with gradients and optimizer state)`;
    const smaller = Math.max(1, Math.floor(context.batchSize / 2));
    return new StudioError(
      `The GPU${on} ran out of memory at ${context.where}: a batch of ${context.batchSize} images with a model of ${model} does not fit.${kept}`,
      `Train with a smaller batch size (try ${smaller}: --batch-size ${smaller}, or the Batch size setting), a smaller input size or fewer filters; or close other programs that use the GPU.`,
      'gpu-out-of-memory',
    );
  }
  return new StudioError(
    `The GPU${on} reported an error at ${context.where}, so the step's results cannot be trusted: ${fault.message.split('\n')[0]!.replace(/\.$/, '')}.${kept}`,
    fault.kind === 'device-lost'
      ? 'The GPU driver reset or the GPU was removed; start the run again, or train on another backend (--backend wasm).'
      : 'Train on another backend (--backend wasm) and report this GPU error with its adapter (`convnet-studio info`).',
    'gpu-error',
  );
}
