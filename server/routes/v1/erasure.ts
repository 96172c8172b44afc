import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as f from '../../http/fields.js';
import * as s from './schemas.js';

const erasureReport = z.object({
  entries: z.number().int().describe('Entries whose email, name and phone were blanked'),
  contestIds: z.array(z.string()).describe('The contests of those entries'),
  purchases: z.number().int().describe('Purchases whose email was blanked (also those without an entry)'),
  visits: z.number().int().describe('Visits whose URL or referrer carried the email (blanked)'),
  ledgerNotes: z.number().int().describe('Ledger notes that named the person (blanked; amounts stay)'),
  disqualificationReasons: z.number().int().describe('Disqualification reasons that named the person (blanked)'),
});

/** POST /api/v1/erasure: a data-subject erasure request, across every contest. */
export const erasureRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/erasure', {
    config: { access: 'private' },
    schema: {
      tags: ['Entries'],
      summary: 'Erase a person, by email, from every contest (entries, purchases, visit URLs, notes); reports what was erased',
      security: s.security,
      body: z.object({ email: f.email }),
      response: { 200: s.ok(erasureReport), ...s.errors },
    },
  }, async (request) => {
    const data = await app.writes.run('erasePerson', { email: request.body.email });
    return { success: true as const, data };
  });
};
