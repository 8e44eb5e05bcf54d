/**
 * Small real training data for the end-to-end tests: the first images of each
 * Fashion-MNIST class (Debian's dataset-fashion-mnist, test split) written as
 * PNG class folders, the way a person points the studio at their own images.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_DEFAULT_DIR, fashionMnistFile } from '../../engine/data/fashionMnist.js';
import { readIdxImagesAndLabels } from '../../engine/data/idx.js';
import { writeImageFolders } from '../../engine/data/writeImageFolders.js';

export async function writeFashionSample(perClass: number): Promise<string> {
  const images = await fashionMnistFile(FASHION_MNIST_DEFAULT_DIR, 't10k-images-idx3-ubyte');
  const labels = await fashionMnistFile(FASHION_MNIST_DEFAULT_DIR, 't10k-labels-idx1-ubyte');
  if (!images || !labels) {
    throw new Error(`Fashion-MNIST is not in ${FASHION_MNIST_DEFAULT_DIR}; install Debian's dataset-fashion-mnist (.ci/run does).`);
  }
  const outDir = join(await mkdtemp(join(tmpdir(), 'cnnstudio-e2e-')), 'fashion');
  await writeImageFolders({
    outDir,
    classNames: FASHION_MNIST_CLASS_NAMES,
    splits: { train: await readIdxImagesAndLabels(images, labels) },
    perClass,
    source: { dataset: 'fashion-mnist-test', perClass },
  });
  // writeImageFolders nests each split: DIR/train/<class>/…
  return outDir;
}
