import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** Liveness and readiness in one: 200 only when the database answers a query. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', {
    schema: {
      tags: ['Operations'],
      summary: 'Health check (200 when the database is reachable)',
      response: {
        200: z.object({ status: z.literal('ok') }),
        503: z.object({ status: z.literal('unavailable'), error: z.string() }),
      },
    },
  }, async (_request, reply) => {
    try {
      await app.checkDatabase();
      return { status: 'ok' as const };
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable' as const, error: (error as Error).message });
    }
  });
};
