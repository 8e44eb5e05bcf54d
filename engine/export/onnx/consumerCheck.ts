/**
 * Running exported ONNX models through the Python consumers (the ONNX checker
 * with shape inference, OpenCV DNN) in one process: consumerCheck.py takes a
 * manifest of models and inputs and answers JSON. Used by the export tests;
 * needs Debian's python3-onnx and python3-opencv.
 */
import { execFile, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./consumerCheck.py', import.meta.url));

export type ConsumerInput =
  | { f32: string; shape: number[] }
  /** Image files that OpenCV decodes and scales to [0, 1] itself. */
  | { images: string[]; height: number; width: number; channels: 1 | 3 };

export interface ConsumerModel {
  name: string;
  onnx: string;
  input: ConsumerInput;
  /** Where OpenCV's output is written, float32 little-endian. */
  output: string;
}

export interface ConsumerResult {
  name: string;
  /** The checker's or shape inference's error; null when both pass. */
  checker: string | null;
  /** The output shape shape inference found ('batch' for the free batch size). */
  inferredOutputShape: (number | string)[] | null;
  /** OpenCV DNN's error; null when it loaded and ran the model. */
  opencv: string | null;
  opencvOutputShape: number[] | null;
}

export interface ConsumerReport {
  versions: { numpy: string; onnx?: string; opencv?: string };
  models: ConsumerResult[];
}

/** Null when python3 with onnx and cv2 is there; otherwise why the consumer checks cannot run. */
export function pythonConsumersMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import onnx, cv2'], { stdio: 'ignore' });
    return null;
  } catch {
    return `${PYTHON} cannot import onnx and cv2: install Debian's python3-onnx and python3-opencv (.ci/run does)`;
  }
}

/** Checks every model of the manifest in one Python process; the manifest is written into `dir`. */
export async function checkOnnxConsumers(models: ConsumerModel[], dir: string): Promise<ConsumerReport> {
  const manifest = join(dir, 'consumer-manifest.json');
  await writeFile(manifest, JSON.stringify({ models }));
  const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, manifest], { maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(stdout) as ConsumerReport;
}
