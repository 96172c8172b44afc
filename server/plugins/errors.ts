import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, messages } from '../domain/errors.js';
import { describeValidationError } from '../http/validation.js';

/** Friendlier words for Fastify's own 4xx errors; the status stays Fastify's. */
const fastifyMessages: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body must be valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body must be a JSON object',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json or text/plain',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body',
};

function clientMessage(error: FastifyError): string {
  if (error.code && fastifyMessages[error.code]) return fastifyMessages[error.code];
  if (error instanceof SyntaxError) return fastifyMessages.FST_ERR_CTP_INVALID_JSON_BODY;
  if (/prototype property/i.test(error.message)) return 'body must not contain __proto__ or constructor keys';
  return error.message;
}

/**
 * The one place errors become responses: `{"success": false, "error": "..."}` with the right
 * status. 4xx answers say what was wrong with the request; a 5xx says only "Internal server error"
 * plus the request id, and the details go to the log, never to the client.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ApiError) {
        const retryAfter = (error as ApiError & { retryAfterSeconds?: number }).retryAfterSeconds;
        if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
        return reply.code(error.statusCode).send({ success: false, error: error.message });
      }
      if (hasZodFastifySchemaValidationErrors(error)) {
        const message = describeValidationError(error.validation, error.validationContext);
        return reply.code(400).send({ success: false, error: message });
      }
      const status = error.statusCode ?? 500;
      if (status >= 400 && status < 500) {
        if (status === 429) return reply.code(429).send({ success: false, error: messages.rateLimited });
        return reply.code(status).send({ success: false, error: clientMessage(error) });
      }
      request.log.error({ err: error }, 'request failed');
      return reply
        .code(500)
        .send({ success: false, error: messages.internal, requestId: String(request.id) });
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ success: false, error: `Route ${request.method} ${request.url.split('?')[0]} not found` });
    });
  },
  { name: 'refrocket-errors' },
);
