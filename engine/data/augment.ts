/**
 * Augmentation of training batches as TensorFlow.js ops, on float pixels in
 * [0, 1]: one affine warp per image for flips, rotation, zoom, translation
 * and random crop (tf.image.transform, bilinear, black outside), then
 * brightness, contrast, saturation, Gaussian noise and cutout. Every random
 * draw comes from one seed, so a batch augments the same way every time the
 * same seed, epoch and batch come round.
 */
import * as tf from '@tensorflow/tfjs-core';
import { StudioError } from '../errors.js';
import type { AugmentationSettings } from '../project/schema.js';
import { createRandom } from './random.js';
import { AUGMENTATION_AMOUNTS, AUGMENTATION_FLIPS } from './augmentCatalogue.js';

export function checkAugmentation(settings: AugmentationSettings): void {
  for (const { key: flip } of AUGMENTATION_FLIPS) {
    if (typeof settings[flip] !== 'boolean') {
      throw new StudioError(`Augmentation ${flip} is ${JSON.stringify(settings[flip])}, not true or false.`, `Set data.augmentation.${flip} to true or false.`, 'data-bad-augmentation');
    }
  }
  // Each amount's limit is the catalogue's (augmentCatalogue.ts), which the window draws its fields from.
  for (const { key: name, max, unit } of AUGMENTATION_AMOUNTS) {
    const value = settings[name];
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max)) {
      throw new StudioError(
        `Augmentation ${name} is ${JSON.stringify(value)}; it must be between 0 (off) and ${max} (${unit}).`,
        `Set data.augmentation.${name} to a number from 0 to ${max}.`,
        'data-bad-augmentation',
      );
    }
  }
}

/** The random draws for one image, exposed for tests and the preview. */
interface ImageDraw {
  /** Output pixel → input pixel, as tf.image.transform's [a0 a1 a2 b0 b1 b2 c0 c1]. */
  transform: number[];
  brightness: number;
  contrast: number;
  saturation: number;
  cutout: { y: number; x: number } | null;
}

/** Augments a batch [n, height, width, channels] of floats in [0, 1]; the result stays in [0, 1]. */
export function augmentBatch(images: tf.Tensor4D, settings: AugmentationSettings, seed: number): tf.Tensor4D {
  const [n, height, width, channels] = images.shape;
  const random = createRandom(seed);
  const draws = Array.from({ length: n }, () => drawImage(random, settings, height, width));
  const noiseSeed = Math.floor(random() * 2 ** 31);
  return tf.tidy(() => {
    let x: tf.Tensor4D = images;
    if (draws.some((draw) => !isIdentity(draw.transform))) {
      x = warp(x, draws.map((draw) => draw.transform));
    }
    const perImage = (values: number[]) => tf.tensor4d(values, [n, 1, 1, 1]);
    if (settings.brightness > 0) x = tf.add(x, perImage(draws.map((draw) => draw.brightness)));
    if (settings.contrast > 0) {
      const mean = tf.mean(x, [1, 2], true);
      x = tf.add(tf.mul(tf.sub(x, mean), perImage(draws.map((draw) => draw.contrast))), mean);
    }
    if (settings.saturation > 0 && channels === 3) {
      const grey = tf.sum(tf.mul(x, tf.tensor1d([0.299, 0.587, 0.114])), 3, true);
      x = tf.add(grey, tf.mul(tf.sub(x, grey), perImage(draws.map((draw) => draw.saturation))));
    }
    if (settings.noise > 0) x = tf.add(x, tf.randomNormal(x.shape, 0, settings.noise, 'float32', noiseSeed));
    if (settings.cutout > 0) x = tf.mul(x, cutoutMask(draws, settings.cutout, height, width));
    return tf.clipByValue(x, 0, 1) as tf.Tensor4D;
  });
}

/**
 * One affine warp per image. tfjs 4.22's cpu Transform kernel returns after
 * the first image of a batch (the rest stay black), so on cpu each image is
 * warped on its own; wasm and tensorflow warp the batch at once.
 */
function warp(x: tf.Tensor4D, transforms: number[][]): tf.Tensor4D {
  if (tf.getBackend() !== 'cpu') return tf.image.transform(x, tf.tensor2d(transforms.flat(), [transforms.length, 8]), 'bilinear', 'constant', 0);
  const images = tf.split(x, transforms.length, 0);
  return tf.concat(images.map((image, i) => tf.image.transform(image as tf.Tensor4D, tf.tensor2d([transforms[i]!]), 'bilinear', 'constant', 0)), 0);
}

function drawImage(random: () => number, s: AugmentationSettings, height: number, width: number): ImageDraw {
  const between = (amount: number) => (random() * 2 - 1) * amount;
  const flipX = s.horizontalFlip && random() < 0.5 ? -1 : 1;
  const flipY = s.verticalFlip && random() < 0.5 ? -1 : 1;
  const angle = (between(s.rotation) * Math.PI) / 180;
  const scale = 1 + between(s.zoom);
  const shiftX = between(s.translation) * width;
  const shiftY = between(s.translation) * height;
  const cropSide = s.crop > 0 ? s.crop + random() * (1 - s.crop) : 1;
  const cropX = (random() * 2 - 1) * ((1 - cropSide) / 2) * width;
  const cropY = (random() * 2 - 1) * ((1 - cropSide) / 2) * height;

  // Output pixel p → input pixel q, about the image centre c:
  // q = c + crop · flip · rotate · (p − c − shift) / scale + cropOffset.
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const k = cropSide / scale;
  const a = [flipX * cos * k, -flipX * sin * k];
  const b = [flipY * sin * k, flipY * cos * k];
  const ux = -cx - shiftX;
  const uy = -cy - shiftY;
  const transform = [
    a[0]!, a[1]!, a[0]! * ux + a[1]! * uy + cx + cropX,
    b[0]!, b[1]!, b[0]! * ux + b[1]! * uy + cy + cropY,
    0, 0,
  ];
  return {
    transform,
    brightness: between(s.brightness),
    contrast: 1 + between(s.contrast),
    saturation: 1 + between(s.saturation),
    cutout: s.cutout > 0 ? { y: random() * height, x: random() * width } : null,
  };
}

function isIdentity(t: number[]): boolean {
  return Math.abs(t[0]! - 1) < 1e-9 && Math.abs(t[1]!) < 1e-9 && Math.abs(t[2]!) < 1e-9 && Math.abs(t[3]!) < 1e-9 && Math.abs(t[4]! - 1) < 1e-9 && Math.abs(t[5]!) < 1e-9;
}

/** 1 outside each image's square, 0 inside: [n, height, width, 1]. */
function cutoutMask(draws: ImageDraw[], fraction: number, height: number, width: number): tf.Tensor4D {
  const n = draws.length;
  const halfH = Math.max(1, Math.round(fraction * height)) / 2;
  const halfW = Math.max(1, Math.round(fraction * width)) / 2;
  const rows = tf.reshape(tf.add(tf.range(0, height, 1, 'float32'), 0.5), [1, height, 1, 1]);
  const cols = tf.reshape(tf.add(tf.range(0, width, 1, 'float32'), 0.5), [1, 1, width, 1]);
  const centreY = tf.tensor4d(draws.map((draw) => draw.cutout!.y), [n, 1, 1, 1]);
  const centreX = tf.tensor4d(draws.map((draw) => draw.cutout!.x), [n, 1, 1, 1]);
  const insideY = tf.less(tf.abs(tf.sub(rows, centreY)), halfH);
  const insideX = tf.less(tf.abs(tf.sub(cols, centreX)), halfW);
  return tf.sub(1, tf.cast(tf.logicalAnd(insideY, insideX), 'float32')) as tf.Tensor4D;
}
