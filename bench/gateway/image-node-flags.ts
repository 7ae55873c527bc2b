import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './caracal-processes.js';

/**
 * Node's flags in the Dockerfile's CMD (the gateway's command in the image and the manifests):
 * the benchmark starts the gateway as it is deployed, V8 heap limits included.
 */
export function imageGatewayNodeFlags(): string[] {
  const cmd = /^CMD (\[.*\])\s*$/m.exec(readFileSync(`${REPO_ROOT}Dockerfile`, 'utf8'));
  if (!cmd) throw new Error('Dockerfile: no CMD in exec form');
  const [node, ...args] = JSON.parse(cmd[1]) as string[];
  if (node !== 'node') throw new Error(`Dockerfile: CMD runs ${node}, not node`);
  return args.filter((arg) => arg.startsWith('-'));
}

/** Node's flags in `npm start` (the embedded profile as the README starts it). */
export function npmStartGatewayNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
  const command = /node ((?:-\S+ )*)dist\/apps\/gateway\/src\/main\.js/.exec(start);
  if (!command) throw new Error('package.json: the start script does not run node dist/apps/gateway/src/main.js');
  return command[1].split(' ').filter(Boolean);
}
