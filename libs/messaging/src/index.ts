export { createKafka } from './kafka-client.js';
export { KafkaUnavailableError } from './kafka.errors.js';
export { EVENT_HEADERS, fromMessage, toMessage, UndecodableMessageError } from './event-message.js';
export { dlqTopicOf, ensureEventTopics } from './event-topics.js';
export { createKafkaRelay, KAFKA_RELAY, produceRequests, type KafkaRelay, type KafkaRelayOptions } from './kafka-relay.processor.js';
export { KafkaConsumerGroup, type KafkaConsumerGroupOptions, type KafkaConsumerGroupStatus } from './kafka-consumer-group.js';
export { kafkaConsumerLag, type KafkaConsumerLag, type KafkaConsumerLagOptions, type KafkaGroupMember, type KafkaPartitionLag } from './kafka-consumer-lag.js';
export { deleteKafkaConsumerPositions } from './kafka-consumer-positions.js';
