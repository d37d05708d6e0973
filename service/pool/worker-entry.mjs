// Worker bootstrap: Node 20 does not pass `--import tsx` on to worker threads, so the worker registers tsx's
// loader itself and then loads the TypeScript task module. The task functions live in worker.ts.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./worker.ts');
export const encode = tasks.encode;
export const warm = tasks.warm;
