import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { recordDenials, type SpendDenial } from '@caracal/domain';
import type { EventStore } from '@caracal/event-store';
import { EVENT_STORE } from '../injection-tokens.js';

export const DENIALS_STREAM = 'denials';
const FLUSH_EVERY_MS = 500;
const FLUSH_AT = 200;
const MAX_BUFFERED = 10_000;

/**
 * Denials are facts worth keeping (an auditor asks "what was refused?") but must not slow the
 * refusal itself: they are buffered and appended in batches, off the request path.
 */
@Injectable()
export class DenialRecorder implements OnModuleDestroy {
  private readonly logger = new Logger('DenialRecorder');
  private buffer: SpendDenial[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  record(denial: SpendDenial): void {
    if (this.buffer.length >= MAX_BUFFERED) return; // store down for long: keep serving refusals
    this.buffer.push(denial);
    if (this.buffer.length >= FLUSH_AT) void this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      try {
        const events = recordDenials(batch).map((event) => ({
          eventId: randomUUID(), type: event.type, schemaVersion: event.schemaVersion,
          data: event.data as unknown as Record<string, unknown>, metadata: { actor: 'gateway' },
        }));
        await this.store.append(DENIALS_STREAM, events, { expected: 'any' });
      } catch (error) {
        this.logger.warn(`could not record ${batch.length} denials: ${(error as Error).message}`);
      }
    });
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }
}
