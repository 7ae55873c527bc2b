import type { Kafka } from 'kafkajs';

/** The DLQ topic of an event topic: where consumer groups send the events they parked. */
export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * Creates the event topic (with `partitions` partitions) and its DLQ topic when missing. Optional
 * by design: a cluster that refuses CreateTopics (no ACL, or the librdkafka mock broker the tests
 * use) still works if the topics exist or are auto-created on first produce; the caller is told
 * why creation failed, once.
 */
export async function ensureEventTopics(kafka: Kafka, topic: string, partitions: number): Promise<{ created: boolean; warning: string | null }> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions },
        { topic: dlqTopicOf(topic), numPartitions: 1 },
      ],
    });
    return { created, warning: null };
  } catch (error) {
    return {
      created: false,
      warning: `could not create the topics ${topic} and ${dlqTopicOf(topic)} (${(error as Error).message}); relying on their existence or the broker's auto-creation (docs/kafka.md)`,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
