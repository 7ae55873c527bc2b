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
