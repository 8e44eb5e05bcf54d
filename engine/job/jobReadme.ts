/** The README of a job folder: what is in it and the exact commands, one node or many. */
import type { JobRecipe } from './jobRecipe.js';

export function jobReadme(recipe: JobRecipe, projectPath?: string): string {
  const t = recipe.training;
  const project = projectPath ?? '<project>.cnnstudio.json';
  return `# ${recipe.project}: a Convnet Studio training job

Made by \`convnet-studio job\` (studio ${recipe.studioVersion}, ${recipe.createdAt}).
Plain PyTorch; images are read with Pillow and numpy (no torchvision needed).
Needs Python 3, torch 1.13 or newer, numpy and Pillow.

| file | what it is |
|---|---|
| \`train.py\` | the training script: data, split, preprocessing, augmentation, optimizer, schedule, early stopping, checkpoints, DDP |
| \`job.json\` | the recipe as data (the one source of truth train.py reads): classes, input ${recipe.input.height}×${recipe.input.width}×${recipe.input.channels}, preprocessing, augmentation, split, ${t.optimizer.type} at ${t.optimizer.learningRate}, ${t.schedule.type} schedule, ${t.loss}, ${t.epochs} epochs, batch ${t.batchSize}, early stopping ${t.earlyStopping.enabled ? 'on' : 'off'}, seed ${t.seed} |
| \`model.py\` | the network as an \`nn.Module\` (the studio's PyTorch export); \`weights.safetensors\` its starting weights${recipe.model.initialWeights ? ` (from ${recipe.model.initialWeights})` : ' (the studio\'s seeded initialisation)'} |
| \`studio-model.json\`, \`studio-weights.bin\` | the same model in the studio's format: train.py writes the trained weights back in it |

## Run

One process (\`--device cuda\` for a GPU; the default is cuda when there is one):

\`\`\`sh
python3 train.py --data <image folder> --out <run folder>
\`\`\`

Several processes on one machine (DistributedDataParallel: gloo on CPU, nccl on CUDA):

\`\`\`sh
torchrun --standalone --nproc_per_node=<N> train.py --data <image folder> --out <run folder>
\`\`\`

Several machines (run on each, with its own --node_rank; every machine sees the data at the same path):

\`\`\`sh
torchrun --nnodes=<M> --nproc_per_node=<N> --node_rank=<0…M-1> \\
  --rdzv_backend=c10d --rdzv_endpoint=<host of node 0>:29400 --rdzv_id=<job id> \\
  train.py --data <image folder> --out <run folder on shared storage>
\`\`\`

Under Slurm, the same line goes into \`srun\` with \`--node_rank=$SLURM_NODEID\`.
With Debian 12's torch 1.13 under Python 3.11, torchrun cannot parse its own
default \`--redirects\`/\`--tee\` (\`'NoneType' object has no attribute 'get'\`):
add \`--redirects 1 --tee 1\` after \`torchrun\`.

Each process decodes every image once before training (to find broken files
and, for mean/std normalisation, measure the training split), then keeps them
in memory up to \`--cache-mb\` (default 4096) or decodes each batch from disk.
Ctrl-C stops at once; \`--resume\` continues from the last finished epoch.

The global batch stays ${t.batchSize} (the project's): each of W processes takes
${t.batchSize}/W images of every batch (W must divide it), and gradients and
metrics are averaged across processes, so the result does not depend on W. Only
rank 0 writes the run folder.

Flags: \`--data DIR\` (required: DIR/<class>/… or DIR/train|val|test/<class>/…),
\`--out DIR\` (the run folder, default \`runs/<run id>\`), \`--epochs N\` and
\`--batch-size N\` (override job.json), \`--split FILE\` (a studio run's
split.json: train on exactly that split), \`--resume\` (continue from the last
checkpoint in --out), \`--device cpu|cuda\`, \`--workers N\` (image decoding
processes per rank).

## Back in the studio

The run folder is a studio run folder (\`run.json\`, \`metrics.jsonl\`,
\`split.json\`, \`checkpoints/epoch-NNN/\`, \`model/\`), so:

\`\`\`sh
convnet-studio evaluate <run folder> --data <test image folder>
convnet-studio export <run folder> --format onnx,pytorch --out exported/
convnet-studio runs add ${project} <run folder>   # into the project's run history
\`\`\`

## Where PyTorch differs from the studio

- Augmentation: the same eleven transforms with the same ranges (flips,
  rotation, zoom and translation as one affine warp per image with bilinear
  sampling and black outside, random crop, brightness, contrast, saturation,
  Gaussian noise, cutout), drawn from a random stream seeded per image, so the
  same image gets different draws than in the studio.
- RMSprop adds epsilon outside the square root and Adagrad uses PyTorch's
  epsilon of 1e-10 (TensorFlow.js: inside the root, and its backend epsilon).
- BatchNormalization: each process normalises its own share of a batch (no
  SyncBatchNorm on CPU); with one process it is the studio's.
- Images are decoded with Pillow and resized by the studio's own filter (a
  separable triangle filter); JPEG decoders may differ in the last bit.
`;
}
