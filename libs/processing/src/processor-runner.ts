import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  EVENTS_CHANNEL,
  isConnectionFailure,
  type EventPage,
  type GlobalCheckpoint,
  type RecordedEvent,
  type SqlClient,
  type SqlExecutor,
} from '@caracal/event-store';
import { advanceCheckpoint, checkpointOf, ensureCheckpoint } from './checkpoint-store.js';
import { parkEvent } from './dlq-park.js';
import { readLogPage, type LogReader } from './log-page.js';
import {
  CheckpointConflictError,
  LeaseLostError,
  ProcessorApplyError,
  errorMessage,
} from './processing.errors.js';
import { processorKey, type Processor, type ProcessorKey } from './processor.js';
import { consoleProcessorLogger, type ProcessorLogger } from './processor-logger.js';
import { ProcessorLease } from './processor-lease.js';
import { backoffDelayMs, resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';

export interface ProcessorRunnerOptions {
  client: SqlClient;
  /** Reads the global log gap-free (SqlEventStore over the same database). */
  store: LogReader;
  processor: Processor;
  /** This instance's id in the lease (default: host:pid:random). Unique per runner. */
  owner?: string;
  /** Events per read and per transaction (default 500), unless the processor sets its own. */
  batchSize?: number;
  /** Backstop poll when no NOTIFY arrives, and the standby's lease poll (default 1000). */
  pollMs?: number;
  /**
   * While notifications keep coming, read at most once per lingerMs (default 50): a notification
   * less than lingerMs after the last read waits for the rest of that interval, so one read and
   * one commit take in the events of every request of the window instead of one each. After a
   * quiet spell the first notification is read at once. The read models lag the log by up to
   * this much more; 0 reads on every notification.
   */
  lingerMs?: number;
  /** Lease duration; renewed every leaseMs/3 (default 15000). */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: ProcessorLogger;
}

export type ProcessorRunnerState = 'stopped' | 'starting' | 'standby' | 'active' | 'stopping';

export interface ProcessorRunnerStatus {
  processor: string;
  version: number;
  owner: string;
  state: ProcessorRunnerState;
  /** Last committed checkpoint as seen by this instance (null while standby). */
  checkpoint: GlobalCheckpoint | null;
  /** Events this instance committed past (applied or parked) since start. */
  eventsProcessed: number;
  /** Events this instance parked in the DLQ since start. */
  eventsParked: number;
  lastBatchAt: Date | null;
  lastError: string | null;
}

export interface StopOptions {
  /**
   * Give the lease up so a standby takes over at once (default true). false leaves it to expire,
   * as a crashed process would: tests use it to show takeover.
   */
  releaseLease?: boolean;
}

const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_POLL_MS = 1_000;
const DEFAULT_LINGER_MS = 50;
const DEFAULT_LEASE_MS = 15_000;

/** Internal: the runner was asked to stop while backing off; the event stays ahead of the checkpoint. */
class StopRequested extends Error {}

/**
 * Runs one processor: holds the lease (or waits as a standby), reads batches from its checkpoint,
 * and commits each batch's read-model changes with the checkpoint in one transaction that is
 * fenced twice: compare-and-set on the checkpoint and "this owner still holds an unexpired lease".
 * A batch that fails is re-applied one event per transaction to find the failing event, which is
 * retried with backoff and then parked in the DLQ. See docs/processing.md.
 */
export class ProcessorRunner {
  readonly owner: string;
  private readonly client: SqlClient;
  private readonly store: LogReader;
  readonly processor: Processor;
  private readonly key: ProcessorKey;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly lingerMs: number;
  private readonly leaseMs: number;
  private readonly retry: RetryPolicy;
  private readonly log: ProcessorLogger;
  private readonly lease: ProcessorLease;

  private state: ProcessorRunnerState = 'stopped';
  private checkpoint: GlobalCheckpoint | null = null;
  private eventsProcessed = 0;
  private eventsParked = 0;
  private lastBatchAt: Date | null = null;
  private lastError: string | null = null;

  private stopping = false;
  private releaseOnStop = true;
  private leaseLost = false;
  private notified = false;
  private wakeWaiter: ((reason: 'notified') => void) | null = null;
  /** Where the next read starts: the checkpoint, or past it by pages passed without a commit. */
  private readFrom: GlobalCheckpoint | null = null;
  private passedUncommitted = 0;
  private passedSince: number | null = null;
  private lastReadAt = 0;
  /** When a batch's fence last extended the lease (Date.now() at its start). */
  private leaseExtendedAt = 0;
  private renewTimer: NodeJS.Timeout | null = null;
  private finished: Promise<void> | null = null;

  constructor(options: ProcessorRunnerOptions) {
    this.client = options.client;
    this.store = options.store;
    this.processor = options.processor;
    this.key = processorKey(options.processor);
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.batchSize = positive(options.processor.batchSize ?? options.batchSize ?? DEFAULT_BATCH_SIZE, 'batchSize');
    this.pollMs = positive(options.pollMs ?? DEFAULT_POLL_MS, 'pollMs');
    this.lingerMs = nonNegative(options.lingerMs ?? DEFAULT_LINGER_MS, 'lingerMs');
    this.leaseMs = positive(options.leaseMs ?? DEFAULT_LEASE_MS, 'leaseMs');
    this.retry = resolveRetryPolicy(options.retry);
    this.log = options.logger ?? consoleProcessorLogger;
    this.lease = new ProcessorLease(this.client, this.key, this.owner, this.leaseMs);
  }

  /** Starts the loop in the background (no-op when running). */
  start(): void {
    if (this.finished) return;
    this.stopping = false;
    this.releaseOnStop = true;
    this.state = 'starting';
    this.finished = this.run().finally(() => {
      this.state = 'stopped';
      this.finished = null;
    });
  }

  /** Finishes the batch in hand (a retry backoff is cut short), releases the lease, resolves when stopped. */
  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.finished) return;
    this.stopping = true;
    this.releaseOnStop = options.releaseLease ?? true;
    if (this.state !== 'stopped') this.state = 'stopping';
    this.wake();
    await this.finished;
  }

  status(): ProcessorRunnerStatus {
    return {
      processor: this.key.name,
      version: this.key.version,
      owner: this.owner,
      state: this.state,
      checkpoint: this.checkpoint,
      eventsProcessed: this.eventsProcessed,
      eventsParked: this.eventsParked,
      lastBatchAt: this.lastBatchAt,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    let unlisten: (() => Promise<void>) | null = null;
    let active = false;
    // A notification started this busy period: events it announced may still be held back.
    let woken = false;
    while (!this.stopping) {
      // Listening can fail while the database is down; the poll carries on until it works.
      unlisten ??= await this.client.listen(EVENTS_CHANNEL, () => this.wake()).catch((error: unknown) => {
        this.report('warn', 'cannot LISTEN for new events (polling instead)', error);
        return null;
      });
      try {
        if (active && this.leaseLost) {
          active = false;
          this.becomeStandby('lost the lease (renewal failed)');
        }
        if (!active) {
          if (!(await this.lease.tryAcquire())) {
            this.state = 'standby';
            await this.sleep(Math.min(this.pollMs, this.leaseMs / 3));
            continue;
          }
          active = true;
          await this.becomeActive();
          if (this.stopping) break;
        }
        this.notified = false;
        this.lastReadAt = Date.now();
        const page = await readLogPage(this.store, this.readFrom as GlobalCheckpoint, this.batchSize, this.processor.eventTypes);
        if (page.events.length > 0) await this.processPage(page);
        else if (page.scanned > 0) this.pass(page);
        if (this.passedUncommitted > 0 && this.passedCommitDue()) await this.commit(this.readFrom as GlobalCheckpoint, 0, noWork);
        // A full page: more is probably waiting, read again at once.
        if (page.scanned === this.batchSize) continue;
        if (this.notified) {
          woken = true;
          await this.linger();
          continue;
        }
        if (woken) {
          woken = await this.eventsHeldBack();
          if (woken) {
            await this.linger();
            continue;
          }
        }
        woken = (await this.sleep(this.pollMs)) === 'notified';
        if (woken) await this.linger();
      } catch (error) {
        if (error instanceof StopRequested) break;
        if (error instanceof LeaseLostError) {
          active = false;
          this.becomeStandby('lost the lease (fenced at commit)');
          continue;
        }
        if (error instanceof CheckpointConflictError) {
          // Another instance committed under us (we were paused past our lease): start over from
          // the stored checkpoint, and as a standby unless the lease is still ours.
          this.report('warn', 'checkpoint moved under this instance; reloading it', error);
          active = false;
          this.becomeStandby('checkpoint conflict');
          continue;
        }
        this.lastError = errorMessage(error);
        this.report('error', 'batch failed; retrying after the poll interval', error);
        await this.sleep(this.pollMs);
      }
    }
    this.stopRenewing();
    if (active && this.releaseOnStop) {
      if (this.passedUncommitted > 0 && !this.leaseLost) {
        await this.commit(this.readFrom as GlobalCheckpoint, 0, noWork).catch((error: unknown) => this.report('warn', 'could not commit the checkpoint past the last events read', error));
      }
      await this.lease.release().catch((error: unknown) => this.report('warn', 'could not release the lease', error));
    }
    await unlisten?.().catch((error: unknown) => this.report('warn', 'could not UNLISTEN', error));
  }

  private async becomeActive(): Promise<void> {
    this.leaseLost = false;
    this.state = 'active';
    this.startRenewing();
    this.checkpoint = (await ensureCheckpoint(this.client, this.key)).checkpoint;
    this.readFrom = this.checkpoint;
    this.forgetPassed();
    this.report('info', 'acquired the lease; active');
  }

  private becomeStandby(reason: string): void {
    this.stopRenewing();
    this.checkpoint = null;
    this.readFrom = null;
    this.forgetPassed();
    this.state = 'standby';
    this.report('warn', `${reason}; standing by`);
  }

  private startRenewing(): void {
    this.stopRenewing();
    const every = Math.max(1, Math.floor(this.leaseMs / 3));
    this.renewTimer = setInterval(() => {
      // A batch committed since the last tick extended the lease in its fence: nothing to do.
      if (Date.now() - this.leaseExtendedAt < every) return;
      this.lease.renew().then(
        (held) => {
          if (held || this.stopping) return;
          this.leaseLost = true;
          this.wake();
        },
        // The database is unreachable: keep trying; if it stays so past the expiry, the commit fence refuses.
        (error: unknown) => this.report('warn', 'lease renewal failed', error),
      );
    }, every);
    this.renewTimer.unref();
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = null;
  }

  /**
   * Whole page in one transaction; on an apply failure, one event per transaction to isolate
   * it. Only for pages with events of the processor's types (the others are passed, see pass()).
   */
  private async processPage(page: EventPage): Promise<void> {
    const batch = page.events;
    try {
      await this.commit(page.end, page.scanned, (tx) => this.applyTo(tx, batch));
      await this.afterCommit(batch);
      return;
    } catch (error) {
      if (!(error instanceof ProcessorApplyError)) throw error;
      this.report('warn', `batch of ${batch.length} failed; applying its events one by one`, error.cause);
    }
    for (const event of batch) {
      if (this.stopping) throw new StopRequested();
      await this.processOne(event);
    }
    // The page's events of other types: nothing to apply; move (and count) the checkpoint past them.
    if (page.scanned > batch.length) await this.commit(page.end, page.scanned - batch.length, noWork);
  }

  /**
   * A page with no event of the processor's types changes no read model: read on past it and
   * leave the checkpoint behind, to be moved by the next batch's commit or, failing that, once
   * passedCommitDue(). Safe: after a crash or takeover the page is read again and again has
   * nothing to apply.
   */
  private pass(page: EventPage): void {
    this.readFrom = page.end;
    this.passedUncommitted += page.scanned;
    this.passedSince ??= Date.now();
  }

  /**
   * Events passed without a commit are committed past at the latest after a page's worth or a
   * poll interval, so a processor whose types are rare still shows no lag (consumer lag, `kafka
   * lag`) and a restart does not re-read much.
   */
  private passedCommitDue(): boolean {
    return this.passedUncommitted >= this.batchSize || Date.now() - (this.passedSince ?? Date.now()) >= this.pollMs;
  }

  private forgetPassed(): void {
    this.passedUncommitted = 0;
    this.passedSince = null;
  }

  private async processOne(event: RecordedEvent): Promise<void> {
    let attempts = 0;
    let firstFailedAt: Date | null = null;
    for (;;) {
      try {
        await this.commit(checkpointOf(event), 1, (tx) => this.applyTo(tx, [event]));
        await this.afterCommit([event]);
        return;
      } catch (error) {
        if (!(error instanceof ProcessorApplyError)) throw error;
        attempts += 1;
        firstFailedAt ??= new Date();
        this.lastError = errorMessage(error.cause);
        if (attempts >= this.retry.maxAttempts) {
          await this.park(event, errorMessage(error.cause), attempts, firstFailedAt, new Date());
          return;
        }
        this.report('warn', `attempt ${attempts} of ${this.retry.maxAttempts} failed`, error.cause, event.eventId);
        await this.sleep(backoffDelayMs(this.retry, attempts), { ignoreNotify: true });
        if (this.stopping) throw new StopRequested();
      }
    }
  }

  private async park(
    event: RecordedEvent,
    error: string,
    attempts: number,
    firstFailedAt: Date,
    lastFailedAt: Date,
  ): Promise<void> {
    await this.commit(checkpointOf(event), 1, (tx) => parkEvent(tx, this.key, event, { error, attempts, firstFailedAt, lastFailedAt }));
    this.eventsParked += 1;
    this.report('error', `parked in the DLQ after ${attempts} attempts: ${error}`, undefined, event.eventId);
  }

  /**
   * One fenced transaction: checkpoint compare-and-set first (locks the checkpoint row, so a
   * concurrent committer waits and then fails), then the work, then the lease fence right before
   * COMMIT (a lease lost during a long batch rolls the batch back).
   */
  private async commit(
    next: GlobalCheckpoint,
    eventsPassed: number,
    work: (tx: SqlExecutor) => Promise<void>,
  ): Promise<void> {
    const expected = this.checkpoint as GlobalCheckpoint;
    // The events passed since the last commit lie between `expected` and `next`: counted here.
    const passed = eventsPassed + this.passedUncommitted;
    const startedAt = Date.now();
    await this.client.transaction(async (tx) => {
      await advanceCheckpoint(tx, this.key, expected, next, passed);
      await work(tx);
      await this.lease.fence(tx);
    });
    this.leaseExtendedAt = startedAt;
    this.forgetPassed();
    this.checkpoint = next;
    if (isAfter(next, this.readFrom as GlobalCheckpoint)) this.readFrom = next;
    this.eventsProcessed += passed;
    this.lastBatchAt = new Date();
    this.lastError = null;
  }

  /** Tags the processor's own failures; a database that went away is not the event's fault. */
  private async applyTo(tx: SqlExecutor, events: readonly RecordedEvent[]): Promise<void> {
    try {
      await this.processor.apply(tx, events);
    } catch (error) {
      if (isConnectionFailure(error) || this.processor.isTransientFailure?.(error)) throw error;
      throw new ProcessorApplyError(this.key, events.map((event) => event.eventId), error);
    }
  }

  /** The batch is durable; a failing side effect is reported, never re-applies the batch. */
  private async afterCommit(events: readonly RecordedEvent[]): Promise<void> {
    if (!this.processor.afterCommit || events.length === 0) return;
    try {
      await this.processor.afterCommit(events);
    } catch (error) {
      this.report('warn', 'afterCommit failed (the batch is committed)', error);
    }
  }

  private wake(): void {
    this.notified = true;
    this.wakeWaiter?.('notified');
  }

  /** Lets events gather until lingerMs after the last read, so that one read and one commit take them all. */
  private async linger(): Promise<void> {
    const wait = this.lastReadAt + this.lingerMs - Date.now();
    if (wait > 0) await this.sleep(wait, { ignoreNotify: true });
  }

  /**
   * After a commit notification the new events can stay invisible for a while: the gap-free read
   * waits for every older writing transaction in the cluster to end (xmin is cluster-wide), and
   * one that appends no events (another processor's batch) notifies nobody when it ends. While
   * that is so, re-read after a linger rather than a whole poll interval.
   */
  private async eventsHeldBack(): Promise<boolean> {
    if (!this.store.hasHeldBackEvents || this.readFrom === null) return false;
    return this.store.hasHeldBackEvents(this.readFrom).catch(() => false);
  }

  private sleep(ms: number, options: { ignoreNotify?: boolean } = {}): Promise<'notified' | 'timeout' | 'stopped'> {
    if (this.stopping) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const done = (reason: 'notified' | 'timeout' | 'stopped') => {
        clearTimeout(timer);
        this.wakeWaiter = null;
        resolve(reason);
      };
      const timer = setTimeout(() => done('timeout'), ms);
      // A backoff or a linger is cut short only by stop(), not by new events arriving.
      this.wakeWaiter = options.ignoreNotify ? () => (this.stopping ? done('stopped') : undefined) : (reason) => done(this.stopping ? 'stopped' : reason);
    });
  }

  private report(level: 'debug' | 'info' | 'warn' | 'error', message: string, error?: unknown, eventId?: string): void {
    this.log({ level, message, processor: this.key.name, version: this.key.version, owner: this.owner, eventId, error });
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
  return value;
}

const noWork = (): Promise<void> => Promise.resolve();

function isAfter(a: GlobalCheckpoint, b: GlobalCheckpoint): boolean {
  return a.transactionId > b.transactionId || (a.transactionId === b.transactionId && a.globalPosition > b.globalPosition);
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0)) throw new RangeError(`${name} must be ≥ 0, got ${value}`);
  return value;
}

