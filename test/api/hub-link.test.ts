import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { entryForHubToken } from '../../server/collector/hub.js';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';
import { call, seedV1 } from './v1-helpers.js';

const tokenOf = (url: string) => url.split('/').at(-1)!;

forEachEngine((engine) => describe('GET/DELETE /api/v1/entries/:id/hub-link', () => {
  const t = useTestApp({ engine });

  it("gives a link to the participant's page with an unguessable token, storing only its hash", async () => {
    const fx = await seedV1(t());
    const res = await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      entryId: fx.janeId,
      contestId: fx.contestId,
      url: expect.stringMatching(new RegExp(`^http://localhost(:\\d+)?/c/${fx.contestId}/me/[A-Za-z0-9_-]{32}$`)),
    });
    const token = tokenOf(res.body.data.url);
    const rows = await t().rows('hub_tokens');
    expect(rows).toEqual([
      { token_hash: createHash('sha256').update(token).digest('hex'), entry_id: fx.janeId, contest_id: fx.contestId, created_at: t().ctx.now(), revoked_at: null },
    ]);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await entryForHubToken(t().ctx, fx.contestId, token))?.id).toBe(fx.janeId);
  });

  it('makes a new token per call; each opens only its own entry in its own contest', async () => {
    const fx = await seedV1(t());
    const first = tokenOf((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey)).body.data.url);
    const second = tokenOf((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey)).body.data.url);
    const john = tokenOf((await call(t(), 'GET', `/api/v1/entries/${fx.johnId}/hub-link`, fx.privateKey)).body.data.url);
    expect(new Set([first, second, john]).size).toBe(3);
    expect((await entryForHubToken(t().ctx, fx.contestId, first))?.id).toBe(fx.janeId);
    expect((await entryForHubToken(t().ctx, fx.contestId, second))?.id).toBe(fx.janeId);
    expect((await entryForHubToken(t().ctx, fx.contestId, john))?.id).toBe(fx.johnId);
    expect(await entryForHubToken(t().ctx, 'another-contest', first)).toBeUndefined();
    expect(await entryForHubToken(t().ctx, fx.contestId, 'x'.repeat(32))).toBeUndefined();
    expect(await entryForHubToken(t().ctx, fx.contestId, '../../etc')).toBeUndefined();
  });

  it("DELETE revokes every link of the entry and no other entry's", async () => {
    const fx = await seedV1(t());
    const links = [];
    for (let i = 0; i < 2; i++) links.push(tokenOf((await call(t(), 'GET', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey)).body.data.url));
    const john = tokenOf((await call(t(), 'GET', `/api/v1/entries/${fx.johnId}/hub-link`, fx.privateKey)).body.data.url);
    const res = await call(t(), 'DELETE', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey);
    expect(res).toEqual({ status: 200, body: { success: true, data: { entryId: fx.janeId, revoked: 2 } } });
    for (const token of links) expect(await entryForHubToken(t().ctx, fx.contestId, token)).toBeUndefined();
    expect((await entryForHubToken(t().ctx, fx.contestId, john))?.id).toBe(fx.johnId);
    const again = await call(t(), 'DELETE', `/api/v1/entries/${fx.janeId}/hub-link`, fx.privateKey);
    expect(again.body.data.revoked).toBe(0);
  });

  it('404 for an unknown entry, and nothing stored', async () => {
    const fx = await seedV1(t());
    const before = await t().counts();
    expect(await call(t(), 'GET', '/api/v1/entries/entry_nope/hub-link', fx.privateKey))
      .toEqual({ status: 404, body: { success: false, error: 'Entry not found' } });
    expect(await t().counts()).toEqual(before);
  });
}));
