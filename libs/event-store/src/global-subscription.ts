import type { GlobalCheckpoint, ReadAllOptions, RecordedEvent, SubscribeOptions, Subscription } from './event-store.port.js';

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
/**
 * After a commit notification, events can stay invisible for a while: the gap-free read waits
 * for every older transaction in the whole cluster (xmin is cluster-wide) to end. Re-read at
 * this short interval for a few seconds after a wake instead of waiting a full poll interval.
 */
const EAGER_POLL_MS = 50;
const EAGER_WINDOW_MS = 5_000;

export interface GlobalSubscriptionSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Committed events after the checkpoint that the gap-free read still holds back. */
  hasHeldBackEvents(after: GlobalCheckpoint): Promise<boolean>;
  /** Calls wake on every commit of new events; returns the unlisten function. */
  listen(wake: () => void): Promise<() => Promise<void>>;
}

/**
 * Reads the global log from a checkpoint: batch after batch while behind, then waits for a
 * notification (or the poll interval, in case one was lost) before reading again. A batch is
 * handed over only after the previous handler call finished. When reading or handling fails,
 * onError is told and the same batch is tried again after the poll interval: the checkpoint
 * moves only past handled events.
 */
export class GlobalSubscription implements Subscription {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private stopping = false;
  private notified = false;
  private wakeWaiter: (() => void) | null = null;
  private lastWakeAt = 0;
  private readonly finished: Promise<void>;

  constructor(
    private readonly source: GlobalSubscriptionSource,
    private readonly handler: (events: readonly RecordedEvent[]) => Promise<void>,
    options: SubscribeOptions,
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.onError = options.onError ?? reportError;
    this.finished = this.run(options.from);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.finished;
  }

  private async run(from: GlobalCheckpoint): Promise<void> {
    let checkpoint = from;
    let unlisten: (() => Promise<void>) | null = null;
    while (!this.stopping) {
      // Listening can fail while the database is down; polling carries on until it works.
      unlisten ??= await this.source.listen(() => this.wake()).catch(this.reportAndReturnNull);
      this.notified = false;
      let batch: RecordedEvent[];
      try {
        batch = await this.source.readAll({ after: checkpoint, maxCount: this.batchSize });
        if (this.stopping) break;
        if (batch.length > 0) {
          await this.handler(batch);
          const last = batch[batch.length - 1];
          checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
        }
      } catch (error) {
        this.onError(error);
        await this.sleep();
        continue;
      }
      if (batch.length < this.batchSize && !this.notified) {
        const heldBack = await this.source.hasHeldBackEvents(checkpoint).catch(() => false);
        await this.sleep(heldBack);
      }
    }
    await unlisten?.().catch(this.onError);
  }

  private readonly reportAndReturnNull = (error: unknown): null => {
    this.onError(error);
    return null;
  };

  private wake(): void {
    this.notified = true;
    this.lastWakeAt = Date.now();
    this.wakeWaiter?.();
  }

  private sleep(heldBack = false): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeWaiter = null;
        resolve();
      };
      const eager = heldBack || Date.now() - this.lastWakeAt < EAGER_WINDOW_MS;
      const timer = setTimeout(done, eager ? Math.min(EAGER_POLL_MS, this.pollIntervalMs) : this.pollIntervalMs);
      this.wakeWaiter = done;
    });
  }
}

function reportError(error: unknown): void {
  console.error('caracal event store: subscription error (retrying):', error);
}
