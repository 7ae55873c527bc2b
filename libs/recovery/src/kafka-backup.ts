import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Kafka } from 'kafkajs';
import type { SqlExecutor } from '@caracal/event-store';
import { dlqTopicOf, fromMessage, KafkaUnavailableError } from '@caracal/messaging';
import { loadCheckpoint } from '@caracal/processing';
import type { BackupDirectory } from './backup-directory.js';
import type { BackupManifest, KafkaBackupComparison, KafkaBackupContents } from './backup-manifest.js';
import { readLogState } from './backup.create.js';
import { BackupFailedError } from './backup.errors.js';

export interface KafkaBackupSource {
  kafka: Kafka;
  brokers: string[];
  /** The event topic; its DLQ topic is backed up with it. */
  topic: string;
}

/** One message as a line of the backup: every byte kept (base64), offsets as decimal strings. */
interface MessageLine {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  headers: Record<string, string[]>;
  value: string | null;
}

const READ_DEADLINE_MS = 120_000;

/**
 * `backup create --type kafka`: the event topic and its DLQ topic, every partition from its low
 * offset to the high watermark it had when the backup started, as gzip'd JSON lines, with the same
 * manifest and SHA-256 as a database backup. Read by a throwaway consumer group that never commits,
 * so no consumer group's position moves.
 */
export async function createKafkaBackup(sql: SqlExecutor, source: KafkaBackupSource, directory: BackupDirectory, tag: string | null): Promise<BackupManifest> {
  await directory.prepare();
  const backupId = randomUUID();
  const relay = await loadCheckpoint(sql, { name: 'kafka-relay', version: 1 });
  const state = await readLogState(sql);
  const file = `${backupId}.kafka.ndjson.gz`;
  const partial = directory.filePath(`${file}.partial`);
  try {
    const ranges = await topicRanges(source.kafka, [source.topic, dlqTopicOf(source.topic)]);
    const lines = await readTopics(source.kafka, ranges);
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    await pipeline(Readable.from(lines.map((line) => `${JSON.stringify(line)}\n`)), createGzip(), tap, createWriteStream(partial, { mode: 0o600 }));
    await rename(partial, directory.filePath(file));
    const kafka: KafkaBackupContents = {
      brokers: source.brokers,
      topics: ranges.map((range) => ({
        topic: range.topic,
        partitions: range.partitions.map((p) => ({ partition: p.partition, lowOffset: p.low.toString(), highWatermark: p.high.toString(), messages: lines.filter((line) => line.topic === range.topic && line.partition === p.partition).length })),
      })),
      relayPosition: (relay?.checkpoint.globalPosition ?? 0n).toString(),
    };
    const manifest: BackupManifest = {
      format: 1,
      backupId,
      type: 'kafka',
      encoding: 'kafka-topics-ndjson-gzip',
      file,
      tag,
      createdAt: new Date().toISOString(),
      sizeBytes: bytes.toString(),
      sha256: hash.digest('hex'),
      serverVersion: `Kafka (${source.brokers.join(',')})`,
      tool: 'kafkajs consumer (throwaway group, no commits)',
      ...state,
      kafka,
    };
    await directory.writeManifest(manifest);
    return manifest;
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof BackupFailedError) throw error;
    throw new KafkaUnavailableError(error);
  }
}

interface TopicRange {
  topic: string;
  partitions: { partition: number; low: bigint; high: bigint }[];
}

async function topicRanges(kafka: Kafka, topics: readonly string[]): Promise<TopicRange[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics: present } = await admin.fetchTopicMetadata({ topics: [] });
    const names = new Set(present.map((topic) => topic.name));
    const ranges: TopicRange[] = [];
    for (const topic of topics) {
      // The DLQ topic exists only once something was parked.
      if (!names.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      ranges.push({ topic, partitions: offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })).sort((a, b) => a.partition - b.partition) });
    }
    return ranges;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function readTopics(kafka: Kafka, ranges: readonly TopicRange[]): Promise<MessageLine[]> {
  const remaining = new Map<string, bigint>();
  for (const range of ranges) for (const p of range.partitions) if (p.high > p.low) remaining.set(`${range.topic}/${p.partition}`, p.high);
  const lines: MessageLine[] = [];
  if (remaining.size === 0) return lines;
  const consumer = kafka.consumer({ groupId: `caracal-backup-${randomBytes(6).toString('hex')}`, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    for (const range of ranges) await consumer.subscribe({ topic: range.topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}/${batch.partition}`;
        const high = remaining.get(key);
        if (high === undefined) return;
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= high) break;
          lines.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            timestamp: message.timestamp,
            key: message.key ? message.key.toString('base64') : null,
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined).map((v) => Buffer.from(v as Buffer | string).toString('base64'))])),
            value: message.value ? message.value.toString('base64') : null,
          });
        }
        if (BigInt(batch.lastOffset()) + 1n >= high) {
          remaining.delete(key);
          if (remaining.size === 0) finish();
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new BackupFailedError(`the Kafka backup read did not reach the high watermarks within ${READ_DEADLINE_MS / 1000}s (${[...remaining.keys()].join(', ')} unfinished)`)), READ_DEADLINE_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  // The file's order: topic, partition, offset (a re-made backup of the same topics is byte-identical).
  return lines.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))));
}

interface LogRow extends Record<string, unknown> {
  event_id: string;
  event_type: string;
  global_position: string;
  stream_id: string;
  /** The stored RFC 8785 text; compared as the relay sends it (parsed, then JSON.stringify). */
  data_text: string;
}

/**
 * `backup verify` of a Kafka backup: each message of the event topic decoded and compared with the
 * event of the same id in the log (type, position, stream, data), and every log event up to the
 * relay's position at backup time looked for among them.
 */
export async function compareKafkaBackup(sql: SqlExecutor, directory: BackupDirectory, backup: BackupManifest): Promise<KafkaBackupComparison> {
  const eventTopic = backup.kafka?.topics.find((topic) => !topic.topic.endsWith('.dlq'))?.topic ?? null;
  const onTopic = new Map<string, { type: string; position: string; stream: string; data: string }>();
  let messages = 0;
  const notInLog = new Set<string>();
  const lines = createInterface({ input: createReadStream(directory.filePath(backup.file)).pipe(createGunzip()) });
  for await (const text of lines) {
    if (text === '') continue;
    const line = JSON.parse(text) as MessageLine;
    if (line.topic !== eventTopic) continue;
    messages += 1;
    try {
      const event = fromMessage({ value: line.value === null ? null : Buffer.from(line.value, 'base64') });
      onTopic.set(event.eventId, { type: event.type, position: event.globalPosition.toString(), stream: event.streamId, data: JSON.stringify(event.data) });
    } catch {
      notInLog.add(`${line.topic}/${line.partition}/${line.offset}`);
    }
  }
  const relayPosition = backup.kafka?.relayPosition ?? '0';
  const missing: string[] = [];
  const seen = new Set<string>();
  let after = 0n;
  for (;;) {
    const { rows } = await sql.query<LogRow>(
      `SELECT event_id::text AS event_id, event_type, global_position::text AS global_position, stream_id, data_text
         FROM events WHERE global_position > $1::bigint ORDER BY global_position LIMIT 5000`,
      [after.toString()],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const message = onTopic.get(row.event_id);
      if (message) {
        seen.add(row.event_id);
        if (message.type !== row.event_type || message.position !== row.global_position || message.stream !== row.stream_id || message.data !== JSON.stringify(JSON.parse(row.data_text))) notInLog.add(row.event_id);
      } else if (BigInt(row.global_position) <= BigInt(relayPosition)) {
        missing.push(row.event_id);
      }
    }
    after = BigInt(rows[rows.length - 1].global_position);
  }
  for (const eventId of onTopic.keys()) if (!seen.has(eventId)) notInLog.add(eventId);
  return {
    messages,
    events: onTopic.size,
    missingFromTopic: missing.length,
    notInLog: notInLog.size,
    examples: { missingFromTopic: missing.slice(0, 10), notInLog: [...notInLog].slice(0, 10) },
    ok: missing.length === 0 && notInLog.size === 0,
  };
}
