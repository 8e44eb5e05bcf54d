/**
 * Generated PyTorch modules run by Debian's python3-torch, for the tests of
 * the PyTorch writer: each model in a folder of its own (model.py, its
 * weights.safetensors and the input batch x.safetensors), all of them run by
 * one Python process (torch takes seconds to import), each output left
 * beside them as y.f32.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelDescription } from '../model/modelDescription.js';
import { encodeSafetensors, namedWeights } from '../export/safetensors.js';

/** Writes the generated module `source`, the weights of `description` and the input `x` into `dir`. */
export async function writeTorchModel(dir: string, source: string, description: ModelDescription, x: tf.Tensor): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.py'), source);
  await writeFile(join(dir, 'weights.safetensors'), encodeSafetensors(namedWeights(description)));
  await writeFile(join(dir, 'x.safetensors'), encodeSafetensors(new Map([['x', { shape: x.shape, data: (await x.data()) as Float32Array }]])));
}

/**
 * A Python function for the script that runs the models (it needs
 * `import importlib.util, os, torch`): `run_model(d, name)` loads the module
 * written into folder `d` under the module name `name`, runs it on the input
 * (images turned NCHW, as the module takes them), writes the output to y.f32
 * and returns the module, the network and the output.
 */
export const RUN_TORCH_MODEL_PY = `
def run_model(d, name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(d, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = torch.from_numpy(module.read_weights(os.path.join(d, "x.safetensors"))["x"])
    if x.dim() == 4:
        x = x.permute(0, 3, 1, 2)  # the module takes NCHW
    net = module.load_model().eval()
    with torch.no_grad():
        y = net(x)
    y.numpy().astype("<f4").tofile(os.path.join(d, "y.f32"))
    return module, net, y
`;

/** The output run_model left in `dir`. */
export async function readTorchOutput(dir: string): Promise<Float32Array> {
  const bytes = await readFile(join(dir, 'y.f32'));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}
