import { DomainError } from '@caracal/domain';

/**
 * The broker did not answer or acknowledge (unreachable, timed out, leader moving): a failure of
 * the bus, never of the event. The relay's batch is retried after the poll interval, never
 * parked; an operator's question (consumer lag, backup) is a 503.
 */
export class KafkaUnavailableError extends DomainError {
  readonly code = 'kafka_unavailable';

  constructor(override readonly cause: unknown) {
    super(`Kafka is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
