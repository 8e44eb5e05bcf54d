/**
 * The protocol's model commands (export, predict, evaluate, import for
 * fine-tuning) and graph edits of fine-tuning, behind one function so the
 * engine's dispatcher stays a list of cases.
 */
import { selectBackend } from '../backend/select.js';
import { evaluateModel } from '../evaluate/evaluate.js';
import { predictImages } from '../evaluate/predict.js';
import { predictImageData } from '../evaluate/predictImageData.js';
import {
  defaultDataSource,
  defaultTrainingSettings,
  PROJECT_FORMAT,
  PROJECT_VERSION,
  type Graph,
  type ProjectFile,
} from '../graph/schema.js';
import type { BackendPreference, Command, CommandResults } from '../protocol.js';
import { exportModel } from './exportModel.js';
import { freezeUpTo, replaceHead, setFrozen } from './fineTune.js';
import { importedProjectName, importLayersModel } from './importLayersModel.js';
import { statSync } from 'node:fs';
import { convertKerasFile, isKerasFile } from '../pretrained/kerasFile.js';
import type { ImportedProject } from '../protocol/index.js';
export type { ImportedProject } from '../protocol/index.js';

export type ModelCommand = Extract<
  Command,
  { type: 'model.export' | 'model.predict' | 'model.evaluate' | 'model.import' | 'graph.freeze' | 'graph.replaceHead' }
>;

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

export async function runModelCommand<T extends ModelCommand>(command: T, backend: BackendPreference): Promise<CommandResults[T['type']]> {
  return (await dispatch(command, backend)) as CommandResults[T['type']];
}

async function dispatch(command: ModelCommand, backend: BackendPreference): Promise<unknown> {
  switch (command.type) {
    case 'graph.freeze':
      return 'upTo' in command && command.upTo !== undefined ? freezeUpTo(command.graph, command.upTo) : setFrozen(command.graph, command.nodeIds ?? [], command.frozen ?? true);
    case 'graph.replaceHead':
      return replaceHead(command.graph, { classCount: command.classCount, after: command.after });
  }
  // Everything below runs models, so a backend must be active.
  await selectBackend(backend);
  switch (command.type) {
    case 'model.export':
      return exportModel({ source: command.source, formats: command.formats, outDir: command.outDir });
    case 'model.predict':
      return command.imageData?.length
        ? predictImageData(command.model, command.images, command.imageData, command.topK)
        : predictImages(command.model, command.images, command.topK);
    case 'model.evaluate':
      return evaluateModel(command.model, command.dataPath, { worst: command.worst });
    case 'model.import':
      return importForFineTuning(command);
  }
}
