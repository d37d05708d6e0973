// Worker bootstrap for the load generator: Node 20 does not pass `--import tsx` on to worker threads, so the
// worker registers tsx's loader itself, then runs one load job (load-worker.ts) per message, one at a time.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runLoad } = await import('./load-worker.ts');
parentPort.on('message', (job) => {
  runLoad(job).then(
    (result) => parentPort.postMessage({ ok: true, result }),
    (err) => parentPort.postMessage({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
