import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bonusActionsForEntry } from '../../collector/bonus-actions.js';
import { requireEntry, requireEntryByEmail } from '../../collector/entries-admin.js';
import * as f from '../../http/fields.js';
import { entryDetailView, toIso, toIsoOrNull } from '../../http/views.js';
import * as s from './schemas.js';

const tags = ['Entries'];
const params = z.object({ entryId: f.contestId.describe('The entry id') });

export const entryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;

  app.get('/entries/:entryId', {
    schema: { tags, summary: 'Get an entry with its referral stats', security: s.security, params, response: { 200: s.ok(s.entryDetailSchema), ...s.errors } },
  }, async (request) => ({ success: true as const, data: entryDetailView(await requireEntry(collector, request.params.entryId)) }));

  app.put('/entries/:entryId', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Update an entry',
      security: s.security,
      params,
      body: s.updateEntryBody,
      response: { 200: s.ok(s.entryDetailSchema), ...s.errors },
    },
  }, async (request) => {
    const entry = await writes.run('updateEntry', { entryId: request.params.entryId, update: request.body });
    return { success: true as const, data: entryDetailView(entry) };
  });

  app.delete('/entries/:entryId', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: "Erase an entry's personal data (email, name, phone); points and counts stay",
      security: s.security,
      params,
      response: { 200: s.ok(s.entryDetailSchema), ...s.errors },
    },
  }, async (request) => {
    const entry = await writes.run('eraseEntry', { entryId: request.params.entryId });
    return { success: true as const, data: entryDetailView(entry) };
  });

  app.post('/entries/:entryId/disqualify', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Disqualify an entry: it leaves the leaderboard, its ledger stays',
      security: s.security,
      params,
      body: s.disqualifyBody,
      response: { 200: s.ok(s.entryDetailSchema), ...s.errors },
    },
  }, async (request) => {
    const entry = await writes.run('disqualifyEntry', { entryId: request.params.entryId, reason: request.body?.reason ?? null });
    return { success: true as const, data: entryDetailView(entry) };
  });

  app.post('/entries/:entryId/points', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: 'Adjust points by a non-zero integer (one ledger row)',
      security: s.security,
      params,
      body: s.adjustPointsBody,
      response: {
        200: s.ok(s.pointsAdjustmentSchema),
        ...s.errors,
      },
    },
  }, async (request) => {
    const { points, reason } = request.body;
    const result = await writes.run('adjustPoints', { entryId: request.params.entryId, points, reason });
    return {
      success: true as const,
      data: {
        entryId: result.entry.id,
        points: result.entry.points,
        adjustment: { ...result.adjustment, createdAt: toIso(result.adjustment.createdAt) },
      },
    };
  });

  async function bonusActionsView(entryId: string) {
    const view = await bonusActionsForEntry(collector, entryId);
    return {
      success: true as const,
      data: {
        entryId: view.entry.id,
        email: view.entry.email,
        totalPoints: view.entry.points,
        bonusActionsCompleted: view.completedCount,
        bonusActionsTotal: view.totalCount,
        bonusPointsEarned: view.pointsEarned,
        actions: view.actions.map((a) => ({
          id: a.id,
          action: a.action,
          description: a.description,
          points: a.points,
          completed: a.completed,
          completedAt: toIsoOrNull(a.completedAt),
        })),
      },
    };
  }

  // Static segment: find-my-way matches it before /entries/:entryId/bonus-actions.
  app.get('/entries/lookup/bonus-actions', {
    schema: {
      tags: ['Bonus actions'],
      summary: "An entry's bonus actions, found by email + contestId",
      security: s.security,
      querystring: s.bonusActionLookupQuery,
      response: { 200: s.ok(s.entryBonusActionsSchema), ...s.errors },
    },
  }, async (request) => {
    const entry = await requireEntryByEmail(collector, request.query.contestId, request.query.email);
    return bonusActionsView(entry.id);
  });

  app.get('/entries/:entryId/bonus-actions', {
    schema: {
      tags: ['Bonus actions'],
      summary: "An entry's bonus actions with completion status",
      security: s.security,
      params,
      response: { 200: s.ok(s.entryBonusActionsSchema), ...s.errors },
    },
  }, async (request) => bonusActionsView(request.params.entryId));

  app.post('/entries/:entryId/bonus-actions/:bonusActionId/complete', {
    schema: {
      tags: ['Bonus actions'],
      summary: 'Complete a bonus action (idempotent per entry and action)',
      security: s.security,
      params: params.extend({ bonusActionId: f.contestId.describe('The bonus action id') }),
      response: {
        200: s.ok(s.bonusActionCompletionSchema),
        ...s.errors,
      },
    },
  }, async (request) => {
    const { entryId, bonusActionId } = request.params;
    const data = await writes.run('completeBonusAction', { entryId, bonusActionId });
    return { success: true as const, data };
  });
};
