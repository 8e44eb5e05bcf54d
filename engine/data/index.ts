/** The data module's public surface: everything the trainer, the CLI and the window use. */
export type { ImageDataset, ImageInputShape, ImageSplit, SkippedFile, ValidationSource } from './types.js';
export { scanImageFolder, SPLIT_NAMES, type FolderLayout, type FolderScan, type ScannedImage, type SplitName } from './scan.js';
export { loadImageDataset, type ImageFolderOptions, type LoadedImageDataset, type LoadOptions } from './imageFolder.js';
export { stratifiedSplit, validationCountForClass } from './split.js';
export { ALPHA_BACKGROUND, decodeImageInto, ImageDecodeError } from './decode.js';
export { batchTensors, sequentialOrder, shuffledOrder, type Batch } from './batches.js';
export { parseIdx, readIdxFile, readIdxImagesAndLabels, type IdxArray, type IdxElementType, type IdxImageSet } from './idx.js';
export { IMAGE_EXTENSIONS, isImageFileName } from './imageFormats.js';
