import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import * as s from './schemas.js';

/** POST /api/v1/erasure: a data-subject erasure request, across every contest. */
export const erasureRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/erasure', {
    config: { access: 'private' },
    schema: {
      tags: ['Entries'],
      summary: 'Erase a person, by email, from every contest (entries, purchases, visit URLs, notes); reports what was erased',
      security: s.security,
      body: s.erasureBody,
      response: { 200: s.ok(s.erasureReportSchema), ...s.errors },
    },
  }, async (request) => {
    const data = await app.writes.run('erasePerson', { email: request.body.email });
    return { success: true as const, data };
  });
};
