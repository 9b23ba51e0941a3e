// HTTP load from a worker thread (bench/load-worker.ts): autocannon on an event loop of its own, so
// the server measured in this process keeps its thread to itself.
import { Worker } from 'node:worker_threads';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  duration: number;
  /** Per-run prefix of the message ids (each run's callbacks are new messages). */
  tag: string;
  /** Signed Twilio status callbacks: params plus a new MessageSid per request. */
  twilio?: { authToken: string; publicUrl: string; params: Record<string, string> };
}

/** Requests/s of the run (completed ÷ seconds); throws on any non-2xx or error. */
export async function loadInWorker(spec: LoadSpec): Promise<number> {
  // the worker loads TypeScript through tsx's loader, registered in it before the worker module
  const target = new URL('./load-worker.ts', import.meta.url).href;
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))}; register(); `
    + `await import(${JSON.stringify(target)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: spec });
  type Result = { kind: string; perSecond: number; non2xx: number; errors: number };
  const r = await new Promise<Result>((resolve, reject) => {
    // tsx's loader talks on the same port: only the result counts
    worker.on('message', (m: Result) => { if (m?.kind === 'load-result') resolve(m); });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`load worker exited (${code}) without a result`)));
  });
  await worker.terminate();
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${spec.method} ${spec.path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.perSecond;
}
