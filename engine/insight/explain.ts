/**
 * The insight commands on a saved model (a run, model or export folder, as
 * predict takes): Grad-CAM explanations of image files, one node's feature
 * maps, and the filters and weight histograms. Images are decoded and
 * normalised exactly as predict does (evaluate/loadedModel.ts), so an
 * imported or fine-tuned model is explained on what it was trained with.
 */
import { mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { ImageDecodeError } from '../data/decode.js';
import { pngDataUrl } from '../data/thumbnails.js';
import { StudioError } from '../errors.js';
import { decodeForModel, loadModelForInference, type LoadedModel } from '../evaluate/loadedModel.js';
import { normalise } from '../evaluate/preprocess.js';
import { topClasses } from '../evaluate/predict.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { featureMaps, type FeatureMaps } from './featureMaps.js';
import { modelFilters, type ModelFilters } from './filters.js';
import { gradCam, gradCamNode, heatmapRows } from './gradCam.js';
import { encodePng, heatmapPixels, OVERLAY_MIN_SIDE, overlayPixels } from './images.js';
import { isSpatial, modelNodes } from './modelNodes.js';
import { withSentImages } from './sentImages.js';
import type { ExplainRequest, FeatureMapsRequest, ExplainResult, NodeSummary, ImageExplanation } from '../protocol/index.js';
export type { ExplainRequest, FeatureMapsRequest, ExplainResult, NodeSummary, ImageExplanation } from '../protocol/index.js';

/** A class given by name (exactly as the model names it) or by index. */
export function resolveClass(value: string | number, classNames: string[]): number {
  const byName = typeof value === 'string' ? classNames.indexOf(value) : -1;
  if (byName >= 0) return byName;
  const index = typeof value === 'number' ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isInteger(index) && index >= 0 && index < classNames.length) return index;
  throw new StudioError(
    `The model has no class ${JSON.stringify(value)}.`,
    `Give a class name (${classNames.slice(0, 12).join(', ')}${classNames.length > 12 ? ', …' : ''}) or an index from 0 to ${classNames.length - 1}.`,
    'unknown-class',
  );
}

async function decodeAll(loaded: LoadedModel, images: string[]): Promise<Uint8Array[]> {
  if (images.length === 0) throw new StudioError('No images to explain.', 'Pass one or more image files.', 'no-images');
  const decoded: Uint8Array[] = [];
  for (const image of images) {
    try {
      decoded.push(await decodeForModel(resolve(image), loaded.spec));
    } catch (e) {
      if (e instanceof ImageDecodeError) throw new StudioError(`${image} ${e.message}.`, 'Pass PNG, JPEG, WebP, GIF or TIFF images.', 'bad-image');
      throw e;
    }
  }
  return decoded;
}

function summarise(loaded: LoadedModel): NodeSummary[] {
  return modelNodes(loaded.model).map((n) => ({ id: n.id, className: n.className, shape: n.shape, spatial: isSpatial(n) && n.className !== 'InputLayer' }));
}

async function withModel<T>(path: string, use: (loaded: LoadedModel) => Promise<T>): Promise<T> {
  const loaded = await loadModelForInference(path);
  try {
    return await use(loaded);
  } finally {
    loaded.model.dispose();
  }
}

export async function explainImages(request: ExplainRequest): Promise<ExplainResult> {
  if (request.imageData?.length) {
    const sent = request.imageData;
    return withSentImages(sent, async (paths, nameOf) => {
      const result = await explainImages({ ...request, images: [...request.images, ...paths], imageData: undefined });
      return { ...result, explanations: result.explanations.map((e) => ({ ...e, image: nameOf(e.image) })) };
    });
  }
  return withModel(request.model, async (loaded) => {
    const { model, classNames, spec } = loaded;
    // Bad arguments are refused before any image is decoded or file written.
    const node = gradCamNode(model, request.layer);
    const target = request.targetClass === undefined ? undefined : resolveClass(request.targetClass, classNames);
    const decoded = await decodeAll(loaded, request.images);
    const x = normalise(decoded, spec);
    let cam;
    try {
      cam = await gradCam(model, x, { node: node.id, classes: target });
    } finally {
      x.dispose();
    }
    if (request.outDir) await mkdir(request.outDir, { recursive: true });
    const explanations: ImageExplanation[] = [];
    for (const [i, image] of request.images.entries()) {
      const probabilities = cam.probabilities[i]!;
      const top = topClasses(probabilities, classNames, 5);
      const t = cam.targets[i]!;
      const rgb = overlayPixels(cam.heatmaps[i]!, cam.height, cam.width, decoded[i]!, spec);
      const png = await encodePng(rgb, spec.width, spec.height, 3, OVERLAY_MIN_SIDE);
      let overlay: string | null = null;
      if (request.outDir) {
        overlay = join(request.outDir, `${basename(image, extname(image))}.gradcam-${cam.node.id}-${classNames[t]!.replace(/[^A-Za-z0-9_-]+/g, '_')}.png`);
        await writeFileAtomic(overlay, png);
      }
      explanations.push({
        image,
        predicted: { index: top[0]!.index, name: top[0]!.className, probability: top[0]!.probability },
        target: { index: t, name: classNames[t]! },
        top,
        heatmap: heatmapRows(cam.heatmaps[i]!, cam.height, cam.width),
        overlay,
        overlayImage: pngDataUrl(png),
        inputImage: pngDataUrl(await encodePng(decoded[i]!, spec.width, spec.height, spec.channels, OVERLAY_MIN_SIDE)),
        heatmapImage: pngDataUrl(await encodePng(heatmapPixels(cam.heatmaps[i]!, cam.height, cam.width, spec.height, spec.width), spec.width, spec.height, 3, OVERLAY_MIN_SIDE)),
      });
    }
    return { modelDir: loaded.modelDir, classNames, layer: cam.node.id, nodes: summarise(loaded), explanations };
  });
}

export async function explainFeatureMaps(request: FeatureMapsRequest): Promise<FeatureMaps> {
  if (request.imageData) return withSentImages([request.imageData], ([path]) => explainFeatureMaps({ ...request, image: path!, imageData: undefined }));
  return withModel(request.model, async (loaded) => {
    const [decoded] = await decodeAll(loaded, [request.image]);
    const x = normalise([decoded!], loaded.spec);
    try {
      return await featureMaps(loaded.model, x, request.node, request.maxChannels);
    } finally {
      x.dispose();
    }
  });
}

export async function explainFilters(modelPath: string): Promise<ModelFilters & { modelDir: string; nodes: NodeSummary[] }> {
  return withModel(modelPath, async (loaded) => ({ modelDir: loaded.modelDir, nodes: summarise(loaded), ...(await modelFilters(loaded.model)) }));
}
