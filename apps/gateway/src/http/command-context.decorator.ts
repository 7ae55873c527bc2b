import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { CommandContext } from '../event-sourcing/aggregate-repository.js';

const ACTOR_HEADER = 'x-caracal-actor';
const ACTOR_PATTERN = /^[\w.@+-]{1,200}$/;

/**
 * Who asked, for the events' metadata: the admin token proves authority, the optional
 * X-Caracal-Actor header names the person (the CLI sends the OS user). The request id becomes
 * the correlation id so a log line, an HTTP answer and the events can be joined.
 */
export const CommandCtx = createParamDecorator((_data: unknown, ctx: ExecutionContext): CommandContext => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const header = request.headers[ACTOR_HEADER];
  const actor = typeof header === 'string' && ACTOR_PATTERN.test(header) ? `admin:${header}` : 'admin';
  return { actor, correlationId: String(request.id) };
});
