import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ConfigError } from './config.error.js';

export type Profile = 'embedded' | 'production';

export interface DatabaseConfig {
  url: string | null;
  poolSize: number;
  /** Extra connections allowed above poolSize under burst (runbook `database.max_overflow`). */
  maxOverflow: number;
  readReplicaUrl: string | null;
  connectionTimeoutMillis: number;
}

export interface UpstreamConfig {
  name: string;
  /** Where requests are sent (overridable, e.g. to a regional endpoint or a test server). */
  baseUrl: string;
  /**
   * The provider's public URL: allowlists and prices are matched against it, so the runbook's
   * `^https://api\\.openai\\.com/.*$` keeps meaning "OpenAI" wherever baseUrl points.
   */
  identityUrl: string;
  provider: 'openai' | 'anthropic';
  /** Injected by the gateway; agents never hold it. Never logged. */
  credential: string | null;
}

export interface ProxyConfig {
  upstreams: Record<string, UpstreamConfig>;
  maxRequestBytes: number;
  upstreamTimeoutMs: number;
  /** How long a hold stays open before it expires (charged at the held amount). */
  reservationTtlMs: number;
}

export interface MerkleConfig {
  /** CARACAL_MERKLE_SIGNING_KEY_FILE: PEM file (mode 0600/0400); wins over the env PEM. */
  signingKeyFile: string | null;
  /** CARACAL_MERKLE_SIGNING_KEY: the private key PEM itself. Never logged. */
  signingKeyPem: string | null;
  /** CARACAL_MERKLE_BATCH_LEAVES: N, leaves per sealed batch (default 1000). */
  batchLeaves: number;
  /** CARACAL_MERKLE_MAX_BATCH_AGE_MS: T, a non-empty batch older than this closes (default 5000). */
  maxBatchAgeMs: number;
  /** CARACAL_EVENT_AUTH_KEY_FILE: the event authentication key (64 hex digits, mode 0600/0400); wins over the env key. */
  eventKeyFile: string | null;
  /** CARACAL_EVENT_AUTH_KEY: the event authentication key itself, 64 hex digits. Never logged. */
  eventKeyHex: string | null;
  /**
   * CARACAL_EVENT_AUTH_ACCEPTED_KEYS: more keys (64 hex digits each, comma-separated) the sealer
   * accepts tags under but writers never tag with: the old key after a rotation, the next one
   * before it (docs/runbook.md, "Event Key Rotation"). Never logged.
   */
  eventAcceptedKeysHex: string[];
}

/** Kafka client settings (docs/kafka.md); brokers empty when no Kafka is configured. */
export interface KafkaConfig {
  /** KAFKA_BROKERS / kafka.brokers: comma-separated host:port. */
  brokers: string[];
  /** CARACAL_KAFKA_CLIENT_ID / kafka.client_id (default caracal). */
  clientId: string;
  /** CARACAL_KAFKA_TOPIC / kafka.topic: the event topic (default caracal.events); its DLQ is `<topic>.dlq`. */
  topic: string;
  /** CARACAL_KAFKA_PARTITIONS / kafka.partitions: partitions of the event topic when the relay creates it (default 12). */
  partitions: number;
  /** CARACAL_KAFKA_SESSION_TIMEOUT_MS / kafka.session_timeout_ms: a consumer silent this long leaves its group and its partitions move (default 30000). */
  sessionTimeoutMs: number;
  /**
   * CARACAL_KAFKA_PARTITIONS_CONCURRENTLY / kafka.partitions_concurrently: partitions a consumer
   * group member handles at the same time, each batch in its own transaction; never two batches
   * of one partition (default 4).
   */
  partitionsConcurrently: number;
  /** CARACAL_KAFKA_SSL / kafka.ssl: TLS to the brokers (default false). */
  ssl: boolean;
  /** CARACAL_KAFKA_SASL_MECHANISM / kafka.sasl.mechanism: plain, scram-sha-256 or scram-sha-512; null: no SASL. */
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | null;
}

export type Bus = 'event-store' | 'kafka';

export interface CaracalConfig {
  profile: Profile;
  /**
   * CARACAL_BUS / bus: what the ledger writer and metrics aggregator consume. event-store (default):
   * the store's global log; kafka: the relay's topic, as consumer groups (docs/kafka.md).
   */
  bus: Bus;
  kafka: KafkaConfig;
  host: string;
  port: number;
  /**
   * CARACAL_GATEWAY_PEER_URL: where the other gateway processes of a deployment reach this one, to
   * forward the commands of a budget stream it owns (docs/gateway.md, "One writer per hot budget").
   * null: http://host:port when the host is a specific address; a process listening on every
   * address and told no URL forwards to owners but never owns.
   */
  peerUrl: string | null;
  /** Embedded profile: PGlite data, admin token and gateway.json live here. */
  dataDir: string;
  database: DatabaseConfig;
  /** null in the embedded profile until the data dir provides one. */
  adminToken: string | null;
  metricsPort: number;
  /** Hot spending counters (production profile); null: none. */
  redisUrl: string | null;
  /** Run the processors in this process (the embedded default does; production uses apps/projector). */
  runProcessors: boolean;
  /** Which processors to run by name (consumer group); null: all. */
  processors: string[] | null;
  /** How long an active processor instance's lease lasts before a standby may take over. */
  processorLeaseMs: number;
  /** CARACAL_PROCESSOR_LINGER_MS: how long a processor gathers events after a commit notification before it reads (default 250). */
  processorLingerMs: number;
  /** null: the pricebook shipped in the repository (pricebook/pricebook.json). */
  pricebookPath: string | null;
  /** CARACAL_SNAPSHOT_KEEP: read-model snapshots kept, newest first, after each `snapshot create` (0: all). */
  snapshotKeep: number;
  /**
   * CARACAL_SNAPSHOT_BUSY_PERCENT: the share of its run a `snapshot create` keeps the database
   * busy, pausing between chunks for the rest (100: no pauses; docs/recovery.md).
   */
  snapshotBusyPercent: number;
  /** CARACAL_BACKUP_DIR: where `backup create` writes (default `<data dir>/backups`; docs/recovery.md, "Backups"). */
  backupDir: string;
  proxy: ProxyConfig;
  /** The merkle-sealer's signing key and batch sizes (docs/sealing.md). */
  merkle: MerkleConfig;
}

interface YamlConfig {
  profile?: unknown;
  host?: unknown;
  port?: unknown;
  data_dir?: unknown;
  backup_dir?: unknown;
  admin_token?: unknown;
  bus?: unknown;
  kafka?: {
    brokers?: unknown;
    client_id?: unknown;
    topic?: unknown;
    partitions?: unknown;
    session_timeout_ms?: unknown;
    partitions_concurrently?: unknown;
    ssl?: unknown;
    sasl?: { mechanism?: unknown; username?: unknown; password?: unknown };
  };
  database?: {
    url?: unknown;
    pool_size?: unknown;
    max_overflow?: unknown;
    read_replica_url?: unknown;
    connection_timeout_ms?: unknown;
  };
}

/**
 * Environment variables win over the optional YAML file named by CARACAL_CONFIG, which wins over
 * defaults. Choosing `production` is explicit or implied by DATABASE_URL; everything else runs
 * embedded so that `npm start` needs no services.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CaracalConfig {
  const file = env.CARACAL_CONFIG ? readYaml(env.CARACAL_CONFIG) : {};
  const db = file.database ?? {};

  const databaseUrl = text(env.DATABASE_URL, 'DATABASE_URL') ?? text(db.url, 'database.url');
  const profile = parseProfile(env.CARACAL_PROFILE ?? file.profile ?? (databaseUrl ? 'production' : 'embedded'));
  if (profile === 'production' && !databaseUrl) {
    throw new ConfigError('DATABASE_URL', 'the production profile needs DATABASE_URL (or database.url in CARACAL_CONFIG)');
  }

  const kafka = kafkaConfig(env, file);
  const bus = parseBus(env.CARACAL_BUS ?? file.bus ?? 'event-store');
  if (bus === 'kafka' && kafka.brokers.length === 0) {
    throw new ConfigError('KAFKA_BROKERS', 'CARACAL_BUS=kafka needs KAFKA_BROKERS (or kafka.brokers in CARACAL_CONFIG)');
  }
  const dataDir = resolve(text(env.CARACAL_DATA_DIR, 'CARACAL_DATA_DIR') ?? text(file.data_dir, 'data_dir') ?? '.caracal');
  return {
    profile,
    bus,
    kafka,
    host: text(env.CARACAL_HOST, 'CARACAL_HOST') ?? text(file.host, 'host') ?? (profile === 'embedded' ? '127.0.0.1' : '0.0.0.0'),
    port: integer(env.CARACAL_PORT ?? file.port, 'CARACAL_PORT', 8443, 0, 65535),
    peerUrl: httpUrl(env.CARACAL_GATEWAY_PEER_URL, 'CARACAL_GATEWAY_PEER_URL'),
    dataDir,
    database: {
      url: databaseUrl,
      poolSize: integer(env.CARACAL_DATABASE_POOL_SIZE ?? db.pool_size, 'database.pool_size', 10, 1, 1000),
      maxOverflow: integer(env.CARACAL_DATABASE_MAX_OVERFLOW ?? db.max_overflow, 'database.max_overflow', 0, 0, 1000),
      readReplicaUrl: text(env.CARACAL_DATABASE_READ_REPLICA_URL, 'CARACAL_DATABASE_READ_REPLICA_URL') ?? text(db.read_replica_url, 'database.read_replica_url'),
      connectionTimeoutMillis: integer(env.CARACAL_DATABASE_CONNECT_TIMEOUT_MS ?? db.connection_timeout_ms, 'database.connection_timeout_ms', 5000, 100, 120000),
    },
    adminToken: text(env.CARACAL_ADMIN_TOKEN, 'CARACAL_ADMIN_TOKEN') ?? text(file.admin_token, 'admin_token'),
    metricsPort: integer(env.CARACAL_METRICS_PORT, 'CARACAL_METRICS_PORT', 9090, 0, 65535),
    pricebookPath: text(env.CARACAL_PRICEBOOK, 'CARACAL_PRICEBOOK'),
    redisUrl: text(env.REDIS_URL, 'REDIS_URL'),
    runProcessors: flag(env.CARACAL_RUN_PROCESSORS, 'CARACAL_RUN_PROCESSORS', profile === 'embedded'),
    processors: list(env.CARACAL_PROCESSORS, 'CARACAL_PROCESSORS'),
    processorLeaseMs: integer(env.CARACAL_PROCESSOR_LEASE_MS, 'CARACAL_PROCESSOR_LEASE_MS', 15_000, 1000, 600_000),
    processorLingerMs: integer(env.CARACAL_PROCESSOR_LINGER_MS, 'CARACAL_PROCESSOR_LINGER_MS', 250, 0, 10_000),
    snapshotKeep: integer(env.CARACAL_SNAPSHOT_KEEP, 'CARACAL_SNAPSHOT_KEEP', 10, 0, 10_000),
    snapshotBusyPercent: integer(env.CARACAL_SNAPSHOT_BUSY_PERCENT, 'CARACAL_SNAPSHOT_BUSY_PERCENT', 20, 1, 100),
    backupDir: resolve(text(env.CARACAL_BACKUP_DIR, 'CARACAL_BACKUP_DIR') ?? text(file.backup_dir, 'backup_dir') ?? join(dataDir, 'backups')),
    proxy: {
      upstreams: {
        openai: {
          name: 'openai',
          provider: 'openai',
          baseUrl: httpUrl(env.CARACAL_UPSTREAM_OPENAI_URL, 'CARACAL_UPSTREAM_OPENAI_URL') ?? OPENAI_URL,
          identityUrl: OPENAI_URL,
          credential: text(env.OPENAI_API_KEY, 'OPENAI_API_KEY'),
        },
        anthropic: {
          name: 'anthropic',
          provider: 'anthropic',
          baseUrl: httpUrl(env.CARACAL_UPSTREAM_ANTHROPIC_URL, 'CARACAL_UPSTREAM_ANTHROPIC_URL') ?? ANTHROPIC_URL,
          identityUrl: ANTHROPIC_URL,
          credential: text(env.ANTHROPIC_API_KEY, 'ANTHROPIC_API_KEY'),
        },
      },
      maxRequestBytes: integer(env.CARACAL_PROXY_MAX_REQUEST_BYTES, 'CARACAL_PROXY_MAX_REQUEST_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      upstreamTimeoutMs: integer(env.CARACAL_UPSTREAM_TIMEOUT_MS, 'CARACAL_UPSTREAM_TIMEOUT_MS', 300_000, 100, 3_600_000),
      reservationTtlMs: integer(env.CARACAL_RESERVATION_TTL_MS, 'CARACAL_RESERVATION_TTL_MS', 900_000, 100, 86_400_000),
    },
    merkle: {
      signingKeyFile: text(env.CARACAL_MERKLE_SIGNING_KEY_FILE, 'CARACAL_MERKLE_SIGNING_KEY_FILE'),
      signingKeyPem: text(env.CARACAL_MERKLE_SIGNING_KEY, 'CARACAL_MERKLE_SIGNING_KEY'),
      batchLeaves: integer(env.CARACAL_MERKLE_BATCH_LEAVES, 'CARACAL_MERKLE_BATCH_LEAVES', 1000, 1, 1_000_000),
      maxBatchAgeMs: integer(env.CARACAL_MERKLE_MAX_BATCH_AGE_MS, 'CARACAL_MERKLE_MAX_BATCH_AGE_MS', 5000, 0, 86_400_000),
      eventKeyFile: text(env.CARACAL_EVENT_AUTH_KEY_FILE, 'CARACAL_EVENT_AUTH_KEY_FILE'),
      eventKeyHex: text(env.CARACAL_EVENT_AUTH_KEY, 'CARACAL_EVENT_AUTH_KEY'),
      eventAcceptedKeysHex: hexKeys(env.CARACAL_EVENT_AUTH_ACCEPTED_KEYS, 'CARACAL_EVENT_AUTH_ACCEPTED_KEYS'),
    },
  };
}

const OPENAI_URL = 'https://api.openai.com';
const ANTHROPIC_URL = 'https://api.anthropic.com';

function httpUrl(value: unknown, name: string): string | null {
  const raw = text(value, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, 'must be an http(s) URL');
  }
  return raw.replace(/\/+$/, '');
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  const raw = text(value, name);
  if (raw === null) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got ${JSON.stringify(raw)}`);
}

function list(value: unknown, name: string): string[] | null {
  const raw = text(value, name);
  if (raw === null || raw === 'all') return null;
  return raw.split(',').map((item) => item.trim()).filter(Boolean);
}

/** Comma-separated 32-byte keys in hex; an error names the variable and the item's place, never the key. */
function hexKeys(value: unknown, name: string): string[] {
  const keys = (text(value, name) ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  keys.forEach((key, i) => {
    if (!/^[0-9a-f]{64}$/i.test(key)) throw new ConfigError(name, `item ${i + 1} must be 64 hex digits (32 bytes)`);
  });
  return keys;
}

function readYaml(path: string): YamlConfig {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('CARACAL_CONFIG', `cannot read ${path}: ${(error as Error).message}`);
  }
  // Loaded only when a config file is given: most deployments configure by environment.
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const parsed: unknown = parseYaml(raw);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('CARACAL_CONFIG', `${path} must hold a YAML mapping`);
  }
  return parsed as YamlConfig;
}

function kafkaConfig(env: NodeJS.ProcessEnv, file: YamlConfig): KafkaConfig {
  const yaml = file.kafka ?? {};
  const sasl = yaml.sasl ?? {};
  const mechanism = text(env.CARACAL_KAFKA_SASL_MECHANISM, 'CARACAL_KAFKA_SASL_MECHANISM') ?? text(sasl.mechanism, 'kafka.sasl.mechanism');
  if (mechanism !== null && mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
    throw new ConfigError('CARACAL_KAFKA_SASL_MECHANISM', `must be plain, scram-sha-256 or scram-sha-512, got ${JSON.stringify(mechanism)}`);
  }
  const username = text(env.CARACAL_KAFKA_SASL_USERNAME, 'CARACAL_KAFKA_SASL_USERNAME') ?? text(sasl.username, 'kafka.sasl.username');
  const password = text(env.CARACAL_KAFKA_SASL_PASSWORD, 'CARACAL_KAFKA_SASL_PASSWORD') ?? text(sasl.password, 'kafka.sasl.password');
  if (mechanism !== null && (username === null || password === null)) {
    throw new ConfigError('CARACAL_KAFKA_SASL_USERNAME', 'SASL needs CARACAL_KAFKA_SASL_USERNAME and CARACAL_KAFKA_SASL_PASSWORD');
  }
  const brokers = text(env.KAFKA_BROKERS, 'KAFKA_BROKERS') ?? text(yaml.brokers, 'kafka.brokers');
  const topic = text(env.CARACAL_KAFKA_TOPIC, 'CARACAL_KAFKA_TOPIC') ?? text(yaml.topic, 'kafka.topic') ?? 'caracal.events';
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(topic)) throw new ConfigError('CARACAL_KAFKA_TOPIC', `must be a Kafka topic name (letters, digits, . _ -), got ${JSON.stringify(topic)}`);
  return {
    brokers: brokers === null ? [] : brokers.split(',').map((item) => item.trim()).filter(Boolean),
    clientId: text(env.CARACAL_KAFKA_CLIENT_ID, 'CARACAL_KAFKA_CLIENT_ID') ?? text(yaml.client_id, 'kafka.client_id') ?? 'caracal',
    topic,
    partitions: integer(env.CARACAL_KAFKA_PARTITIONS ?? yaml.partitions, 'CARACAL_KAFKA_PARTITIONS', 12, 1, 10_000),
    sessionTimeoutMs: integer(env.CARACAL_KAFKA_SESSION_TIMEOUT_MS ?? yaml.session_timeout_ms, 'CARACAL_KAFKA_SESSION_TIMEOUT_MS', 30_000, 1_000, 3_600_000),
    partitionsConcurrently: integer(env.CARACAL_KAFKA_PARTITIONS_CONCURRENTLY ?? yaml.partitions_concurrently, 'CARACAL_KAFKA_PARTITIONS_CONCURRENTLY', 4, 1, 64),
    ssl: flag(env.CARACAL_KAFKA_SSL ?? (typeof yaml.ssl === 'boolean' ? String(yaml.ssl) : yaml.ssl), 'CARACAL_KAFKA_SSL', false),
    sasl: mechanism === null ? null : { mechanism, username: username as string, password: password as string },
  };
}

function parseBus(value: unknown): Bus {
  if (value === 'event-store' || value === 'kafka') return value;
  throw new ConfigError('CARACAL_BUS', `must be "event-store" or "kafka", got ${JSON.stringify(value)}`);
}

function parseProfile(value: unknown): Profile {
  if (value === 'embedded' || value === 'production') return value;
  throw new ConfigError('CARACAL_PROFILE', `must be "embedded" or "production", got ${JSON.stringify(value)}`);
}

function text(value: unknown, name: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new ConfigError(name, 'must be a string');
  return value;
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}
