// `--import` target of scripts/subject-deletion.mjs (also through NODE_OPTIONS,
// so engine child processes started by a test see the same deleted subjects).
import { register } from 'node:module';

const subjects = JSON.parse(process.env.SUBJECT_DELETION ?? '[]');
register(new URL('./hooks.mjs', import.meta.url), { data: { subjects } });
