import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { LogLevel } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AppModule, type GatewayDependencies } from '../app.module.js';
import { parseAdminJson } from '../http/admin-json-body.js';
import { answerClientError } from '../http/client-error.handler.js';
import { ErrorResponseFilter } from '../http/error-response.filter.js';
import { requestValidationPipe } from '../http/request-validation.pipe.js';
import { answerRouterError } from '../http/router-error.handler.js';
import { StorableInputPipe } from '../http/storable-input.pipe.js';
import { ProxyService } from '../proxy/proxy.service.js';
import { ProcessingStatus } from '../operations/processing-status.js';

const ADMIN_BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the Nest app (not listening yet) around an opened store. */
export async function createGatewayApp(deps: GatewayDependencies, logLevels: LogLevel[] = ['error', 'warn']): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    genReqId: () => randomUUID(),
    bodyLimit: ADMIN_BODY_LIMIT_BYTES,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerRouterError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(deps), adapter, { logger: logLevels });
  app.useBodyParser('application/json', { bodyLimit: ADMIN_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, parseAdminJson(body)));
  app.useGlobalFilters(new ErrorResponseFilter());
  // In this order: unstorable text and prototype keys are refused before class-transformer sees them.
  app.useGlobalPipes(new StorableInputPipe(), requestValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  // A callback hook, not an async one: it runs on every request, the proxy's included.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Caracal-Request-Id', request.id);
    done();
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Caracal Core admin API')
      .setDescription('Agents, budget policies and allowlists. Money is a decimal string.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  const processing = app.get(ProcessingStatus);
  deps.metrics.observeProcessingWith(async () => ({
    dlqSize: await processing.dlq.size(),
    lags: (await Promise.all(processing.groups().map((group) => processing.lagByPartition(group)))).flat(),
  }));

  // The proxy routes live in their own Fastify scope: bodies arrive as raw streams (priced and
  // forwarded by ProxyService, never parsed by the admin API's JSON parser), and the admin guard
  // does not apply (agents authenticate with their own keys).
  const proxy = app.get(ProxyService);
  await app.getHttpAdapter().getInstance().register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request: FastifyRequest, payload: IncomingMessage, done: (error: Error | null, body?: unknown) => void) => done(null, payload));
    scope.all('/proxy', (request: FastifyRequest, reply: FastifyReply) => proxy.handle(request, reply));
    scope.all('/proxy/*', (request: FastifyRequest, reply: FastifyReply) => proxy.handle(request, reply));
  });

  // Served by Fastify directly: the document is public and must not depend on the admin guard.
  fastify.get('/v1/openapi.json', async () => document);

  await app.init();
  return app;
}
