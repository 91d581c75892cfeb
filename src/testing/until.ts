/**
 * Polls `check` until it answers a value, then returns it; fails naming `what` after `timeoutMs`. For
 * tests that wait on another process or a background task: no fixed sleeps, and a loaded CI machine
 * only makes the wait longer. The timeout bounds a failure, it measures nothing.
 */
export async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
