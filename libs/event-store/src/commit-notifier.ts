/**
 * How long after one notify the next may go out. Readers linger far longer than this once woken
 * (processors 250 ms, docs/decisions.md), so more notifies than one per interval wake nobody
 * sooner; each one is a transaction on the database and a wake-up of every listener.
 */
export const NOTIFY_INTERVAL_MS = 20;

/**
 * Announces committed appends to subscribers in every process, coalesced and throttled: a commit
 * after a quiet spell is announced at once; while commits keep coming, one notify goes out per
 * interval, each sent after every commit it covers. Not awaited by the append: a notify that
 * fails or never happens (crash after commit) only delays readers to their poll.
 */
export class CommitNotifier {
  /** A notify is scheduled or in flight: later commits only mark themselves for the next one. */
  private busy = false;
  private dirty = false;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
    private readonly intervalMs = NOTIFY_INTERVAL_MS,
  ) {}

  /** Call after a transaction that appended events has committed. */
  committed(): void {
    if (this.busy) {
      this.dirty = true;
      return;
    }
    this.busy = true;
    // A timer even when no wait is due: the notify is for other processes' readers and must go
    // out after the I/O the commit's own caller starts (a gateway forwards the request it held
    // for). Not setImmediate: undici writes a request on a reused keep-alive socket from an
    // Immediate of its own (it first lets pending bytes on the idle socket be read), queued after
    // this one, so the notify went first. A timer fires in a later turn of the loop.
    setTimeout(() => void this.run(), this.untilNextAllowed());
  }

  private untilNextAllowed(): number {
    return Math.max(0, this.lastSentAt + this.intervalMs - performance.now());
  }

  private async run(): Promise<void> {
    for (;;) {
      this.dirty = false;
      this.lastSentAt = performance.now();
      try {
        await this.send();
      } catch (error) {
        this.onError(error);
      }
      if (!this.dirty) break;
      await new Promise((resolve) => setTimeout(resolve, this.untilNextAllowed()));
    }
    this.busy = false;
  }
}
