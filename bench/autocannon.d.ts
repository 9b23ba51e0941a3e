// The part of autocannon's API that bench/sections/50-http.ts uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p97_5: number; p99: number; max: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number }
  interface Options { url: string; connections?: number; duration?: number; headers?: Record<string, string> }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
