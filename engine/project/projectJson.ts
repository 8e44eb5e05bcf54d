/**
 * A project file's JSON as a `ProjectFile`: parsed, migrated forward to the
 * current version, and checked for the structure the engine relies on; what
 * is wrong is reported by its JSON path, so a person editing the file by hand
 * knows where to look. Whether the *graph* makes sense is graph/validate's
 * job, not this module's.
 *
 * Part of the graph core: pure (no Node built-ins, no tfjs), so the window
 * reads a pasted project with the same code the engine opens a file with.
 * Reading and writing files is projectFile.ts.
 */
import { StudioError } from '../errors.js';
import {
  PROJECT_FORMAT,
  PROJECT_VERSION,
  defaultDataSource,
  defaultTrainingSettings,
  type ProjectFile,
  type TrainingSettings,
} from './schema.js';
import { checkTrainingSettings } from './trainingSettings.js';
import { describeJsonProblem, findJsonProblem, MAX_JSON_DEPTH } from '../util/safeJson.js';

type Json = Record<string, unknown>;

/**
 * Migrations from version N to N+1, in order. A file of version v runs
 * MIGRATIONS[v-1 .. PROJECT_VERSION-2]. Version 1 is the first, so none yet.
 */
const MIGRATIONS: Array<(file: Json) => Json> = [];

export function parseProject(text: string, source = 'project file'): ProjectFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new StudioError(
      `${source} is not valid JSON (${(e as Error).message}).`,
      'Open it in a text editor and fix the syntax, or create a new project with `convnet-studio new`.',
      'project-not-json',
    );
  }
  return projectFromJson(raw, source);
}

export function projectFromJson(raw: unknown, source = 'project file'): ProjectFile {
  // Before anything walks or copies it: a "__proto__" key would become the
  // prototype of the settings it is merged into, and ten thousand levels of
  // nesting would overflow the stack of the code that walks it.
  const problem = findJsonProblem(raw);
  if (problem) {
    throw new StudioError(
      `${source} ${describeJsonProblem(problem)}.`,
      problem.kind === 'too-deep' ? `A project file nests fewer than 10 levels; at most ${MAX_JSON_DEPTH} are read.` : 'Remove or rename that field in the file.',
      'project-bad-structure',
    );
  }
  if (!isObject(raw) || raw.format !== PROJECT_FORMAT) {
    throw new StudioError(
      `${source} is not a Convnet Studio project (its "format" is not "${PROJECT_FORMAT}").`,
      'Pick a *.cnnstudio.json file written by Convnet Studio, or create one with `convnet-studio new`.',
      'project-wrong-format',
    );
  }
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new StudioError(
      `${source} has an invalid "version" (${JSON.stringify(version)}).`,
      `Set "version" to a whole number; this Convnet Studio writes version ${PROJECT_VERSION}.`,
      'project-bad-version',
    );
  }
  if (version > PROJECT_VERSION) {
    throw new StudioError(
      `${source} was written by a newer Convnet Studio (project version ${version}; this one reads up to ${PROJECT_VERSION}).`,
      'Update Convnet Studio to open it. The file was not changed.',
      'project-newer-version',
    );
  }
  let file: Json = raw;
  for (let v = version; v < PROJECT_VERSION; v++) file = MIGRATIONS[v - 1](file);

  const where = (path: string) => `${source}: ${path}`;
  const graph = file.graph;
  if (!isObject(graph) || !Array.isArray(graph.nodes) || !Array.isArray(graph.edges)) {
    throw new StudioError(
      `${where('graph')} must be an object with "nodes" and "edges" arrays.`,
      'Restore the graph section, or create a new project from a template.',
      'project-bad-structure',
    );
  }
  graph.nodes.forEach((node: unknown, i: number) => {
    if (!isObject(node) || typeof node.id !== 'string' || typeof node.type !== 'string') {
      throw new StudioError(
        `${where(`graph.nodes[${i}]`)} needs a string "id" and a string "type".`,
        'Give every node an id and a layer type such as "Conv2D".',
        'project-bad-structure',
      );
    }
    if (node.params !== undefined && !isObject(node.params)) {
      throw new StudioError(`${where(`graph.nodes[${i}].params`)} (node "${node.id}") must be an object.`, 'Write the parameters as {"name": value}.', 'project-bad-structure');
    }
  });
  graph.edges.forEach((edge: unknown, i: number) => {
    if (!isObject(edge) || typeof edge.source !== 'string' || typeof edge.target !== 'string') {
      throw new StudioError(
        `${where(`graph.edges[${i}]`)} needs string "source" and "target" node ids.`,
        'Each edge connects two nodes by their ids.',
        'project-bad-structure',
      );
    }
  });

  const training = mergeDefaults(defaultTrainingSettings(), file.training) as TrainingSettings;
  checkTrainingSettings(training, source);

  return {
    format: PROJECT_FORMAT,
    version: PROJECT_VERSION,
    name: typeof file.name === 'string' ? file.name : fileName(source).replace(/\.cnnstudio\.json$|\.json$/, ''),
    graph: {
      nodes: graph.nodes.map((n: Json) => ({
        id: n.id as string,
        type: n.type as string,
        params: (n.params ?? {}) as ProjectFile['graph']['nodes'][number]['params'],
        position: isObject(n.position) ? { x: Number(n.position.x) || 0, y: Number(n.position.y) || 0 } : { x: 0, y: 0 },
        ...(typeof n.name === 'string' ? { name: n.name } : {}),
        ...(n.frozen === true ? { frozen: true } : {}),
        ...(typeof n.group === 'string' && n.group !== '' ? { group: n.group } : {}),
      })),
      edges: graph.edges.map((e: Json, i: number) => ({
        id: typeof e.id === 'string' ? e.id : `e${i}`,
        source: e.source as string,
        target: e.target as string,
        ...(typeof e.targetPort === 'number' ? { targetPort: e.targetPort } : {}),
      })),
    },
    data: mergeDefaults(defaultDataSource(), file.data) as ProjectFile['data'],
    training,
    runs: Array.isArray(file.runs) ? (file.runs as ProjectFile['runs']) : [],
  };
}

/** The last part of a path, '/' or '\\' separated (node:path's basename, which the page has not). */
function fileName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fills in what the file leaves out, recursively, without dropping what it has. */
function mergeDefaults(defaults: unknown, given: unknown): unknown {
  if (!isObject(defaults) || !isObject(given)) return given === undefined ? defaults : given;
  // A tagged union (optimizer, schedule) whose tag changed takes no defaults
  // from the other variant: an SGD optimizer has no beta1.
  if ('type' in defaults && 'type' in given && defaults.type !== given.type) return given;
  const out: Json = { ...defaults };
  // Own keys only, and defined rather than assigned, so no key reaches a prototype.
  for (const [k, v] of Object.entries(given)) {
    Object.defineProperty(out, k, { value: mergeDefaults(Object.hasOwn(defaults, k) ? defaults[k] : undefined, v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
