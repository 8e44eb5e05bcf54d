/**
 * `node --import tsx bench/studio_test_accuracy.ts <run>/model <image folder> [--backend wasm]`:
 * the test accuracy of a model the studio trained, on the folder's test/
 * split, loaded the way the trainer loads it. The studio half of the accuracy
 * comparison with bench/torch_seed_cnn_accuracy.py (docs/performance.md).
 */
import { selectBackend } from '../engine/backend/select.js';
import { loadImageDataset } from '../engine/data/imageFolder.js';
import { defaultDataSource } from '../engine/project/schema.js';
import { evaluateSplit } from '../engine/train/evaluateSplit.js';
import { loadModelFolder } from '../engine/model/modelFiles.js';
import type { BackendName } from '../engine/protocol.js';
import { flagValue } from './args.js';

const [modelDir, folder] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (!modelDir || !folder) {
  console.error('usage: node --import tsx bench/studio_test_accuracy.ts <run>/model <image folder with test/> [--backend wasm]');
  process.exit(2);
}
await selectBackend((flagValue('backend') ?? 'wasm') as BackendName);
const { model } = await loadModelFolder(modelDir);
// Evaluation needs the loss compiled in; the optimizer is never used.
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const [, height, width, channels] = model.inputs[0]!.shape as number[];
const source = defaultDataSource();
const dataset = await loadImageDataset({ path: folder, validationSplit: source.validationSplit, seed: source.seed }, { height: height!, width: width!, channels: channels as 1 | 3 });
if (dataset.test.count === 0) {
  console.error(`${folder} has no test/ split`);
  process.exit(1);
}
const metrics = await evaluateSplit(model, dataset.test, 64, 'sparse-categorical-crossentropy');
console.log(JSON.stringify({ model: modelDir, testImages: dataset.test.count, ...metrics }));
