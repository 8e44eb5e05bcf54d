/**
 * `model.import`: a trained model (a run, model or export folder, or a Keras
 * .keras/.h5 file) brought back as a new project to fine-tune, optionally
 * with its early layers frozen and its classifier head replaced.
 */
import {
  defaultDataSource,
  defaultTrainingSettings,
  PROJECT_FORMAT,
  PROJECT_VERSION,
  type Graph,
  type ProjectFile,
} from '../project/schema.js';
import { freezeUpTo, replaceHead } from './fineTune.js';
import { importedProjectName, importLayersModel } from '../model/importLayersModel.js';
import { statSync } from 'node:fs';
import { convertKerasFile, isKerasFile } from '../model/kerasFile.js';
import type { ImportedProject } from '../protocol/index.js';

export interface ImportForFineTuning {
  /** The path the model was imported from (a run, model or export folder, or a Keras .keras/.h5 file). */
  path: string;
  /** Freeze this node and everything before it. */
  freezeUpTo?: string;
  /** Replace the classifier head with a new one for this many classes. */
  classCount?: number;
  /** The node the new head follows; by default the input of the last Dense. */
  headAfter?: string;
}

export async function importForFineTuning(request: ImportForFineTuning): Promise<ImportedProject> {
  // A Keras .keras/.h5 model becomes a TensorFlow.js folder beside it first; the import is then the same.
  const source = isKerasFile(request.path) && statSync(request.path, { throwIfNoEntry: false })?.isFile() ? await convertKerasFile(request.path) : request.path;
  const imported = await importLayersModel(source);
  let graph: Graph = imported.graph;
  // A node is named by its id, or by the model's own layer name (which an id may have had to change, e.g. "conv2d/1" → "conv2d_1").
  const nodeNamed = (name: string | undefined) => (name === undefined || graph.nodes.some((n) => n.id === name) ? name : (imported.nodeIdOfLayer.get(name) ?? name));
  if (request.freezeUpTo !== undefined) graph = freezeUpTo(graph, nodeNamed(request.freezeUpTo)!);
  if (request.classCount !== undefined) graph = replaceHead(graph, { classCount: request.classCount, after: nodeNamed(request.headAfter) });
  const project: ProjectFile = {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name: importedProjectName(imported.modelDir, imported.metadata),
    graph,
    data: defaultDataSource(),
    // The weights it came with are where its runs start (the window's "Start from weights", the CLI's --weights).
    training: { ...defaultTrainingSettings(), initialWeights: imported.modelDir },
    runs: [],
  };
  return { project, initialWeights: imported.modelDir, classNames: imported.classNames };
}
