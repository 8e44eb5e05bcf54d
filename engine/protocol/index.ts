/**
 * The one contract between whoever drives the engine (the window over
 * Electron IPC or a WebSocket, the CLI in-process, the tests) and the engine.
 * Commands go in and get exactly one response each; events come out on their
 * own. Everything here is JSON: tensors never cross, images cross as small
 * thumbnails.
 *
 * This folder imports nothing from the rest of the engine (an import-rule
 * test, engine/architecture.test.ts, holds it to that): the implementations
 * import their contract types from here, never the reverse, so the window
 * can import it without pulling in tfjs, Node or any engine code.
 */
export * from './project.js';
export * from './validation.js';
export * from './backend.js';
export * from './data.js';
export * from './model.js';
export * from './events.js';
export * from './run.js';
export * from './insight.js';
export * from './job.js';
export * from './commands.js';
export * from './messages.js';
