import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

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
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'refrocket-openapi' },
);
