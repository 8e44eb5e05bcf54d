/** The network's input size, read from the graph's Input node: what images are decoded to. */
import type { ProjectFile } from '../../../../engine/protocol.js';
import type { ImageInputShape } from '../../../../engine/protocol.js';

export function inputShapeOf(project: ProjectFile): ImageInputShape | null {
  const input = project.graph.nodes.find((node) => node.type === 'Input');
  const shape = input?.params.shape;
  if (!Array.isArray(shape) || shape.length !== 3) return null;
  const [height, width, channels] = shape;
  if (!(Number.isInteger(height) && Number.isInteger(width) && (channels === 1 || channels === 3))) return null;
  return { height: height!, width: width!, channels: channels as 1 | 3 };
}
