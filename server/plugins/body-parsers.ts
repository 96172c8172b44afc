import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * JSON is accepted as application/json and as text/plain. The browser script sends text/plain
 * (a "simple" request: no CORS preflight, and what sendBeacon sends); both go through Fastify's
 * own JSON parser, which rejects __proto__/constructor keys.
 */
export const bodyParsersPlugin = fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('text/plain', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));
  },
  { name: 'refrocket-body-parsers' },
);
