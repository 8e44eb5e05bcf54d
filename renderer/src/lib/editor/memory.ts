/**
 * The training-memory estimate lives in the graph core (engine/graph/memory.ts),
 * so the window's figure and the engine's checks (validate warns, train
 * refuses) follow one rule.
 */
export { estimateTrainingMemory, optimizerSlots, type MemoryEstimate } from '../../../../engine/graph/memory.js';
