import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { explainEntry, explainPurchase, type AttributionExplanation } from '../../collector/attribution.js';
import * as f from '../../http/fields.js';
import { toIso, toIsoOrNull } from '../../http/views.js';
import * as s from './schemas.js';

const tags = ['Attribution'];

function explanationView(e: AttributionExplanation) {
  return {
    referred: e.referred,
    advocate: e.advocate,
    codeSource: e.codeSource,
    visits: { first: toIsoOrNull(e.visits.first), last: toIsoOrNull(e.visits.last), count: e.visits.count },
  };
}

/**
 * Why an entry is referred and why a purchase credited whom it did (private key). Visits are matched
 * by visitor key, whose salt rotates daily, so only visits of the conversion's UTC day can match.
 */
export const attributionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector } = app;

  app.get('/entries/:entryId/attribution', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Explain how an entry was referred',
      security: s.security,
      params: z.object({ entryId: f.contestId.describe('The entry id') }),
      response: { 200: s.ok(s.entryAttributionSchema), ...s.errors },
    },
  }, async (request) => {
    const { entry, explanation } = await explainEntry(collector, request.params.entryId);
    return {
      success: true as const,
      data: {
        entryId: entry.id,
        ...explanationView(explanation),
        signedUpAt: toIso(entry.createdAt),
        firstVisitToSignupMs: explanation.firstVisitToConversionMs,
      },
    };
  });

  app.get('/purchases/:purchaseId/attribution', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Explain which advocate a purchase credited, and why',
      security: s.security,
      params: z.object({ purchaseId: f.contestId.describe('The purchase id') }),
      response: { 200: s.ok(s.purchaseAttributionSchema), ...s.errors },
    },
  }, async (request) => {
    const { purchase, explanation } = await explainPurchase(collector, request.params.purchaseId);
    return {
      success: true as const,
      data: {
        purchaseId: purchase.id,
        orderId: purchase.orderId,
        ...explanationView(explanation),
        creditRule: explanation.creditRule,
        purchasedAt: toIso(purchase.createdAt),
        firstVisitToPurchaseMs: explanation.firstVisitToConversionMs,
      },
    };
  });
};
