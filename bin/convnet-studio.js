#!/usr/bin/env node
// The CLI runs the engine's TypeScript sources directly through tsx, so the
// command always matches the code beside it (no stale build to forget).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../engine/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
