// The utility process runs the engine's TypeScript sources through tsx, as
// bin/convnet-studio.js does for the CLI: the engine is never a stale build.
import { register } from 'tsx/esm/api';

register();
await import('./engineEntry.ts');
