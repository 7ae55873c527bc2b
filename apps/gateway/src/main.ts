import 'reflect-metadata';
import { loadConfig } from '@caracal/config';
import { startGateway, type RunningGateway } from './runtime/start-gateway.js';

let config: ReturnType<typeof loadConfig>;
let gateway: RunningGateway;
try {
  config = loadConfig();
  gateway = await startGateway(config, ['error', 'warn']);
} catch (error) {
  // A start-up failure is an operator's problem to fix: say what, not where in our code.
  console.error(`caracal gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const lines = [
  `Caracal gateway (${config.profile}) listening on ${gateway.url}`,
  `  storage:     ${gateway.storageLocation}`,
  `  admin token: ${gateway.adminTokenSource}`,
  `  health:      curl ${gateway.url}/health`,
  `  metrics:     curl ${gateway.metricsUrl}`,
  `  proxy:       ${gateway.url}/proxy/openai/v1 (OpenAI SDK baseURL), ${gateway.url}/proxy/anthropic, ${gateway.url}/proxy + X-Caracal-Target-URL`,
  `  API docs:    ${gateway.url}/v1/openapi.json`,
];
if (config.profile === 'embedded') {
  lines.push(`  CLI:         npx caracal agent list   (run here: it reads ${config.dataDir})`);
}
console.log(lines.join('\n'));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal} received, shutting down`);
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
