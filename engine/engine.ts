/**
 * The engine behind every front end: one `execute(command)` per protocol
 * command, and events to whoever listens. The CLI holds one in-process; the
 * Electron utility process and the web host wrap one behind their transport.
 * It never imports Electron or Svelte.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { StudioError, describeError } from './errors.js';
import {
  PROTOCOL_VERSION,
  type BackendPreference,
  type Command,
  type CommandType,
  type EngineEvent,
  type EngineInfo,
  type ResultOf,
} from './protocol.js';
import { validateProject } from './graph/validateProject.js';
import { defaultDataSource, type DataSource } from './project/schema.js';
import { createProject, listTemplates } from './graph/templates.js';
import { catalogue } from './graph/layers/index.js';
import { projectFromJson, readProject, writeProject } from './project/projectFile.js';
import { openSampleProject } from './project/sampleProject.js';
import { guardProjectSave } from './project/saveGuard.js';
import { currentBackend, describeBackends, selectBackend } from './backend/select.js';
import { checkRunRequest, defaultRunDir, newRunId, prepareRun } from './train/prepareRun.js';
import { memoryLimit } from './train/memoryLimit.js';
import type { TrainingRun } from './train/trainingRun.js';
import { machineCores } from './train/parallel/threads.js';
import { readRun } from './train/readRun.js';
import { explainFeatureMaps, explainFilters, explainImages } from './insight/explain.js';
import { evaluateModel, thumbnailsOf } from './evaluate/evaluate.js';
import { predictImages } from './evaluate/predict.js';
import { predictImageData } from './evaluate/predictImageData.js';
import { exportModel } from './export/exportModel.js';
import { freezeUpTo, replaceHead, setFrozen } from './export/fineTune.js';
import { importForFineTuning } from './export/importForFineTuning.js';
import { summarizeDataset } from './data/summary.js';
import { previewAugmentation } from './data/preview.js';
import { resolveSourcePath } from './data/source.js';
import { writeJob } from './job/writeJob.js';
import { recordOfRunFolder } from './job/addRun.js';
import { fetchBaseById } from './pretrained/fetchBase.js';
import { listBases } from './pretrained/registry.js';
// A JSON import, not a path read at run time: the engine bundles (dist/engine) carry the version.
import packageJson from '../package.json' with { type: 'json' };

export type EventListener = (event: EngineEvent) => void;

export interface EngineOptions {
  /** Which backend training uses; 'auto' picks the fastest that loads. */
  backend?: BackendPreference;
}


export class Engine {
  private readonly listeners = new Set<EventListener>();
  private readonly runs = new Map<string, TrainingRun>();
  /** Runs being prepared or trained; one at a time shares the device fairly. */
  private activeRun: { id: string; done: Promise<unknown> } | null = null;

  constructor(private readonly options: EngineOptions = {}) {}

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit = (event: EngineEvent): void => {
    for (const listener of this.listeners) listener(event);
  };

  async execute<T extends CommandType>(command: Extract<Command, { type: T }>): Promise<ResultOf<T>> {
    return (await this.dispatch(command as Command)) as ResultOf<T>;
  }

  /** Resolves when the active run (if any) has ended; for a clean shutdown. */
  async idle(): Promise<void> {
    await this.activeRun?.done;
  }

  private async dispatch(command: Command): Promise<unknown> {
    switch (command.type) {
      case 'info':
        return this.info();
      case 'templates.list':
        return listTemplates();
      case 'bases.list':
        return listBases();
      case 'bases.fetch':
        return fetchBaseById(command.id, command.basesUrl);
      case 'layers.catalogue':
        return catalogue();
      case 'project.create':
        return createProject(command.template, command.name);
      case 'project.validate':
        return validateProject(command.project, { classCount: command.classCount, memoryLimit: this.memoryLimit() });
      case 'project.open':
        return readProject(command.path);
      case 'project.sample':
        return openSampleProject();
      case 'project.save':
        await guardProjectSave(command.path, command.overwrite);
        await writeProject(command.path, projectFromJson(command.project, command.path));
        return { path: command.path };
      case 'train.start':
        return this.startRun(command);
      case 'graph.freeze':
        return command.upTo !== undefined ? freezeUpTo(command.graph, command.upTo) : setFrozen(command.graph, command.nodeIds ?? [], command.frozen ?? true);
      case 'graph.replaceHead':
        return replaceHead(command.graph, { classCount: command.classCount, after: command.after });
      // The model commands below run models, so each first makes sure a backend is active.
      case 'model.export':
        await this.modelBackend();
        return exportModel({ source: command.source, formats: command.formats, outDir: command.outDir });
      case 'model.predict':
        await this.modelBackend();
        return command.imageData?.length
          ? predictImageData(command.model, command.images, command.imageData, command.topK)
          : predictImages(command.model, command.images, command.topK);
      case 'model.evaluate':
        await this.modelBackend();
        return evaluateModel(command.model, command.dataPath, { worst: command.worst });
      case 'model.import':
        await this.modelBackend();
        return importForFineTuning(command);
      case 'model.explain':
        await this.modelBackend();
        return explainImages(command);
      case 'model.featureMaps':
        await this.modelBackend();
        return explainFeatureMaps(command);
      case 'model.filters':
        await this.modelBackend();
        return explainFilters(command.model);
      case 'train.pause':
        this.run(command.runId).pause();
        return { runId: command.runId };
      case 'train.resume':
        this.run(command.runId).resume();
        return { runId: command.runId };
      case 'train.stop':
        this.run(command.runId).stop();
        return { runId: command.runId };
      case 'images.thumbnails':
        return thumbnailsOf(command.paths);
      case 'run.read':
        return readRun(command.runDir);
      case 'run.record':
        return recordOfRunFolder(projectFromJson(command.project, command.projectPath), command.projectPath, command.runDir);
      case 'job.write':
        return writeJob({ ...command, project: projectFromJson(command.project, command.projectPath), backend: this.options.backend ?? 'auto' });
      case 'data.summary': {
        // A partial source (only kind and path, say) takes the defaults a project file would.
        const data = { ...defaultDataSource(), ...command.data } as DataSource;
        return summarizeDataset(data, resolveSourcePath(data, command.projectPath), {
          thumbnailsPerClass: command.thumbnailsPerClass,
          verify: command.verify,
        });
      }
      case 'data.preview':
        return previewAugmentation(command);
      case 'engine.restart':
        // Hosts answer this themselves (EngineSupervisor); in-process there is no process to restart.
        return { restarted: false };
      default: {
        const unknown = (command as { type?: unknown }).type;
        throw new StudioError(`Unknown command ${JSON.stringify(unknown)}.`, 'Use one of the commands in engine/protocol.ts.', 'unknown-command');
      }
    }
  }

  /** Makes the backend the engine was asked for (the fastest that loads by default) the active one; cheap once it has started. */
  private async modelBackend(): Promise<void> {
    await selectBackend(this.options.backend ?? 'auto');
  }

  private run(runId: string): TrainingRun {
    const run = this.runs.get(runId);
    if (!run) {
      const pending = this.activeRun?.id === runId;
      throw new StudioError(
        pending ? `Run ${runId} is still loading its data; it can be paused or stopped once training starts.` : `No training run ${runId} is in progress.`,
        pending ? 'Wait for the run-started event.' : 'Start a run first; finished runs cannot be paused or stopped.',
        pending ? 'run-not-started' : 'unknown-run',
      );
    }
    return run;
  }

  /**
   * Answers at once with the run's id and folder; everything after (loading,
   * epochs, the end, or a failure) arrives as events carrying that id.
   */
  private async startRun(command: Extract<Command, { type: 'train.start' }>): Promise<ResultOf<'train.start'>> {
    const refuseSecondRun = () => {
      if (this.activeRun) {
        throw new StudioError(`A training run (${this.activeRun.id}) is already in progress.`, 'Stop it, or wait for it to finish, before starting another.', 'run-in-progress');
      }
    };
    refuseSecondRun();
    const project = projectFromJson(command.project, command.projectPath);
    // What can be refused without reading the data (settings, graph, memory, backend) is refused in the answer, before a run id exists.
    await checkRunRequest(project, command.options ?? {}, command.projectPath, this.options.backend ?? 'auto');
    // Another train.start may have begun while the backend was chosen.
    refuseSecondRun();
    const runId = newRunId();
    const runDir = command.options?.runDir ?? defaultRunDir(runId, command.projectPath);
    const runDirExisted = existsSync(runDir);
    const done = (async () => {
      let run: TrainingRun | null = null;
      try {
        run = await prepareRun({
          runId,
          runDir,
          project,
          projectPath: command.projectPath,
          options: command.options ?? {},
          backend: this.options.backend ?? 'auto',
          emit: this.emit,
        });
        this.runs.set(runId, run);
        await run.run();
      } catch (e) {
        // A run that failed before it began (a full disk, a refused graph) leaves no empty run folder behind.
        if (!run && !runDirExisted) await rmdir(runDir).catch(() => undefined);
        this.emit({ type: 'error', runId, ...describeError(e) });
      } finally {
        run?.dispose();
        this.runs.delete(runId);
        this.activeRun = null;
      }
    })();
    this.activeRun = { id: runId, done };
    return { runId, runDir };
  }

  private async info(): Promise<EngineInfo> {
    const backends = await describeBackends();
    const current = currentBackend();
    return {
      protocolVersion: PROTOCOL_VERSION,
      version: packageJson.version,
      node: process.version,
      tfjs: tf.version_core,
      backend: current?.name ?? null,
      device: current?.device ?? null,
      backends,
      devices: current?.devices ?? [],
      host: hostname(),
      cpuCores: machineCores(),
      ...(current?.adapter ? { adapter: current.adapter } : {}),
      memoryLimit: this.memoryLimit(),
    };
  }

  /** The memory training may use on the backend in use (or the one that will be picked). */
  private memoryLimit() {
    return memoryLimit(currentBackend()?.name ?? this.options.backend);
  }
}
