import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { pendingMigrations, type SqlClient } from '../../../../libs/event-store/src/index.js';
import { SQL_CLIENT } from '../injection-tokens.js';
import { PublicRoute } from '../http/public-route.decorator.js';

interface Check {
  status: 'ok' | 'unavailable';
  error?: string;
  [key: string]: unknown;
}

/** 200 only when the gateway can enforce: the database answers and its schema is current. */
@ApiTags('health')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(@Inject(SQL_CLIENT) private readonly sql: SqlClient) {}

  @Get('health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const database = await this.databaseCheck();
    const migrations: Check = database.status === 'ok' ? await this.migrationsCheck() : { status: 'unavailable', error: 'database unavailable' };
    const healthy = database.status === 'ok' && migrations.status === 'ok';
    await reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'unavailable', checks: { database, migrations } });
  }

  private async databaseCheck(): Promise<Check> {
    const started = process.hrtime.bigint();
    try {
      await this.sql.query('SELECT 1');
      return { status: 'ok', backend: this.sql.backend, latencyMs: Number(process.hrtime.bigint() - started) / 1e6 };
    } catch (error) {
      return { status: 'unavailable', backend: this.sql.backend, error: (error as Error).message };
    }
  }

  private async migrationsCheck(): Promise<Check> {
    try {
      const pending = await pendingMigrations(this.sql);
      return pending.length === 0 ? { status: 'ok' } : { status: 'unavailable', error: `pending migrations: ${pending.join(', ')}` };
    } catch (error) {
      return { status: 'unavailable', error: (error as Error).message };
    }
  }
}
