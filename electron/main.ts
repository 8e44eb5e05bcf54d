/**
 * The desktop shell's main process: one window, locked down (context
 * isolation, sandbox, no Node in the page, a strict Content-Security-Policy,
 * the renderer served from the studio:// protocol, no navigation, no new
 * windows, no permissions), the engine in a utility process, and the menu and
 * native dialogs. It only routes: every protocol frame goes to the engine as
 * it arrived and is validated there.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { cp, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EngineSupervisor } from '../engine/host/engineSupervisor.js';
import { SECURITY_HEADERS } from '../engine/host/contentSecurityPolicy.js';
import { contentType, resolveRendererFile } from '../engine/host/staticFiles.js';
import { CHANNELS, type MenuAction } from './bridge.js';
import { APP_ENTRY_URL, APP_HOST, APP_SCHEME, isAllowedNavigation, isTrustedSender } from './security.js';
import { fitBounds, loadWindowState, saveWindowState } from './windowState.js';
import { menuTemplate } from './menu.js';
import { utilityProcessEngine } from './utilityEngine.js';
import { engineWindowEngine } from './engineWindow.js';
import { preferEngineWindow } from './engineHost.js';

const APP_ROOT = app.getAppPath();
const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');
const PRELOAD = join(APP_ROOT, 'dist', 'electron', 'preload.cjs');
// The engine bundle (scripts/build.ts): plain JavaScript, no TypeScript loader in the app.
const ENGINE_ENTRY = join(APP_ROOT, 'dist', 'engine', 'utilityProcess.mjs');
const WINDOW_STATE = () => join(app.getPath('userData'), 'window-state.json');

const log = (line: string) => console.error(line);

// Must happen before `ready`: studio:// behaves like https (a secure, standard origin for 'self').
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let studioWindow: BrowserWindow | null = null;
/** The model folder of the last finished run, for File › Export. */
let lastModelPath: string | null = null;

// WebGPU for the hidden engine window (Chromium's; Dawn's Node bindings cannot run in Electron).
// Linux has WebGPU only through Vulkan. docs/webgpu.md says why this is safe enough.
app.commandLine.appendSwitch('enable-unsafe-webgpu');
if (process.platform === 'linux') app.commandLine.appendSwitch('enable-features', 'Vulkan');

/**
 * The engine trains in the engine window where WebGPU has a hardware adapter,
 * otherwise in the utility process; CONVNET_STUDIO_ENGINE_HOST=utility skips the window.
 */
const spawnUtility = utilityProcessEngine(ENGINE_ENTRY, log);
const spawnEngine =
  process.env.CONVNET_STUDIO_ENGINE_HOST === 'utility'
    ? spawnUtility
    : preferEngineWindow(engineWindowEngine({ page: join(APP_ROOT, 'electron', 'engineWindow.html'), preload: join(APP_ROOT, 'dist', 'engine', 'engineWindow.mjs') }, log), spawnUtility, log);

const supervisor = new EngineSupervisor(spawnEngine, {
  log,
  deliver(_client, text) {
    noteFinishedRun(text);
    if (studioWindow && !studioWindow.isDestroyed()) studioWindow.webContents.send(CHANNELS.fromEngine, text);
  },
});

function noteFinishedRun(text: string): void {
  if (!text.includes('"finished"')) return;
  try {
    const message = JSON.parse(text) as { kind?: string; event?: { type?: string; modelPath?: string } };
    if (message.kind === 'event' && message.event?.type === 'finished' && typeof message.event.modelPath === 'string') {
      lastModelPath = message.event.modelPath;
      installMenu();
    }
  } catch {
    // Not an event main needs to know about.
  }
}

/** Drops (and logs) anything not from the studio window's own page. */
function trusted(event: IpcMainEvent | IpcMainInvokeEvent, channel: string): boolean {
  const frame = event.senderFrame;
  const ok = isTrustedSender(
    { senderId: event.sender.id, frameUrl: frame?.url ?? null, isMainFrame: frame !== null && frame === event.sender.mainFrame },
    studioWindow && !studioWindow.isDestroyed() ? studioWindow.webContents.id : null,
  );
  if (!ok) log(`main: dropped a "${channel}" message from an untrusted sender (${frame?.url ?? 'a closed frame'})`);
  return ok;
}

function installIpc(): void {
  // One window, one connection: client 0.
  ipcMain.on(CHANNELS.toEngine, (event, frame: unknown) => {
    if (trusted(event, CHANNELS.toEngine)) supervisor.send(0, frame);
  });
  ipcMain.handle(CHANNELS.openProjectDialog, async (event) => {
    if (!trusted(event, CHANNELS.openProjectDialog) || !studioWindow) return null;
    const result = await dialog.showOpenDialog(studioWindow, {
      title: 'Open a project',
      properties: ['openFile'],
      filters: [{ name: 'Convnet Studio projects', extensions: ['json'] }],
    });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
  ipcMain.handle(CHANNELS.saveProjectDialog, async (event, suggestedName: unknown) => {
    if (!trusted(event, CHANNELS.saveProjectDialog) || !studioWindow) return null;
    const name = typeof suggestedName === 'string' ? basename(suggestedName).replace(/[<>:"/\\|?*]+/g, '-') : 'project.cnnstudio.json';
    const result = await dialog.showSaveDialog(studioWindow, {
      title: 'Save the project',
      defaultPath: join(app.getPath('documents'), name.endsWith('.cnnstudio.json') ? name : `${name}.cnnstudio.json`),
      filters: [{ name: 'Convnet Studio projects', extensions: ['json'] }],
    });
    return result.canceled || !result.filePath ? null : result.filePath;
  });
  ipcMain.handle(CHANNELS.chooseFolderDialog, async (event, title: unknown) => {
    if (!trusted(event, CHANNELS.chooseFolderDialog) || !studioWindow) return null;
    const result = await dialog.showOpenDialog(studioWindow, {
      title: typeof title === 'string' ? title.slice(0, 200) : 'Choose a folder',
      properties: ['openDirectory'],
    });
    return result.canceled ? null : (result.filePaths[0] ?? null);
  });
}

function installProtocol(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? resolveRendererFile(RENDERER_DIR, url.pathname) : null;
    if (!file) return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    try {
      return new Response(await readFile(file), { headers: { ...SECURITY_HEADERS, 'Content-Type': contentType(file) } });
    } catch {
      return new Response('Not found', { status: 404, headers: SECURITY_HEADERS });
    }
  });
}

/** No page of this app may navigate away, open windows, embed webviews or ask for permissions. */
function lockDownContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url)) {
        event.preventDefault();
        log(`main: blocked navigation to ${url}`);
      }
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      log(`main: blocked a new window for ${url}`);
      return { action: 'deny' };
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

function sendMenuAction(action: MenuAction): void {
  studioWindow?.webContents.send(CHANNELS.menu, action);
}

async function exportModel(): Promise<void> {
  if (!studioWindow || !lastModelPath) return;
  const result = await dialog.showOpenDialog(studioWindow, { title: 'Export the trained model to…', properties: ['openDirectory', 'createDirectory'] });
  const folder = result.filePaths[0];
  if (result.canceled || !folder) return;
  const target = join(folder, `${basename(join(lastModelPath, '..'))}-model`);
  try {
    await cp(lastModelPath, target, { recursive: true, errorOnExist: true, force: false });
    await dialog.showMessageBox(studioWindow, { type: 'info', message: 'Model exported', detail: `The TensorFlow.js model (model.json and weights.bin) is in ${target}.` });
  } catch (e) {
    await dialog.showMessageBox(studioWindow, { type: 'error', message: 'The model could not be exported', detail: `${(e as Error).message}\nPick another folder, or remove ${target} first.` });
  }
}

function installMenu(): void {
  const template = menuTemplate({
    toWindow: sendMenuAction,
    exportModel: () => void exportModel(),
    about: () =>
      void dialog.showMessageBox({
        type: 'info',
        message: `Convnet Studio ${app.getVersion()}`,
        detail: `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}.`,
      }),
    canExport: lastModelPath !== null,
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function createWindow(): Promise<void> {
  const saved = fitBounds(await loadWindowState(WINDOW_STATE()), screen.getAllDisplays().map((d) => d.workArea));
  studioWindow = new BrowserWindow({
    ...saved.bounds,
    minWidth: 640,
    minHeight: 480,
    title: 'Convnet Studio',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (saved.maximized) studioWindow.maximize();
  studioWindow.once('ready-to-show', () => studioWindow?.show());
  studioWindow.on('close', () => {
    if (!studioWindow) return;
    void saveWindowState(WINDOW_STATE(), { bounds: studioWindow.getNormalBounds(), maximized: studioWindow.isMaximized() }).catch((e: Error) => log(`main: could not remember the window's size: ${e.message}`));
  });
  studioWindow.on('closed', () => {
    studioWindow = null;
    // The hidden engine window is a window too, so 'window-all-closed' never comes while it lives.
    if (process.platform !== 'darwin') app.quit();
  });
  await studioWindow.loadURL(APP_ENTRY_URL);
}

if (!app.requestSingleInstanceLock()) {
  // Another studio is open: it shows itself (second-instance below) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!studioWindow) return;
    if (studioWindow.isMinimized()) studioWindow.restore();
    studioWindow.focus();
  });
  app.whenReady().then(async () => {
    lockDownContents();
    installProtocol();
    installIpc();
    installMenu();
    supervisor.start();
    await createWindow();
    app.on('activate', () => {
      if (!studioWindow) void createWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => void supervisor.stop());
}
