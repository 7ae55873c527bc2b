import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { RecordedEvent } from '@caracal/event-store';

/**
 * One event of the log as a Kafka message (docs/kafka.md, "Topic layout"): keyed by stream id
 * (reservations live on the budget stream of their delegation root, so per-budget order holds in
 * one partition), the whole recorded event as JSON in the value (bigints as decimal strings), the
 * routing facts in headers so a consumer can skip an event without parsing it, and recorded_at as
 * the message timestamp (what the lag's "oldest unconsumed event" age reads).
 */
export const EVENT_HEADERS = {
  eventId: 'caracal-event-id',
  type: 'caracal-event-type',
  schemaVersion: 'caracal-schema-version',
  globalPosition: 'caracal-global-position',
  transactionId: 'caracal-transaction-id',
} as const;

export function toMessage(event: RecordedEvent): Message {
  return {
    key: event.streamId,
    value: JSON.stringify({
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      streamId: event.streamId,
      streamPosition: event.streamPosition.toString(),
      globalPosition: event.globalPosition.toString(),
      transactionId: event.transactionId.toString(),
      recordedAt: event.recordedAt.toISOString(),
      data: event.data,
      metadata: event.metadata,
    }),
    timestamp: String(event.recordedAt.getTime()),
    headers: {
      [EVENT_HEADERS.eventId]: event.eventId,
      [EVENT_HEADERS.type]: event.type,
      [EVENT_HEADERS.schemaVersion]: String(event.schemaVersion),
      [EVENT_HEADERS.globalPosition]: event.globalPosition.toString(),
      [EVENT_HEADERS.transactionId]: event.transactionId.toString(),
    },
  };
}

export function headerText(headers: IHeaders | undefined, name: string): string | null {
  const value = headers?.[name];
  if (value === undefined) return null;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

export class UndecodableMessageError extends Error {
  constructor(reason: string) {
    super(`not a Caracal event message: ${reason}`);
    this.name = 'UndecodableMessageError';
  }
}

interface EventJson {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamPosition: string;
  globalPosition: string;
  transactionId: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export function fromMessage(message: Pick<KafkaMessage, 'value'>): RecordedEvent {
  if (!message.value) throw new UndecodableMessageError('no value');
  let json: EventJson;
  try {
    json = JSON.parse(message.value.toString('utf8')) as EventJson;
    return {
      eventId: json.eventId,
      type: json.type,
      schemaVersion: json.schemaVersion,
      streamId: json.streamId,
      streamPosition: BigInt(json.streamPosition),
      globalPosition: BigInt(json.globalPosition),
      transactionId: BigInt(json.transactionId),
      recordedAt: new Date(json.recordedAt),
      data: json.data,
      metadata: json.metadata,
    };
  } catch (error) {
    throw new UndecodableMessageError((error as Error).message);
  }
}
