import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, DomainError, type Decider } from '@caracal/domain';
import {
  newEventId,
  WrongExpectedVersionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '@caracal/event-store';
import { EVENT_STORE } from '../injection-tokens.js';

/** The shape every domain event has: a discriminating type, a schema version and JSON data. */
export interface DomainEventLike {
  type: string;
  schemaVersion: number;
  data: object;
}

/** What loading a stream needs of its decider (@caracal/domain's agentDecider, allowlistDecider, ...). */
export type Aggregate<S, E extends DomainEventLike> = Pick<Decider<S, never, E>, 'initialState' | 'evolve'>;

export interface CommandContext {
  actor: string;
  correlationId: string;
}

export interface Decided<S> {
  state: S;
  recorded: RecordedEvent[];
}

/**
 * Two admins (or two processes) changing one stream at once: retry a while, with a random pause
 * to break lockstep. Budget streams do not come here: their policy commands join the stream's
 * writer queue (BudgetStreamCommandQueue), because the gateway's admissions would keep winning the version.
 */
const MAX_ATTEMPTS = 20;
const MAX_BACKOFF_MS = 50;

/**
 * Load → decide → append with the loaded version as the expected one. Another writer winning
 * the race makes the append fail with WrongExpectedVersion: reload and decide again, then
 * report a conflict rather than spin forever.
 */
@Injectable()
export class AggregateRepository {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load<S, E extends DomainEventLike>(streamId: string, aggregate: Aggregate<S, E>): Promise<{ state: S; version: bigint }> {
    const events = await this.store.readStream(streamId);
    let state = aggregate.initialState;
    for (const event of events) state = aggregate.evolve(state, toDomainEvent<E>(event));
    return { state, version: BigInt(events.length) };
  }

  async execute<S, E extends DomainEventLike>(
    streamId: string,
    aggregate: Aggregate<S, E>,
    decide: (state: S) => E[] | DomainError,
    context: CommandContext,
  ): Promise<Decided<S>> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const { state, version } = await this.load(streamId, aggregate);
      const decision = decide(state);
      if (decision instanceof DomainError) throw decision;
      if (decision.length === 0) return { state, recorded: [] };

      const newEvents: NewEvent[] = decision.map((event) => ({
        eventId: newEventId(),
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data as Record<string, unknown>,
        metadata: { actor: context.actor, correlationId: context.correlationId },
      }));
      let recorded: RecordedEvent[] = [];
      try {
        await this.store.append(streamId, newEvents, {
          expected: version === 0n ? 'no_stream' : version,
          // The store projects the admin read models in this transaction (adminProjection).
          inTransaction: async (_tx, _result, events) => {
            recorded = [...events];
          },
        });
      } catch (error) {
        if (error instanceof WrongExpectedVersionError && attempt < MAX_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)));
          continue;
        }
        if (error instanceof WrongExpectedVersionError) {
          throw new ConflictError(`${streamId} kept changing concurrently; retry the request`);
        }
        throw error;
      }
      return { state: decision.reduce(aggregate.evolve, state), recorded };
    }
    throw new ConflictError(`${streamId} kept changing concurrently; retry the request`);
  }
}

function toDomainEvent<E extends DomainEventLike>(event: RecordedEvent): E {
  return { type: event.type, schemaVersion: event.schemaVersion, data: event.data } as unknown as E;
}
