/**
 * The contract between renderer and engine lives in engine/protocol/ (one
 * file per subject: project, validation, data, model, run, insight, job,
 * commands, events, messages); this file re-exports it so every existing
 * `protocol.js` import keeps working.
 */
export * from './protocol/index.js';
