/**
 * Announces committed appends to subscribers in every process, coalesced: at most one notify is
 * in flight; appends that commit while one is in flight set a flag that sends exactly one more
 * afterwards (it is sent after their commit, so it covers them). Not awaited by the append:
 * a notify that fails or never happens (crash after commit) only delays readers to their poll.
 */
export class CommitNotifier {
  private inFlight = false;
  private dirty = false;

  constructor(
    private readonly send: () => Promise<unknown>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Call after a transaction that appended events has committed. */
  committed(): void {
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    // After the I/O the commit's own callers start (a gateway forwards the request it held for):
    // the notify is for other processes' readers and must not go ahead of that on the wire. Not
    // setImmediate: undici writes a request on a reused keep-alive socket from an Immediate of
    // its own (it first lets pending bytes on the idle socket be read), queued after this one,
    // so the notify went first. A timer fires in the next turn of the loop, after that write.
    setTimeout(() => void this.run(), 0);
  }

  private async run(): Promise<void> {
    do {
      this.dirty = false;
      try {
        await this.send();
      } catch (error) {
        this.onError(error);
      }
    } while (this.dirty);
    this.inFlight = false;
  }
}
