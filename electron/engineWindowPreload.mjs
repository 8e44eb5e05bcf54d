// The engine window's preload: it IS the engine, run from its TypeScript
// sources through tsx as in the utility process (engineProcess.mjs). An ES
// module preload needs sandbox: false, which engineWindow.ts sets.
import { register } from 'tsx/esm/api';

register();
await import('./engineWindowEntry.ts');
