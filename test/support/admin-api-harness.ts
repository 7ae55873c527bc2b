import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createPostgresClient,
  openPgliteClient,
  runMigrations,
  SqlEventStore,
  type SqlClient,
} from '@caracal/event-store';
import { createGatewayApp } from '../../apps/gateway/src/runtime/create-gateway-app.js';
import { gatewayDependencies } from '../../apps/gateway/src/runtime/gateway-dependencies.js';
import { adminProjection } from '../../apps/gateway/src/read-models/admin.projection.js';
import type { GatewayDependencies } from '../../apps/gateway/src/app.module.js';
import { loadConfig } from '@caracal/config';
import { createTestDatabase } from './postgres-test-database.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token';

export interface AdminApiHarness {
  app: NestFastifyApplication;
  client: SqlClient;
  deps: GatewayDependencies;
  baseUrl: string;
  /** HTTP call with the admin token (unless headers override it). */
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * A gateway app over a fresh store: in-memory PGlite, or a PostgreSQL database of its own.
 * `env` is read like the process environment (upstream URLs, pricebook, TTLs...); `wrapClient`
 * lets a test observe the real client the app uses (test/support/sql-probe.ts).
 */
export async function startAdminApi(
  backend: 'pglite' | 'postgres',
  env: Record<string, string> = {},
  options: { wrapClient?: (client: SqlClient) => SqlClient } = {},
): Promise<AdminApiHarness> {
  let client: SqlClient;
  let dropDatabase = async (): Promise<void> => {};
  if (backend === 'pglite') {
    client = await openPgliteClient({});
  } else {
    const db = await createTestDatabase('admin_api');
    client = createPostgresClient({ connectionString: db.url, max: 5 });
    dropDatabase = db.drop;
  }
  await runMigrations(client);
  if (options.wrapClient) client = options.wrapClient(client);
  const config = loadConfig({ CARACAL_PROFILE: 'embedded', ...env });
  const deps = await gatewayDependencies(config, { client, store: new SqlEventStore(client, { inlineProjections: [adminProjection] }) }, TEST_ADMIN_TOKEN);
  const app = await createGatewayApp(deps, ['error']);
  // Real HTTP on a free port (light-my-request's inject cannot load under Jest's ESM mode).
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    app,
    client,
    deps,
    baseUrl,
    async call(method, url, body, headers = {}) {
      const response = await fetch(`${baseUrl}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null, headers: Object.fromEntries(response.headers) };
    },
    async close() {
      await app.close();
      await deps.dispatchers.close();
      deps.redis?.disconnect();
      await client.close();
      await dropDatabase();
    },
  };
}
