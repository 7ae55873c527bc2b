import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Fastify's router refuses a path before any route or filter sees it: percent-encoding that is
 * malformed or not UTF-8 (FST_ERR_BAD_URL) or a path parameter over its length limit. Answered in
 * the gateway's error shape with the request id, like every other answer.
 */
export function answerRouterError(error: Error & { code?: string; statusCode?: number }, request: FastifyRequest, reply: FastifyReply): void {
  const requestId = String(request.id);
  const body = error.code === 'FST_ERR_BAD_URL'
    ? { error: 'validation_failed', message: 'the path is not a valid URL: its percent-encoding is malformed or not UTF-8', request_id: requestId, details: [{ field: 'path', message: 'percent-encoding is malformed or not UTF-8' }] }
    : { error: error.statusCode === 414 ? 'uri_too_long' : 'bad_request', message: `the path was refused: ${error.message}`, request_id: requestId };
  void reply.status(error.statusCode ?? 400).header('X-Caracal-Request-Id', requestId).send(body);
}
