/**
 * Writes the sample dataset and the sample project shipped in resources/:
 * the first 50 training and 10 test images of each Fashion-MNIST class, as
 * PNG class folders (resources/sample-data/fashion-mnist/images), and a Seed
 * CNN project that trains on them with one command:
 *
 *   node --import tsx scripts/make-sample-data.ts        (needs Debian's dataset-fashion-mnist)
 *   node bin/convnet-studio.js train resources/sample-project/fashion-mnist.cnnstudio.json
 *
 * Fashion-MNIST is Copyright (c) 2017 Zalando SE, MIT licence; the licence
 * and the attribution are written beside the images.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '../engine/errors.js';
import { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_LICENSE, readFashionMnist } from '../engine/data/fashionMnist.js';
import type { IdxImageSet } from '../engine/data/idx.js';
import { writeImageFolders, type LabelledImages } from '../engine/data/writeImageFolders.js';
import { createProject } from '../engine/graph/templates.js';
import { writeProject } from '../engine/project/projectFile.js';

const TRAIN_PER_CLASS = 50;
const TEST_PER_CLASS = 10;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const datasetDir = join(repo, 'resources', 'sample-data', 'fashion-mnist');
const projectFile = join(repo, 'resources', 'sample-project', 'fashion-mnist.cnnstudio.json');

const LICENSE = `The MIT License (MIT) Copyright © [2017] Zalando SE, https://tech.zalando.com

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the “Software”), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED “AS IS”, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;

const README = `# Fashion-MNIST sample

${TRAIN_PER_CLASS} training and ${TEST_PER_CLASS} test images of each of the 10 classes of
Fashion-MNIST (28×28 greyscale PNGs): the first ones of each class in the
original files, in \`images/train/<class>/\` and \`images/test/<class>/\`.

Fashion-MNIST: Han Xiao, Kashif Rasul, Roland Vollgraf, "Fashion-MNIST: a
Novel Image Dataset for Benchmarking Machine Learning Algorithms", 2017.
https://github.com/zalandoresearch/fashion-mnist — Copyright (c) 2017
Zalando SE, released under the MIT licence (see LICENSE in this folder).

Regenerate with \`node --import tsx scripts/make-sample-data.ts\` (reads
Debian's dataset-fashion-mnist from ${FASHION_MNIST_DEFAULT_DIR}).
`;

/** The first `count` images of each label, in file order. */
function firstPerClass(set: IdxImageSet, count: number): LabelledImages {
  const imageBytes = set.height * set.width;
  const taken = new Map<number, number>();
  const picked: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const label = set.labels[i]!;
    if ((taken.get(label) ?? 0) >= count) continue;
    taken.set(label, (taken.get(label) ?? 0) + 1);
    picked.push(i);
  }
  const images = new Uint8Array(picked.length * imageBytes);
  picked.forEach((source, k) => images.set(set.images.subarray(source * imageBytes, (source + 1) * imageBytes), k * imageBytes));
  return { count: picked.length, height: set.height, width: set.width, channels: 1, images, labels: Int32Array.from(picked, (i) => set.labels[i]!) };
}

async function main(): Promise<number> {
  try {
    const { train, test } = await readFashionMnist();
    const result = await writeImageFolders({
      outDir: join(datasetDir, 'images'),
      classNames: FASHION_MNIST_CLASS_NAMES,
      splits: { train: firstPerClass(train, TRAIN_PER_CLASS), test: firstPerClass(test, TEST_PER_CLASS) },
      source: { dataset: 'fashion-mnist', subset: `first ${TRAIN_PER_CLASS} train and ${TEST_PER_CLASS} test per class`, license: FASHION_MNIST_LICENSE },
    });
    await writeFile(join(datasetDir, 'LICENSE'), LICENSE);
    await writeFile(join(datasetDir, 'README.md'), README);

    const project = createProject('seed-cnn', 'Fashion-MNIST sample');
    project.data = {
      ...project.data,
      kind: 'image-folder',
      path: '../sample-data/fashion-mnist/images',
      validationSplit: 0.2,
      augmentation: { ...project.data.augmentation!, horizontalFlip: true, translation: 0.05 },
    };
    project.training = { ...project.training, epochs: 8, batchSize: 32 };
    await mkdir(dirname(projectFile), { recursive: true });
    await writeProject(projectFile, project);
    console.log(`${result.wrote ? 'Wrote' : 'Kept'} ${datasetDir} and wrote ${projectFile}.`);
    return 0;
  } catch (error) {
    const { message, hint } = describeError(error);
    console.error(hint ? `${message}\n${hint}` : message);
    return 1;
  }
}

process.exitCode = await main();
