/**
 * The WebGPU backend (@tensorflow/tfjs-backend-webgpu) on any vendor's GPU:
 * Metal, Direct3D 12 or Vulkan, through whatever provides `navigator.gpu`.
 * In Node (the CLI, web mode's engine) that is the optional `webgpu` package,
 * Dawn's Node bindings, loaded only when asked for; in a Chromium page (the
 * Electron engine window) it is Chromium's own WebGPU.
 *
 * It also watches the device for errors: WebGPU reports an allocation that
 * does not fit as an event, not as a throw, so a training step that ran out
 * of GPU memory is only known from here (see takeGpuFault).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GpuAdapterInfo } from '../protocol.js';

/** The few WebGPU shapes this module touches; the project compiles without the DOM library. */
interface GpuAdapterLike {
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(descriptor?: object): Promise<GpuDeviceLike>;
}
interface GpuErrorLike {
  message: string;
  constructor: { name: string };
}
interface GpuDeviceLike {
  addEventListener(type: 'uncapturederror', listener: (event: { error: GpuErrorLike }) => void): void;
  lost: Promise<{ reason: string; message: string }>;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

export type WebgpuProbe =
  | { loaded: true; adapter: GpuAdapterInfo }
  | { loaded: false; reason: string; hint: string; adapter?: undefined };

/** A GPU error the device reported while the backend ran. */
export interface GpuFault {
  kind: 'out-of-memory' | 'device-lost' | 'validation' | 'internal';
  message: string;
}

const WEBGPU_PACKAGE = 'webgpu';

let probed: Promise<WebgpuProbe> | undefined;
let registered = false;
let fault: GpuFault | null = null;

/**
 * Adapters that are a CPU rasteriser posing as a GPU. Dawn marks its own
 * fallback adapter; Vulkan's software drivers are known by name.
 */
const SOFTWARE_ADAPTER = /swiftshader|lavapipe|llvmpipe|softpipe|software|microsoft basic render|\bwarp\b/i;

export function describeAdapter(adapter: GpuAdapterLike): GpuAdapterInfo {
  const info = adapter.info ?? {};
  const named = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const software =
    info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(Object.values(named).join(' '));
  return { ...named, software };
}

/** "google swiftshader — SwiftShader driver 5.0.0 (software)", for the badge, `info` and the CLI. */
export function adapterLabel(adapter: GpuAdapterInfo): string {
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || adapter.device || 'unnamed adapter';
  const description = adapter.description && adapter.description !== name ? ` — ${adapter.description}` : '';
  return `${name}${description}${adapter.software ? ' (software)' : ''}`;
}

/** What to install for a hardware adapter on this platform. */
export function webgpuInstallHint(): string {
  switch (typeof process === 'undefined' ? 'browser' : process.platform) {
    case 'browser':
      return 'Start Chromium with --enable-unsafe-webgpu (and --enable-features=Vulkan on Linux), with a GPU driver installed.';
    case 'darwin':
      return 'WebGPU on macOS runs on Metal (macOS 13 or later); reinstall the studio (`npm install`) so that the `webgpu` package is present.';
    case 'win32':
      return 'WebGPU on Windows runs on Direct3D 12: update the graphics driver from the GPU vendor, and reinstall the studio (`npm install`) so that the `webgpu` package is present.';
    default:
      return (
        'Install the Vulkan driver for your GPU and the Vulkan loader (Debian/Ubuntu: `apt install libvulkan1 mesa-vulkan-drivers` for AMD and Intel; ' +
        'NVIDIA\'s driver ships its own Vulkan driver), then check with `vulkaninfo --summary`. ' +
        'For a slow software adapter (tests), point VK_ICD_FILENAMES at SwiftShader, e.g. /usr/lib/chromium/vk_swiftshader_icd.json from Debian\'s chromium.'
      );
  }
}

/** navigator.gpu where it exists (a Chromium page); otherwise Dawn's, installed on navigator.gpu as tfjs-backend-webgpu expects. */
async function loadGpu(): Promise<{ gpu: GpuLike } | { gpu: null; reason: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu };
  let dawn: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  try {
    dawn = (await import(WEBGPU_PACKAGE)) as typeof dawn;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      gpu: null,
      reason: /Cannot find (package|module) 'webgpu'/.test(message)
        ? 'the optional `webgpu` package (Dawn\'s Node bindings) is not installed'
        : `the \`webgpu\` package (Dawn's Node bindings) could not load: ${message}`,
    };
  }
  // tfjs-backend-webgpu reads the WebGPU constants (GPUBufferUsage…) as globals, and
  // decides at import whether to register itself from navigator.gpu (tfjs issue #8066).
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu = dawn.create([]);
  const holder = globalThis as { navigator?: object };
  if (!holder.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
  return { gpu };
}

async function noAdapterReason(): Promise<string> {
  if (typeof process === 'undefined' || process.platform !== 'linux') return 'no WebGPU adapter was found (no GPU driver offered one)';
  // Imported here so that a Chromium page (which has no node:fs) can load this module.
  const { vulkanLoaderSearch } = await import('./vulkan.js');
  const loader = vulkanLoaderSearch();
  if (!loader.found) return `no WebGPU adapter was found: the Vulkan loader libvulkan.so.1 is missing (looked in ${loader.searched.join(', ')})`;
  const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  return icd
    ? `no WebGPU adapter was found: the Vulkan driver named by VK_ICD_FILENAMES (${icd}) offered none that Dawn can use`
    : 'no WebGPU adapter was found: Vulkan has no driver here that Dawn can use';
}

/** What the probe child (webgpuProbe.mjs) prints. */
type ChildAnswer =
  | { adapter: (Omit<GpuAdapterInfo, 'software'> & { isFallbackAdapter: boolean }) | null }
  | { error: 'missing' | 'load'; message: string };

/** The first line Dawn or the Vulkan loader printed about why there is no adapter, if any. */
function driverComplaint(stderr: string): string {
  // Dawn's own reports start "Warning:"; lines such as libwayland's "error: XDG_RUNTIME_DIR…" say nothing about the GPU.
  const line = stderr.split('\n').find((l) => /^Warning:/.test(l.trim()));
  return line ? ` (Dawn: ${line.trim().replace(/^Warning:\s*/, '').replace(/\.$/, '')})` : '';
}

/** Asks for an adapter in a child process (see webgpuProbe.mjs for why). */
async function probeInChild(): Promise<WebgpuProbe> {
  const [{ execFile }, { fileURLToPath }] = await Promise.all([import('node:child_process'), import('node:url')]);
  const script = fileURLToPath(new URL('./webgpuProbe.mjs', import.meta.url));
  const { stdout, stderr, failure } = await new Promise<{ stdout: string; stderr: string; failure: string | null }>((resolve) =>
    execFile(
      process.execPath,
      [script],
      // Inside Electron, process.execPath is Electron; this makes it plain Node.
      { timeout: 60_000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' },
      (error, out, err) => resolve({ stdout: out, stderr: err, failure: error ? (error.killed ? 'it did not answer within 60 s' : error.message.split('\n')[0]!) : null }),
    ),
  );
  let answer: ChildAnswer;
  try {
    answer = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as ChildAnswer;
  } catch {
    return { loaded: false, reason: `asking the GPU driver for a WebGPU adapter failed: ${failure ?? 'no answer'}${driverComplaint(stderr)}`, hint: webgpuInstallHint() };
  }
  if ('error' in answer) {
    return {
      loaded: false,
      reason:
        answer.error === 'missing'
          ? 'the optional `webgpu` package (Dawn\'s Node bindings) is not installed'
          : `the \`webgpu\` package (Dawn's Node bindings) could not load: ${answer.message}`,
      hint: webgpuInstallHint(),
    };
  }
  if (!answer.adapter) return { loaded: false, reason: `${await noAdapterReason()}${driverComplaint(stderr)}`, hint: webgpuInstallHint() };
  const { isFallbackAdapter, ...named } = answer.adapter;
  return { loaded: true, adapter: describeAdapter({ info: { ...named, isFallbackAdapter } } as GpuAdapterLike) };
}

/** Chromium's navigator.gpu, where this runs in a page (the Electron engine window). */
function pageGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/**
 * Finds the adapter once, without starting the backend: which GPU WebGPU
 * would run on, and whether it is a software one. In Node the question is
 * asked in a child process; Dawn is loaded into this one only by activateWebgpu.
 */
export function probeWebgpu(): Promise<WebgpuProbe> {
  probed ??= (async (): Promise<WebgpuProbe> => {
    const gpu = pageGpu();
    if (gpu) {
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
      return adapter ? { loaded: true, adapter: describeAdapter(adapter) } : { loaded: false, reason: 'the page\'s WebGPU offers no adapter', hint: webgpuInstallHint() };
    }
    if (typeof process !== 'undefined' && process.versions.electron) {
      return {
        loaded: false,
        reason: 'Dawn\'s Node bindings cannot run inside Electron (its V8 memory cage refuses their buffers); the desktop app trains on WebGPU in its engine window instead',
        hint: 'Nothing to install: the studio moves the engine to its engine window when Chromium finds a hardware GPU.',
      };
    }
    return probeInChild();
  })();
  return probed;
}

let adapterInUse: GpuAdapterLike | null = null;

/** The adapter this process will run on: Chromium's, or Dawn's loaded into this process now. */
async function adapterHere(): Promise<GpuAdapterLike | { problem: string }> {
  if (adapterInUse) return adapterInUse;
  const loaded = await loadGpu();
  if (!loaded.gpu) return { problem: loaded.reason };
  const adapter = await loaded.gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) return { problem: 'the adapter the probe found is not offered to this process' };
  adapterInUse = adapter;
  return adapter;
}

function classify(error: GpuErrorLike): GpuFault['kind'] {
  const name = error.constructor.name;
  if (name === 'GPUOutOfMemoryError' || /out of memory|exceeds the max buffer size|maxStorageBufferBindingSize|maxBufferSize/i.test(error.message)) {
    return 'out-of-memory';
  }
  return name === 'GPUInternalError' ? 'internal' : 'validation';
}

/** Keeps the first error the device reports until the trainer takes it. */
function watchDevice(device: GpuDeviceLike): void {
  device.addEventListener('uncapturederror', (event) => {
    const kind = classify(event.error);
    // An allocation that failed makes later ones fail too: the first error is the cause.
    if (!fault || (kind === 'out-of-memory' && fault.kind !== 'out-of-memory')) fault = { kind, message: event.error.message };
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') fault ??= { kind: 'device-lost', message: info.message || 'the GPU device was lost' };
  });
}

/** The GPU error reported since the last call, if any, and forgets it. */
export function takeGpuFault(): GpuFault | null {
  const taken = fault;
  fault = null;
  return taken;
}

/** Whether a thrown error is the GPU running out of memory (as Dawn and Chromium word it). */
export function isGpuOutOfMemoryMessage(message: string): boolean {
  return /out of memory|OutOfMemory|exceeds the max buffer size/i.test(message);
}

/**
 * Registers tfjs's WebGPU backend on the probed adapter, with a device that
 * reports its errors to takeGpuFault. Priority 0: tfjs never starts it by
 * itself; only the selection does.
 */
async function registerOnAdapter(adapter: GpuAdapterLike): Promise<void> {
  if (registered) return;
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // Its import registered its own factory (it would ask for an adapter again); ours uses the probed one.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      // As tfjs-backend-webgpu's own factory: the adapter's limits, not WebGPU's small defaults.
      const limits = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        },
      });
      watchDevice(device);
      return new WebGPUBackend(device as never, adapter.info as never);
    },
    0,
  );
  registered = true;
}

/** Starts the webgpu backend on the probed adapter (software or not: the caller decides). */
export async function activateWebgpu(): Promise<WebgpuProbe> {
  const probe = await probeWebgpu();
  if (!probe.loaded) return probe;
  const adapter = await adapterHere();
  if ('problem' in adapter) return { loaded: false, reason: adapter.problem, hint: webgpuInstallHint() };
  await registerOnAdapter(adapter);
  if (!(await tf.setBackend('webgpu'))) {
    return { loaded: false, reason: 'the WebGPU backend failed to start on its adapter (the warning above says why)', hint: webgpuInstallHint() };
  }
  takeGpuFault();
  return probe;
}
