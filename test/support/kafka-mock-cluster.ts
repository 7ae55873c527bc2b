import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'kafka-mock', 'kafka-mock-cluster.c');
// dist/ builds (bench) find the source beside the TypeScript one.
const SOURCE_FROM_DIST = SOURCE.replace(`${join('dist', 'test')}`, 'test');

export interface KafkaMockCluster {
  /** bootstrap.servers, e.g. "127.0.0.1:40123". */
  brokers: string[];
  /** Stops every broker: open connections are closed and new ones refused, until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A real Kafka-protocol broker for the tests: librdkafka's mock cluster, run by a small C program
 * (test/support/kafka-mock/kafka-mock-cluster.c) that this compiles once per source version into
 * the temp directory (needs gcc and librdkafka-dev: .ci/run installs them). Topics given here are
 * created up front with their partition counts; others are created on first produce.
 */
export async function startKafkaMockCluster(topics: Record<string, number> = {}, brokers = 1): Promise<KafkaMockCluster> {
  const binary = await buildHelper();
  const child = spawn(binary, [String(brokers), ...Object.entries(topics).map(([topic, partitions]) => `${topic}:${partitions}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const pending: ((line: string) => void)[] = [];
  const first = new Promise<string>((resolve, reject) => {
    pending.push(resolve);
    child.once('exit', (code) => reject(new Error(`kafka-mock-cluster exited with ${code}: ${stderr}`)));
  });
  lines.on('line', (line) => pending.shift()?.(line));
  const bootstrap = await first;
  if (!bootstrap.startsWith('bootstrap ')) throw new Error(`kafka-mock-cluster said: ${bootstrap}`);
  const command = (word: 'down' | 'up') =>
    new Promise<void>((resolve, reject) => {
      pending.push((line) => (line === `ok ${word}` ? resolve() : reject(new Error(`kafka-mock-cluster answered ${line} to ${word}`))));
      child.stdin!.write(`${word}\n`);
    });
  return {
    brokers: bootstrap.slice('bootstrap '.length).split(','),
    down: () => command('down'),
    up: () => command('up'),
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  child.kill('SIGTERM');
  await exited;
}

/** Compiles the helper unless this version of its source is already built (idempotent, race-safe by rename). */
async function buildHelper(): Promise<string> {
  const source = existsSync(SOURCE) ? SOURCE : SOURCE_FROM_DIST;
  const text = await readFile(source);
  const binary = join(tmpdir(), 'caracal-test-helpers', `kafka-mock-cluster-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  await mkdir(dirname(binary), { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  try {
    await run('gcc', ['-O1', '-o', partial, source, '-lrdkafka']);
  } catch (error) {
    throw new Error(`could not build the Kafka mock broker (needs gcc and librdkafka-dev, see .ci/run): ${(error as Error).message}`, { cause: error });
  }
  await rename(partial, binary);
  return binary;
}
