/**
 * The project session: the project open in the window and everything done
 * to it as a file. New, Open, the sample, Import a trained model, Save and
 * Save As (a file already there is replaced only after a yes), the recent
 * list, the autosave and its restore offer; every edit, undo and redo, each
 * revalidated by the engine (one check in flight, latest wins); the engine's
 * fine-tuning edits; and the runs that end, which join the project they were
 * started for.
 *
 * Shaped like validator.svelte.ts: a class whose fields are runes, created
 * once by App.svelte during its initialisation (so the autosave effect
 * lives as long as the window). The components (Toolbar, Welcome,
 * SidePanels) read its fields and call its methods; nothing here draws.
 */
import { untrack } from 'svelte';
import type { Command, ProjectFile } from '../../../../engine/protocol.js';
import { EngineRequestError, type Studio, type StudioClient } from '../api';
import { ProjectState } from './projectState.svelte';
import { readRecent, rememberRecent, type RecentProject } from './recent';
import { clearAutosave, readAutosave, writeAutosave, type AutosavedProject } from './autosave';
import { validateProject } from '../../../../engine/graph/validateProject.js';
import { Validator } from '../editor/validator.svelte';
import { markEdit } from '../editor/perf';
import type { RecordedRun } from '../panels/runRecorder';

export interface SessionHooks {
  /** A failed request becomes a notice with the engine's hint (engine deaths are already announced). */
  report(error: unknown): void;
  /** A notice of the window's own (the autosave could not be written). */
  notify(notice: { message: string; hint: string; code: string }): void;
  /** A project was put on screen (New, Open, the sample, Import, Restore, a pasted project): the view starts afresh. */
  shown(how: 'opened' | 'imported'): void;
  /** Where Save writes, in web mode: the path field, brought to the keyboard (selected for Save As). */
  focusSavePath(select: boolean): void;
}

export class ProjectSession {
  readonly doc = new ProjectState();
  readonly validator: Validator;
  /** A request to the engine is under way (buttons that start another wait). */
  busy = $state(false);
  /** Where Save writes: the project's own file, or a new path typed for Save As. Open has its own field, so a refused Open never becomes a save path. */
  pathText = $state('');
  /** Web mode's prompts (no native dialogs there): the path typed to open a project, or to import a trained model. */
  openText = $state('');
  showOpen = $state(false);
  importText = $state('');
  showImport = $state(false);
  /** A save that would replace a file, waiting for the person's yes. */
  replaceOffer = $state<{ path: string; message: string } | null>(null);
  savedNote = $state('');
  recent = $state<RecentProject[]>(readRecent());
  /** The project the studio kept from last time, offered back until restored or discarded. */
  restoreOffer = $state<AutosavedProject | null>(readAutosave());
  /** Ticks with each project shown (New, Open, Import…): the Train panel shows only this one's runs as current. */
  opening = $state(0);

  #savedTimer: ReturnType<typeof setTimeout> | undefined;
  #autosaveTimer: ReturnType<typeof setTimeout> | undefined;
  #autosaveFailed = false;

  constructor(
    private readonly client: StudioClient,
    private readonly shell: Studio['shell'],
    private readonly hooks: SessionHooks,
  ) {
    this.validator = new Validator((e) => hooks.report(e));
    // Every change of the project is revalidated and autosaved. A pre-effect:
    // it runs before the canvas's effect in the same flush, so the canvas
    // sees the edit and its report together and rebuilds its flow once, not
    // once for the edit and again for the report.
    $effect.pre(() => {
      const p = this.doc.project;
      if (!p) return;
      untrack(() => this.#followEdit(p));
    });
  }

  get project(): ProjectFile | null {
    return this.doc.project;
  }

  #followEdit(p: ProjectFile): void {
    this.validator.request(p);
    if (this.restoreOffer) return; // an older autosave waits for an answer; do not overwrite it
    clearTimeout(this.#autosaveTimer);
    this.#autosaveTimer = setTimeout(() => {
      // Only unsaved work needs keeping: a project that matches its file is safe on disk.
      if (!this.doc.dirty) return clearAutosave();
      if (!writeAutosave(p, this.doc.path) && !this.#autosaveFailed) {
        this.#autosaveFailed = true;
        this.hooks.notify({ message: 'The project could not be autosaved in this browser (its storage is full or disabled).', hint: 'Save it to a file with Save.', code: 'autosave-failed' });
      }
    }, 600);
  }

  /** Runs one piece of work against the engine; its failure becomes a notice with the engine's hint. */
  async attempt<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    try {
      return await work();
    } catch (e) {
      this.hooks.report(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  // ------------------------------------------------------------ editing

  edit(next: ProjectFile, label: string, coalesce: string | null = null): void {
    markEdit();
    this.doc.edit(next, label, coalesce);
  }

  /** A panel's change. Panels hand back a deep copy; keep the graph's objects when the graph is the same, so nothing is redrawn. */
  change(next: ProjectFile, label: string): void {
    const current = this.doc.project;
    if (current && next.graph !== current.graph && JSON.stringify(next.graph) === JSON.stringify(current.graph)) next = { ...next, graph: current.graph };
    this.edit(next, label);
  }

  undo(): void {
    markEdit();
    this.doc.undo();
  }

  redo(): void {
    markEdit();
    this.doc.redo();
  }

  /** Fine-tuning edits through the engine's own rules (graph.freeze, graph.replaceHead), each one undoable step. */
  async #editGraphWith(command: Extract<Command, { type: 'graph.freeze' | 'graph.replaceHead' }>, label: string): Promise<void> {
    const before = this.doc.project;
    if (!before) return;
    const graph = await this.attempt(() => this.client.request(command));
    // An edit made while the engine worked wins; this one is dropped rather than undo it.
    if (graph && this.doc.project === before) this.edit({ ...before, graph }, label);
  }

  #graph(p: ProjectFile): ProjectFile['graph'] {
    return $state.snapshot(p.graph) as ProjectFile['graph'];
  }

  freezeUpTo(id: string): void {
    const p = this.doc.project;
    if (p) void this.#editGraphWith({ type: 'graph.freeze', graph: this.#graph(p), upTo: id }, `Freeze everything up to ${id}`);
  }

  unfreezeAll(): void {
    const p = this.doc.project;
    if (p) void this.#editGraphWith({ type: 'graph.freeze', graph: this.#graph(p), nodeIds: p.graph.nodes.filter((n) => n.frozen).map((n) => n.id), frozen: false }, 'Unfreeze every layer');
  }

  replaceHead(classCount: number, after?: string): void {
    const p = this.doc.project;
    if (p) void this.#editGraphWith({ type: 'graph.replaceHead', graph: this.#graph(p), classCount, after }, `Replace the head for ${classCount} classes`);
  }

  /** A run that ended joins the open project's history (one undoable edit) when it was started for this project's file. */
  recordRun({ record, projectPath }: RecordedRun): void {
    const p = this.doc.project;
    if (!p || projectPath !== this.doc.path || p.runs.some((r) => r.id === record.id)) return;
    this.change({ ...p, runs: [...p.runs, record] }, `Record run ${record.id}`);
  }

  // -------------------------------------------------------- project files

  show(next: ProjectFile, path: string, options: { unsaved?: boolean } = {}, how: 'opened' | 'imported' = 'opened'): void {
    this.opening++;
    this.validator.clear();
    this.doc.load(next, path, options);
    this.pathText = path;
    this.hooks.shown(how);
  }

  /** A new project from a template; true when it opened. */
  async create(template: string, name: string): Promise<boolean> {
    const created = await this.attempt(() => this.client.request({ type: 'project.create', template, name: name || undefined }));
    if (created) this.show(created, '');
    return created !== undefined;
  }

  /** The shipped sample opens as an unsaved copy: Save puts the person's copy where they choose. */
  async openSample(): Promise<void> {
    const sample = await this.attempt(() => this.client.request({ type: 'project.sample' }));
    if (sample) this.show(sample.project, '', { unsaved: true });
  }

  async openPath(path: string): Promise<void> {
    const opened = await this.attempt(() => this.client.request({ type: 'project.open', path }));
    if (opened) {
      this.show(opened, path);
      this.recent = rememberRecent(path, opened.name);
      this.showOpen = false;
      this.openText = '';
    }
  }

  /**
   * Writes the project to `path`. The project's own file is replaced as Save
   * does; any other path is a Save As, and a file already there (an exported
   * model.json, another project) is replaced only after a confirmation that
   * names it. `overwrite` is that confirmation.
   */
  async saveTo(path: string, overwrite?: boolean, chosenInDialog = false): Promise<void> {
    const p = this.doc.project;
    if (!p || !path) return;
    const own = path === this.doc.path;
    // A native save dialog has asked about an existing file already; a file that is not a project is still asked about here.
    const mode = overwrite ?? (own || chosenInDialog ? undefined : false);
    let refused: EngineRequestError | null = null;
    const saved = await this.attempt(() =>
      this.client.request({ type: 'project.save', path, project: p, overwrite: mode }).catch((e: unknown) => {
        if (e instanceof EngineRequestError && e.code === 'file-exists') {
          refused = e;
          return undefined;
        }
        throw e;
      }),
    );
    if (refused) {
      this.replaceOffer = { path, message: (refused as EngineRequestError).message };
      return;
    }
    if (saved) {
      clearTimeout(this.#savedTimer);
      this.savedNote = `Saved to ${saved.path}`;
      this.#savedTimer = setTimeout(() => (this.savedNote = ''), 4000);
      this.doc.markSaved(saved.path, p);
      // An edit made while the save was on its way stays unsaved, and keeps its autosave.
      if (!this.doc.dirty) {
        clearTimeout(this.#autosaveTimer);
        clearAutosave();
      }
      this.pathText = saved.path;
      this.recent = rememberRecent(saved.path, p.name);
    }
  }

  /** The person said yes to replacing the file a save found. */
  confirmReplace(): void {
    const path = this.replaceOffer?.path;
    this.replaceOffer = null;
    if (path) void this.saveTo(path, true);
  }

  async save(): Promise<void> {
    if (this.shell && !this.doc.path) return this.saveAs();
    const target = this.pathText.trim() || this.doc.path;
    if (!target) {
      this.hooks.focusSavePath(false);
      return;
    }
    await this.saveTo(target);
  }

  async saveAs(): Promise<void> {
    const p = this.doc.project;
    if (!p) return;
    if (!this.shell) {
      this.hooks.focusSavePath(true);
      return;
    }
    const path = await this.shell.chooseProjectSavePath(`${p.name}.cnnstudio.json`);
    if (path) await this.saveTo(path, undefined, true);
  }

  async openWithDialog(): Promise<void> {
    if (!this.shell) {
      this.showOpen = !this.showOpen;
      this.showImport = false;
      return;
    }
    const path = await this.shell.chooseProjectToOpen();
    if (path) await this.openPath(path);
  }

  /**
   * A trained model as a new project to fine-tune (model.import): a studio
   * export, run or model folder, or a TensorFlow.js model.json. Its weights
   * are where the project's runs start (training.initialWeights).
   */
  async importModel(path: string): Promise<void> {
    const imported = await this.attempt(() => this.client.request({ type: 'model.import', path }));
    if (!imported) return;
    this.show(imported.project, '', { unsaved: true }, 'imported');
    this.showImport = false;
    this.importText = '';
  }

  async importWithDialog(): Promise<void> {
    if (!this.shell) {
      this.showImport = !this.showImport;
      this.showOpen = false;
      return;
    }
    const path = await this.shell.chooseFolder('A trained model: a studio export, run or model folder, or a TensorFlow.js model folder');
    if (path) await this.importModel(path);
  }

  restore(): void {
    const offer = this.restoreOffer;
    this.restoreOffer = null;
    if (offer) this.show(offer.project, offer.path, { unsaved: true });
  }

  discardRestore(): void {
    this.restoreOffer = null;
    clearAutosave();
    const p = this.doc.project;
    if (p) writeAutosave(p, this.doc.path);
  }

  /** A project file pasted as text: checked first (the graph core's validateProject, as the engine would); refused with its message, the current graph kept. True when pasted. */
  async pasteProject(raw: unknown): Promise<boolean> {
    try {
      validateProject(raw);
    } catch (e) {
      this.hooks.report(e);
      return false;
    }
    const pasted = raw as ProjectFile;
    if (this.doc.project) this.edit(pasted, `Paste project “${pasted.name}”`);
    else this.show(pasted, '', { unsaved: true });
    return true;
  }

  /** Escape: every prompt of the session closes. */
  closePrompts(): void {
    this.showOpen = false;
    this.showImport = false;
    this.replaceOffer = null;
  }
}
