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
    /** The presented key's id (never the key): heavy reads are capped per key. */
    apiKeyId?: string;
    /** The one contest the presented key may read, if it is scoped; null: every contest. */
    apiKeyContestId?: string | null;
  }
}

/**
 * API-key authentication for /api/v1: the key comes from `x-api-key` or `?apiKey=`, is looked up
 * by its hash, and must be private for routes marked `config: { access: 'private' }`.
 */
export const apiKeyAuthPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('apiKeyType', undefined);
    app.decorateRequest('apiKeyContestId', undefined);
    app.decorateRequest('apiKeyId', undefined);
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
      request.apiKeyContestId = record.contestId;
      request.apiKeyId = record.id;
    });
    // A scoped key reaches only its contest: by the contest named in the path or query, or the
    // contest of the entry named in the path. Checked once the input is validated.
    app.addHook('preHandler', async (request) => {
      const scope = request.apiKeyContestId;
      if (!scope) return;
      const params = (request.params ?? {}) as { contestId?: string; entryId?: string };
      const query = (request.query ?? {}) as { contestId?: string };
      const contestId = params.contestId ?? query.contestId;
      if (contestId !== undefined && contestId !== scope) throw forbidden(messages.keyScopedToOtherContest);
      if (params.entryId !== undefined) {
        const entry = await app.collector.store.entries.get(params.entryId);
        if (entry && entry.contestId !== scope) throw forbidden(messages.keyScopedToOtherContest);
      }
    });
    addAuditHook(app);
  },
  { name: 'refrocket-api-keys', dependencies: ['refrocket-services'] },
);
