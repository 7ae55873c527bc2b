import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ValidationError } from '@caracal/domain';
import { StoreUnavailableError, UnstorableTextError, WrongExpectedVersionError } from '@caracal/event-store';
import { InvalidCursorError } from '../read-models/invalid-cursor.error.js';

interface ErrorBody {
  error: string;
  message: string;
  request_id: string;
  details?: { field: string; message: string }[];
}

const DOMAIN_STATUS: Record<string, number> = {
  validation_failed: 400, not_found: 404, conflict: 409, snapshot_corrupt: 422, snapshot_format_unsupported: 422,
  backup_corrupt: 422, backup_type_not_available: 422, backup_unavailable: 503, backup_failed: 500, kafka_unavailable: 503,
};
const HTTP_CODES: Record<number, string> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 405: 'method_not_allowed',
  409: 'conflict', 413: 'payload_too_large', 415: 'unsupported_media_type', 429: 'too_many_requests',
  431: 'request_header_fields_too_large',
};

/**
 * One error shape for every failure: `{error, message, request_id, details?}`. Bad input is a
 * 4xx naming the field; an unreachable store is a 503; anything unexpected is a 500 whose
 * details go to the log only, never to the client.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorResponse');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const [status, body] = this.toResponse(exception, String(request.id));
    void reply.status(status).header('X-Caracal-Request-Id', String(request.id)).send(body);
  }

  private toResponse(exception: unknown, requestId: string): [number, ErrorBody] {
    if (exception instanceof ValidationError) {
      return [400, { error: exception.code, message: exception.message, request_id: requestId, details: [...exception.issues] }];
    }
    if (exception instanceof DomainError) {
      return [DOMAIN_STATUS[exception.code] ?? 409, { error: exception.code, message: exception.message, request_id: requestId }];
    }
    if (exception instanceof InvalidCursorError) {
      return [400, { error: 'validation_failed', message: exception.message, request_id: requestId, details: [{ field: exception.field, message: exception.message }] }];
    }
    if (exception instanceof UnstorableTextError) {
      // The store's last line of defence: the edge refuses such text first (storable-input.pipe.ts).
      const details = [{ field: exception.field, message: exception.problem }];
      return [400, { error: 'validation_failed', message: `Validation failed: ${exception.message}`, request_id: requestId, details }];
    }
    if (exception instanceof WrongExpectedVersionError) {
      return [409, { error: 'conflict', message: 'the resource changed concurrently; retry the request', request_id: requestId }];
    }
    if (exception instanceof StoreUnavailableError) {
      this.logger.error(exception.message);
      return [503, { error: 'store_unavailable', message: 'the event store is unreachable; nothing was changed', request_id: requestId }];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return [status, { error: HTTP_CODES[status] ?? 'http_error', message: httpMessage(exception), request_id: requestId }];
    }
    const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
      // Fastify's own parse errors (malformed JSON, wrong content type, body too large).
      return [fastifyStatus, { error: HTTP_CODES[fastifyStatus] ?? 'bad_request', message: (exception as Error).message, request_id: requestId }];
    }
    this.logger.error(`request ${requestId} failed`, exception instanceof Error ? exception.stack : String(exception));
    return [500, { error: 'internal_error', message: `internal error; quote request id ${requestId} to the operator`, request_id: requestId }];
  }
}

function httpMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
}
