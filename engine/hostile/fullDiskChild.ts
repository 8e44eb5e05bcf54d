/**
 * Run by fullDisk.test.ts inside a private mount namespace whose `mount`
 * folder is a tmpfs of a few hundred KiB, filled up: saves a project over an
 * existing one, exports a model, starts a run whose run folder is there, and
 * reports what the CLI printed and the protocol answered, as one JSON line
 * on stdout.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { Engine } from '../engine.js';
import { EngineSession } from '../host/engineSession.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';

const [mount, modelDir, dataDir] = process.argv.slice(2) as [string, string, string];
const stderr: string[] = [];
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string) => {
  stderr.push(String(chunk));
  return true;
}) as typeof process.stderr.write;

const projectPath = join(mount, 'digits.cnnstudio.json');
const before = await readFile(projectPath, 'utf8');
const saveExit = await main(['new', projectPath, '--template', 'resnet-small', '--force'], () => undefined);
const exportExit = await main(['export', modelDir, '--format', 'tfjs,onnx', '--out', join(mount, 'exported')], () => undefined);

const replies: unknown[] = [];
const session = new EngineSession(new Engine(), (_client, text) => replies.push(JSON.parse(text)), () => undefined);
session.receive(1, JSON.stringify({ kind: 'request', id: 1, command: { type: 'model.export', source: modelDir, formats: ['tfjs'], outDir: join(mount, 'exported') } }));
while (replies.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));

// A training run whose run folder is on the full disk.
const engine = new Engine({ backend: 'cpu' });
const runErrors: unknown[] = [];
engine.onEvent((event) => {
  if (event.type === 'error') runErrors.push(event);
});
await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 8, training: { epochs: 1 } }), options: { dataPath: dataDir, runDir: join(mount, 'run') } });
await engine.idle();

process.stderr.write = write;
process.stdout.write(
  JSON.stringify({
    saveExit,
    exportExit,
    stderr: stderr.join(''),
    reply: replies[0],
    runError: runErrors[0],
    projectUnchanged: (await readFile(projectPath, 'utf8')) === before,
    left: (await readdir(mount)).sort(),
  }) + '\n',
);
