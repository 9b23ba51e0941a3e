// One autocannon run in a worker thread (bench/load.ts starts it): the load generator gets an
// event loop of its own, so it does not take the server's thread; the result goes back as a message.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon, { type RequestSpec } from 'autocannon';
import twilio from 'twilio';
import type { LoadSpec } from './load.ts';

const spec = workerData as LoadSpec;
let next = 0;
const request: RequestSpec & { setupRequest?: (r: RequestSpec) => RequestSpec } = { method: spec.method, path: spec.path };
if (spec.twilio) {
  const { authToken, publicUrl, params } = spec.twilio;
  // each request a new message: the signature is computed per request, as a provider does
  request.setupRequest = (r) => {
    const body = { ...params, MessageSid: `SMbench${spec.tag}${String(next++).padStart(24, '0')}` };
    return { ...r, body: new URLSearchParams(body).toString(), headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, publicUrl + spec.path, body) } };
  };
}
// off the main thread autocannon returns its raw result (histograms encoded, no summary): the rate is
// the completed requests over the run's seconds
const r = await autocannon({ url: spec.url, connections: spec.connections, duration: spec.duration, requests: [request] }) as
  unknown as { totalCompletedRequests: number; duration: number; non2xx: number; errors: number };
parentPort!.postMessage({ kind: 'load-result', perSecond: r.totalCompletedRequests / r.duration, non2xx: r.non2xx, errors: r.errors });
