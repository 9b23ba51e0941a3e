// The part of autocannon's API that the bench's HTTP sections use (the package ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p97_5: number; p99: number; max: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number }
  interface Client { setHeaders(headers: Record<string, string>): void }
  export interface RequestSpec { method?: string; path?: string; headers?: Record<string, string>; body?: string }
  interface Options {
    url: string;
    /** Requests in turn on each connection; setupRequest may build each one anew (e.g. signed). */
    requests?: Array<RequestSpec & { setupRequest?: (request: RequestSpec) => RequestSpec }>;
    connections?: number; duration?: number; headers?: Record<string, string>;
    /** Called once per connection: e.g. a token of its own. */
    setupClient?: (client: Client) => void;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
