/**
 * The augmentation settings as a catalogue: each switch, the largest amount
 * the engine accepts, what the number measures, and the amount a switch is
 * turned on with. `augment.ts` checks settings against these limits; the
 * window's Data panel draws its switches and fields from the same list.
 *
 * Pure data: it imports only the protocol's types (no tfjs, no Node), which
 * is what lets the window bundle it.
 */
import type { AugmentationSettings } from '../protocol.js';

export type AugmentationFlip = 'horizontalFlip' | 'verticalFlip';
export type AugmentationAmount = Exclude<keyof AugmentationSettings, AugmentationFlip>;

export interface AugmentationFlipEntry {
  key: AugmentationFlip;
  label: string;
}

export interface AugmentationAmountEntry {
  key: AugmentationAmount;
  label: string;
  /** Largest value accepted; 0 is off. */
  max: number;
  /** What the number measures, in the words of an error message ("degrees", "a fraction of the side"). */
  unit: string;
  /** The same, as short as a field's unit ("± degrees"). */
  fieldUnit: string;
  /** The amount a switch turns it on with. */
  on: number;
  /** Only colour (RGB) inputs have it. */
  rgbOnly?: boolean;
}

export const AUGMENTATION_FLIPS: readonly AugmentationFlipEntry[] = [
  { key: 'horizontalFlip', label: 'Horizontal flip' },
  { key: 'verticalFlip', label: 'Vertical flip' },
];

export const AUGMENTATION_AMOUNTS: readonly AugmentationAmountEntry[] = [
  { key: 'rotation', label: 'Rotation', max: 180, unit: 'degrees', fieldUnit: '± degrees', on: 15 },
  { key: 'zoom', label: 'Zoom', max: 0.9, unit: 'a fraction', fieldUnit: '± fraction', on: 0.1 },
  { key: 'translation', label: 'Shift', max: 1, unit: 'a fraction of the side', fieldUnit: '± fraction of side', on: 0.1 },
  { key: 'crop', label: 'Random crop', max: 1, unit: 'the smallest side kept, as a fraction', fieldUnit: 'smallest side kept', on: 0.8 },
  { key: 'brightness', label: 'Brightness', max: 1, unit: 'on the [0, 1] pixel scale', fieldUnit: '± on 0–1 scale', on: 0.2 },
  { key: 'contrast', label: 'Contrast', max: 1, unit: 'a fraction', fieldUnit: '± fraction', on: 0.2 },
  { key: 'saturation', label: 'Saturation', max: 1, unit: 'a fraction', fieldUnit: '± fraction', on: 0.2, rgbOnly: true },
  { key: 'noise', label: 'Noise', max: 1, unit: 'a standard deviation on the [0, 1] pixel scale', fieldUnit: 'std on 0–1 scale', on: 0.05 },
  { key: 'cutout', label: 'Cutout', max: 1, unit: 'a fraction of the side', fieldUnit: 'fraction of side', on: 0.25 },
];
