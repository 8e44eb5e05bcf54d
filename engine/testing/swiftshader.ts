/**
 * The software WebGPU adapter the tests run on where there is no GPU:
 * SwiftShader's Vulkan driver, shipped by Debian's chromium package (.ci/run
 * installs chromium and libvulkan1). Importing this points the Vulkan loader
 * at it, unless VK_ICD_FILENAMES already names a driver (a real GPU's, say);
 * it must run before Dawn starts, so import it before anything probes WebGPU.
 */
import { existsSync } from 'node:fs';
import { probeWebgpu } from '../backend/webgpu.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

/** False when a WebGPU adapter is there, otherwise why the WebGPU tests skip (as node:test's `skip` option). */
export async function webgpuSkipReason(): Promise<string | false> {
  const probe = await probeWebgpu();
  if (probe.loaded) return false;
  const where = existsSync(SWIFTSHADER_ICD) ? '' : ` (${SWIFTSHADER_ICD} is missing: install Debian's chromium and libvulkan1, as .ci/run does)`;
  return `no WebGPU adapter: ${probe.reason}${where}`;
}
