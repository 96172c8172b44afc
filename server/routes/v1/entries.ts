import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bonusActionsForEntry } from '../../collector/bonus-actions.js';
import { contactsFilter } from '../../collector/contacts.js';
import { requireEntry, requireEntryByEmail } from '../../collector/entries-admin.js';
import { hubPath } from '../../collector/hub.js';
import * as f from '../../http/fields.js';
import { entryDetailView, toIso, toIsoOrNull } from '../../http/views.js';
import type { ApiKeyType } from '../../store/types.js';
import * as s from './schemas.js';

const tags = ['Entries'];
const params = z.object({ entryId: f.contestId.describe('The entry id') });

export const entryRoutes: FastifyPluginAsyncZod = async (app) => {
  const { collector, writes } = app;

  app.get('/entries/:entryId', {
    schema: { tags, summary: 'Get an entry with its referral stats', security: s.security, params, response: { 200: s.ok(s.entryDetailSchema), ...s.errors } },
  }, async (request) => {
    const entry = await requireEntry(collector, request.params.entryId);
    const contacts = await contactsFilter(collector, entry.contestId, request.apiKeyType!);
    return { success: true as const, data: contacts(entryDetailView(entry)) };
  });

  app.get('/entries/:entryId/hub-link', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: "A link to the participant's private page, for a backend's own emails (refrocket extension)",
      description: 'Each call makes a new unguessable token (only its hash is stored); DELETE revokes every link of the entry.',
      security: s.security,
      params,
      response: { 200: s.ok(s.hubLinkSchema), ...s.errors },
    },
  }, async (request) => {
    const { entryId, contestId, token } = await writes.run('createHubToken', { entryId: request.params.entryId });
    const url = `${request.protocol}://${request.host}${hubPath(contestId, token)}`;
    return { success: true as const, data: { entryId, contestId, url } };
  });

  app.delete('/entries/:entryId/hub-link', {
    config: { access: 'private' },
    schema: {
      tags,
      summary: "Revoke every link to the participant's private page (refrocket extension)",
      security: s.security,
      params,
      response: { 200: s.ok(s.hubLinksRevokedSchema), ...s.errors },
    },
  }, async (request) => {
    const revoked = await writes.run('revokeHubTokens', { entryId: request.params.entryId });
    return { success: true as const, data: { entryId: request.params.entryId, revoked } };
  });

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

  async function bonusActionsView(entryId: string, reader: ApiKeyType) {
    const view = await bonusActionsForEntry(collector, entryId);
    const contacts = await contactsFilter(collector, view.entry.contestId, reader);
    return {
      success: true as const,
      data: {
        entryId: view.entry.id,
        email: contacts({ email: view.entry.email }).email,
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
    return bonusActionsView(entry.id, request.apiKeyType!);
  });

  app.get('/entries/:entryId/bonus-actions', {
    schema: {
      tags: ['Bonus actions'],
      summary: "An entry's bonus actions with completion status",
      security: s.security,
      params,
      response: { 200: s.ok(s.entryBonusActionsSchema), ...s.errors },
    },
  }, async (request) => bonusActionsView(request.params.entryId, request.apiKeyType!));

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
