import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { MAX_KEY_LENGTH } from './idempotency.js';

type Operation = { parameters?: unknown[] };
type OpenApiDocument = { paths?: Record<string, Record<string, Operation>>; components?: Record<string, Record<string, unknown>> };

/**
 * The Idempotency-Key header is honoured by a root hook (plugins/idempotency.ts), not declared by
 * each route's schema (which would validate it), so the description adds it to every write.
 */
function withIdempotencyKey(document: OpenApiDocument) {
  const parameter = { $ref: '#/components/parameters/IdempotencyKey' };
  for (const operations of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      if (['post', 'put', 'patch', 'delete'].includes(method)) operation.parameters = [...(operation.parameters ?? []), parameter];
    }
  }
  document.components = {
    ...document.components,
    parameters: {
      ...document.components?.parameters,
      IdempotencyKey: {
        in: 'header',
        name: 'Idempotency-Key',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH },
        description:
          'Optional, on every write: a repeat within 24 h with the same key answers the first answer again ' +
          '(header Idempotent-Replayed: true) without doing the work twice; the same key with a different ' +
          'request answers 409. Keys are scoped to the credential that sent them.',
      },
    },
  };
  return document;
}

export interface OpenApiOptions {
  version: string;
}

/**
 * The OpenAPI 3 description is generated from the routes' own zod schemas (@fastify/swagger +
 * fastify-type-provider-zod), served at /openapi.json, with Swagger UI at /docs.
 */
export const openApiPlugin = fp(
  async (app: FastifyInstance, options: OpenApiOptions) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'refrocket',
          description:
            'Self-hostable referral tracking, API-compatible with Blitz Rocket. Referral endpoints need no key; ' +
            'webhooks take the contest webhook secret; /api/v1 takes an API key (x-api-key header or ?apiKey=).',
          version: options.version,
        },
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
            apiKeyQuery: { type: 'apiKey', in: 'query', name: 'apiKey' },
            webhookSecret: { type: 'apiKey', in: 'header', name: 'x-webhook-secret' },
          },
        },
      },
      transform: jsonSchemaTransform,
      transformObject: (documents) => withIdempotencyKey((documents as { openapiObject: OpenApiDocument }).openapiObject),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'refrocket-openapi' },
);
