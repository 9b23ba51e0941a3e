// Shared helpers for the client tests.
export const user = (n: number) => `c1000000-0000-0000-0000-${String(n).padStart(12, '0')}`;

/** Polls an observable condition (a database row, a counter) until it holds; fails after timeoutMs. */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
