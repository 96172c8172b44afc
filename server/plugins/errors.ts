import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, messages } from '../domain/errors.js';
import { describeValidationError } from '../http/validation.js';
import { findIllFormedText } from '../http/well-formed-text.js';
import { STATUS_CODES } from 'node:http';

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

    // Text fields with NUL characters or lone surrogates are refused before validation, naming
    // the field (see http/well-formed-text.ts).
    app.addHook('preValidation', async (request) => {
      for (const [part, value] of [['body', request.body], ['query', request.query]] as const) {
        const field = findIllFormedText(value);
        if (field !== undefined) {
          throw new ApiError(400, `${field || part} must not contain NUL characters or unpaired surrogates`);
        }
      }
    });

    // The last line of defence for the envelope: an error answered by a plugin in its own words
    // (@fastify/cors answers a preflight without Access-Control-Request-Method with plain text)
    // still reaches the client as {"success": false, "error"}. HTML is left alone: only pages
    // answer it (the participant pages' own "Page not found"), never the API.
    app.addHook('onSend', async (_request, reply, payload) => {
      const type = String(reply.getHeader('content-type') ?? '');
      if (reply.statusCode < 400 || type.startsWith('application/json') || type.startsWith('text/html')) return payload;
      const text = typeof payload === 'string' && payload.length > 0 && payload.length < 200 ? payload : undefined;
      reply.header('content-type', 'application/json; charset=utf-8');
      reply.removeHeader('content-length');
      return JSON.stringify({ success: false, error: text ?? STATUS_CODES[reply.statusCode] ?? 'Error' });
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({ success: false, error: `Route ${request.method} ${request.url.split('?')[0]} not found` });
    });
  },
  { name: 'refrocket-errors' },
);
