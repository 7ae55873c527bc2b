import type { EventPage, EventStore, GlobalCheckpoint } from '@caracal/event-store';
import { checkpointOf } from './checkpoint-store.js';
import type { Processor } from './processor.js';

/** What processors read the global log with (SqlEventStore over the same database). */
export type LogReader = Pick<EventStore, 'readAll' | 'readAllOfTypes'> & Partial<Pick<EventStore, 'hasHeldBackEvents'>>;

/**
 * The next page of up to maxCount events after `after`: only those of `types` when given (the
 * others are read past, never sent), every event otherwise.
 */
export async function readLogPage(store: LogReader, after: GlobalCheckpoint, maxCount: number, types: readonly string[] | undefined): Promise<EventPage> {
  if (types !== undefined) return store.readAllOfTypes({ after, maxCount, types });
  const events = await store.readAll({ after, maxCount });
  return { events, scanned: events.length, end: events.length === 0 ? after : checkpointOf(events[events.length - 1]) };
}

/** The event types a set of processors reads together: undefined (all) if any of them wants all. */
export function eventTypesOf(processors: readonly Processor[]): readonly string[] | undefined {
  const types = new Set<string>();
  for (const processor of processors) {
    if (processor.eventTypes === undefined) return undefined;
    processor.eventTypes.forEach((type) => types.add(type));
  }
  return [...types];
}
