/** The data module's public surface: everything the trainer, the CLI and the window use. */
export type { ImageDataset, ImageInputShape, ImageSplit, SkippedFile, ValidationSource } from './types.js';
export { scanImageFolder, SPLIT_NAMES, type FolderLayout, type FolderScan, type ScannedImage, type SplitName } from './scan.js';
export { loadImageDataset, type ImageFolderOptions, type LoadedImageDataset, type LoadOptions } from './imageFolder.js';
export { checkValidationSplit, stratifiedSplit, validationCountForClass, type StratifiedSplit } from './split.js';
export { ALPHA_BACKGROUND, decodeImageInto, ImageDecodeError, rgbToGrey } from './decode.js';
export { batchTensors, sequentialOrder, shuffledOrder, type Batch } from './batches.js';
export { parseIdx, readIdxFile, readIdxImagesAndLabels, type IdxArray, type IdxElementType, type IdxImageSet } from './idx.js';
export { IMAGE_EXTENSIONS, isImageFileName } from './imageFormats.js';
export { completedFolder, MANIFEST_FILE, writeImageFolders, type ImageFoldersRequest, type ImageFoldersResult, type LabelledImages } from './writeImageFolders.js';
export { FASHION_MNIST_CLASS_NAMES, FASHION_MNIST_DEFAULT_DIR, FASHION_MNIST_LICENSE, readFashionMnist, type FashionMnist } from './fashionMnist.js';
export { forEachWithConcurrency } from './concurrency.js';
