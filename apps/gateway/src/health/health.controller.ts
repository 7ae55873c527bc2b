import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PublicRoute } from '../http/public-route.decorator.js';
import { ProcessingStatus } from '../operations/processing-status.js';

/**
 * Every dependency, for `curl /health`: the database and its schema (without them nothing can be
 * enforced: 503), Redis and the processors' lag and DLQ (degraded is reported, still 200: the
 * gateway enforces from the event store, not from read models).
 */
@ApiTags('health')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(private readonly status: ProcessingStatus) {}

  @Get('health')
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.status.health();
    await reply.status(report.status === 'unavailable' ? 503 : 200).send(report);
  }
}
