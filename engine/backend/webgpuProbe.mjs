// Asks Dawn (the `webgpu` package) for a WebGPU adapter in a child process
// and prints what it found as one JSON line. engine/backend/webgpu.ts runs
// this instead of asking in the engine's own process: a GPU driver that
// crashes while Dawn enumerates adapters takes only this child with it, and
// the Vulkan loader's and Dawn's warnings (printed straight to stderr by
// native code) do not reach a CLI user who never asked for WebGPU.
let dawn;
try {
  dawn = await import('webgpu');
} catch (e) {
  const missing = e && (e.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module) 'webgpu'/.test(String(e.message)));
  process.stdout.write(JSON.stringify({ error: missing ? 'missing' : 'load', message: String(e && e.message) }) + '\n');
  process.exit(0);
}
const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
const info = adapter?.info;
process.stdout.write(
  JSON.stringify(
    adapter
      ? {
          adapter: {
            vendor: info?.vendor ?? '',
            architecture: info?.architecture ?? '',
            device: info?.device ?? '',
            description: info?.description ?? '',
            isFallbackAdapter: info?.isFallbackAdapter === true || adapter.isFallbackAdapter === true,
          },
        }
      : { adapter: null },
  ) + '\n',
);
process.exit(0);
