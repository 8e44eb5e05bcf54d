/** The export formats, and the one error every exporter raises for a layer it cannot write. */
import { StudioError } from '../errors.js';
import type { DescribedLayer } from '../model/modelDescription.js';
import type { ExportFormat } from '../protocol/index.js';
export type { ExportFormat } from '../protocol/index.js';

export const EXPORT_FORMATS = ['tfjs', 'onnx', 'keras', 'pytorch'] as const satisfies readonly ExportFormat[];

/** The protocol spells the formats out (it imports nothing); this fails to compile when the list above misses one of them. */
type NoneUnlisted<Unlisted extends never> = Unlisted;
export type UnlistedFormats = NoneUnlisted<Exclude<ExportFormat, (typeof EXPORT_FORMATS)[number]>>;

const FORMAT_TITLES: Record<ExportFormat, string> = {
  tfjs: 'TensorFlow.js',
  onnx: 'ONNX',
  keras: 'Keras',
  pytorch: 'PyTorch',
};

export function formatTitle(format: ExportFormat): string {
  return FORMAT_TITLES[format];
}

/** "Layer X (Class) cannot be exported to FORMAT: why." Nothing is written after it. */
export function cannotExport(layer: DescribedLayer, format: ExportFormat, why: string): StudioError {
  return new StudioError(
    `Layer "${layer.name}" (${layer.className}) cannot be exported to ${formatTitle(format)}: ${why}`,
    `Replace or remove "${layer.name}" in the graph, or export to the other formats without ${format}.`,
    'unsupported-layer',
  );
}

/** Activation names (as tfjs serialises them) that every exporter writes. */
export const EXPORTABLE_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'tanh', 'softmax', 'swish', 'gelu'] as const;
export type ExportableActivation = (typeof EXPORTABLE_ACTIVATIONS)[number];

/** The layer's activation; one no exporter writes is refused here, so each writer's switch over the list is complete. */
export function activationOf(layer: DescribedLayer, format: ExportFormat): ExportableActivation {
  const name = String(layer.config['activation'] ?? 'linear');
  if (!(EXPORTABLE_ACTIVATIONS as readonly string[]).includes(name)) {
    throw cannotExport(layer, format, `its activation "${name}" has no counterpart there (supported: ${EXPORTABLE_ACTIVATIONS.join(', ')}).`);
  }
  return name as ExportableActivation;
}
