/**
 * The broker did not acknowledge (unreachable, timed out, leader moving): a failure of the bus,
 * never of the event. The relay's batch is retried after the poll interval, never parked.
 */
export class KafkaUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Kafka is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'KafkaUnavailableError';
  }
}
