/**
 * Polls a condition until it holds or the deadline passes: the way tests wait for asynchronous
 * effects (settlement after a response) without sleeping for a guessed time.
 */
export async function waitFor(condition: () => Promise<boolean> | boolean, what: string, deadlineMs = 20_000, intervalMs = 25): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
