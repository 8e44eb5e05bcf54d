/**
 * The training runs of this session, shared by the Train panel (which starts
 * them and draws their curves) and the Evaluate and Export panels (which
 * default to the last finished run's model). The engine's events are folded
 * in here, once per client, so a run keeps recording while its panel is not
 * shown; a run that ends is handed, as its run-history record, to whoever
 * keeps the project (`recordRunsWith`, the window's project session), so it
 * joins the project it was started for whether or not a panel is mounted.
 *
 * The curves' points live outside Svelte's state (plain arrays, appended to
 * in place; thousands of points would be slow as reactive proxies): `version`
 * ticks when any of them grows, and the charts redraw on that.
 */
import type { BatchEvent, EngineEvent, EpochEvent, FinishedEvent, ProgressEvent, RunStartedEvent } from '../../../../engine/protocol.js';
import type { StudioClient } from '../api';
import { Smoother, type Point } from './series';
import { RunRecorder, type RecordedRun } from './runRecorder';

export type RunStage = 'starting' | 'loading' | 'training' | 'paused' | 'finished' | 'failed';

export interface SessionRun {
  runId: string;
  runDir: string;
  /** Short name in the history and the chart legends: "Run 1 · seed-cnn". */
  label: string;
  startedAt: number;
  stage: RunStage;
  progress: ProgressEvent | null;
  started: RunStartedEvent | null;
  lastBatch: BatchEvent | null;
  lastEpoch: EpochEvent | null;
  finished: FinishedEvent | null;
  /** The best validation accuracy of the epochs so far. */
  bestValAccuracy: number | null;
  error: { message: string; hint: string; lastCheckpoint?: string } | null;
  /** Drawn on the charts beside the current run. */
  overlay: boolean;
  /** Which opening of a project it was started in (New, Open, Import each start one); null: started elsewhere. */
  projectSession: number | null;
}

/** Who started a run in this window: the project file it is recorded in ('' when unsaved), and the opening of it. */
export interface RunOwner {
  projectPath: string;
  projectSession: number;
}

/** A run's curves; x is the epoch, fractional within it (1.5: half-way through epoch 2). */
export interface RunCurves {
  loss: Point[];
  lossSmooth: Point[];
  accuracy: Point[];
  accuracySmooth: Point[];
  valLoss: Point[];
  valAccuracy: Point[];
  /** Epoch-end training metrics (what the smoothed batch curve converges to). */
  epochLoss: Point[];
  epochAccuracy: Point[];
  learningRate: Point[];
}

export interface FinishedModel {
  runId: string;
  runDir: string;
  modelPath: string;
  label: string;
}

function emptyCurves(): RunCurves {
  return { loss: [], lossSmooth: [], accuracy: [], accuracySmooth: [], valLoss: [], valAccuracy: [], epochLoss: [], epochAccuracy: [], learningRate: [] };
}

class RunStore {
  runs = $state<SessionRun[]>([]);
  /** Ticks whenever a curve gains points. */
  version = $state(0);
  /** The id of the run whose curves are drawn in full (the newest, unless the person picks another). */
  focusId = $state<string | null>(null);

  private readonly curves = new Map<string, RunCurves>();
  private readonly smoothers = new Map<string, { loss: Smoother; accuracy: Smoother }>();
  private readonly tracked = new WeakSet<StudioClient>();
  /**
   * Events of runs this window has not heard of yet: a run's first events
   * (its failure, even) can arrive before train.start's answer names it, and
   * they are replayed when it does. A few runs' worth is kept, no more.
   */
  private readonly early = new Map<string, EngineEvent[]>();
  private counter = 0;
  private readonly recorder = new RunRecorder();
  private recordInto: ((recorded: RecordedRun) => void) | null = null;

  /** Where a run that ended is recorded (the project session sets this once): it decides whether the open project is the run's. */
  recordRunsWith(sink: (recorded: RecordedRun) => void): void {
    this.recordInto = sink;
  }

  /** The newest run that finished with a saved model. */
  get lastFinished(): FinishedModel | null {
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const run = this.runs[i]!;
      if (run.finished) return { runId: run.runId, runDir: run.runDir, modelPath: run.finished.modelPath, label: run.label };
    }
    return null;
  }

  get active(): SessionRun | null {
    return this.runs.find((run) => run.stage === 'starting' || run.stage === 'loading' || run.stage === 'training' || run.stage === 'paused') ?? null;
  }

  get focused(): SessionRun | null {
    return this.runs.find((run) => run.runId === this.focusId) ?? this.runs[this.runs.length - 1] ?? null;
  }

  curvesOf(runId: string): RunCurves {
    let curves = this.curves.get(runId);
    if (!curves) {
      curves = emptyCurves();
      this.curves.set(runId, curves);
    }
    return curves;
  }

  /** Subscribes to a client's events once; the subscription lasts as long as the client. */
  track(client: StudioClient): void {
    if (this.tracked.has(client)) return;
    this.tracked.add(client);
    client.onEvent((event) => this.fold(event));
  }

  /** Records a run the window just started (train.start's answer); with its owner, it joins that project's history when it ends. */
  begin(runId: string, runDir: string, what: string, owner: RunOwner | null = null): SessionRun {
    const existing = this.runs.find((run) => run.runId === runId);
    if (existing) return existing;
    const startedAt = Date.now();
    if (owner) this.recorder.begin(runId, runDir, owner.projectPath, startedAt);
    this.counter++;
    this.runs.push({
      runId,
      runDir,
      label: `Run ${this.counter} · ${what}`,
      startedAt,
      stage: 'starting',
      progress: null,
      started: null,
      lastBatch: null,
      lastEpoch: null,
      finished: null,
      bestValAccuracy: null,
      error: null,
      overlay: false,
      projectSession: owner?.projectSession ?? null,
    });
    this.focusId = runId;
    this.smoothers.set(runId, { loss: new Smoother(), accuracy: new Smoother() });
    const run = this.runs[this.runs.length - 1]!;
    const waiting = this.early.get(runId);
    this.early.delete(runId);
    for (const event of waiting ?? []) this.fold(event);
    return run;
  }

  private keepEarly(runId: string, event: EngineEvent): void {
    const kept = this.early.get(runId) ?? [];
    if (kept.length < 200) kept.push(event);
    this.early.set(runId, kept);
    while (this.early.size > 8) this.early.delete(this.early.keys().next().value!);
  }

  fold(event: EngineEvent): void {
    this.foldRun(event);
    // After the run's own state: a record is made of what the run ended with.
    const recorded = this.recorder.fold(event);
    if (recorded) this.recordInto?.(recorded);
  }

  private foldRun(event: EngineEvent): void {
    if (event.type === 'error') {
      const engineGone = event.runId === null && (event.code === 'engine-crashed' || event.code === 'engine-failed');
      const target = engineGone ? this.active : this.runs.find((run) => run.runId === event.runId);
      if (target) {
        target.stage = 'failed';
        target.error = { message: event.message, hint: event.hint, lastCheckpoint: event.lastCheckpoint };
      } else if (event.runId !== null) this.keepEarly(event.runId, event);
      return;
    }
    const run = this.runs.find((r) => r.runId === event.runId) ?? (event.type === 'run-started' ? this.begin(event.runId, event.runDir, 'started elsewhere') : null);
    if (!run) {
      if (event.runId !== null) this.keepEarly(event.runId, event);
      return;
    }
    switch (event.type) {
      case 'progress':
        run.stage = 'loading';
        run.progress = event;
        return;
      case 'run-started':
        run.stage = 'training';
        run.started = event;
        run.runDir = event.runDir;
        return;
      case 'batch': {
        if (run.stage !== 'paused') run.stage = 'training';
        run.lastBatch = event;
        const x = event.epoch - 1 + event.batch / event.batchesPerEpoch;
        const curves = this.curvesOf(run.runId);
        const smooth = this.smoothers.get(run.runId) ?? { loss: new Smoother(), accuracy: new Smoother() };
        this.smoothers.set(run.runId, smooth);
        curves.loss.push({ x, y: event.loss });
        curves.lossSmooth.push({ x, y: smooth.loss.next(event.loss) });
        curves.accuracy.push({ x, y: event.accuracy });
        curves.accuracySmooth.push({ x, y: smooth.accuracy.next(event.accuracy) });
        this.version++;
        return;
      }
      case 'epoch': {
        run.lastEpoch = event;
        const curves = this.curvesOf(run.runId);
        curves.epochLoss.push({ x: event.epoch, y: event.loss });
        curves.epochAccuracy.push({ x: event.epoch, y: event.accuracy });
        if (event.valLoss !== null) curves.valLoss.push({ x: event.epoch, y: event.valLoss });
        if (event.valAccuracy !== null) {
          curves.valAccuracy.push({ x: event.epoch, y: event.valAccuracy });
          run.bestValAccuracy = Math.max(run.bestValAccuracy ?? 0, event.valAccuracy);
        }
        // The rate an epoch trained with, drawn as a step over that epoch.
        curves.learningRate.push({ x: event.epoch - 1, y: event.learningRate }, { x: event.epoch, y: event.learningRate });
        this.version++;
        return;
      }
      case 'paused':
        run.stage = 'paused';
        return;
      case 'resumed':
        run.stage = 'training';
        return;
      case 'finished':
        run.stage = 'finished';
        run.finished = event;
        run.runDir = event.runDir;
        return;
      case 'checkpoint':
        return;
      case 'fine-tuning':
        // Phase 1 of transfer learning may have stopped early: the run is as long as the engine now says.
        if (run.started) run.started = { ...run.started, epochs: event.epochs, fineTuneFromEpoch: event.epoch };
        return;
    }
  }
}

export const runStore = new RunStore();
