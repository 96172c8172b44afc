import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { findApiKey } from '../collector/api-keys.js';
import { forbidden, messages, unauthorized } from '../domain/errors.js';
import type { ApiKeyType } from '../store/types.js';
import { addAuditHook, operatorFromSession, refuseCrossSite, sessionToken } from './operator-session.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which key a /api/v1 route needs: `public` routes take either kind, `private` only private. */
    access?: ApiKeyType;
  }
  interface FastifyRequest {
    apiKeyType?: ApiKeyType;
  }
}

/**
 * API-key authentication for /api/v1: the key comes from `x-api-key` or `?apiKey=`, is looked up
 * by its hash, and must be private for routes marked `config: { access: 'private' }`.
 */
export const apiKeyAuthPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('apiKeyType', undefined);
    app.addHook('onRequest', async (request) => {
      if (request.method === 'OPTIONS') return;
      const header = request.headers['x-api-key'];
      const query = (request.query as { apiKey?: unknown }).apiKey;
      const key = typeof header === 'string' && header ? header : typeof query === 'string' ? query : undefined;
      // No key: the dashboard calls this API with an operator's session, which acts as a private key.
      if (key === undefined && sessionToken(request)) {
        const operator = await operatorFromSession(app, request);
        if (operator) {
          refuseCrossSite(request);
          request.operator = operator;
          request.apiKeyType = 'private';
          return;
        }
      }
      const record = await findApiKey(app.collector, key);
      if (!record) throw unauthorized(messages.invalidApiKey);
      if (request.routeOptions.config.access === 'private' && record.type !== 'private') {
        throw forbidden(messages.privateKeyRequired);
      }
      request.apiKeyType = record.type;
    });
    addAuditHook(app);
  },
  { name: 'refrocket-api-keys', dependencies: ['refrocket-services'] },
);
