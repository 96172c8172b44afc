import { configureBonusActions } from '../../server/collector/bonus-actions.js';
import type { App } from '../../server/app.js';
import type { TestApp } from '../helpers/test-app.js';

export interface V1Fixture {
  contestId: string;
  janeId: string;
  johnId: string;
  publicKey: string;
  privateKey: string;
  bonusActionId: string;
  webhookSecret: string;
}

/** The docs' world: contest clx1abc123def456, Jane (REF-XYZ789) and John (REF-ABC456), two keys. */
export async function seedV1(t: TestApp): Promise<V1Fixture> {
  const { id, webhookSecret } = await t.contest({ id: 'clx1abc123def456', title: 'Summer Giveaway 2025' });
  const jane = await t.entry(id, { email: 'jane@example.com', name: 'Jane Doe', referralCode: 'REF-XYZ789', emailConfirmed: true });
  t.advance(1000);
  const john = await t.entry(id, { email: 'john@example.com', name: 'John Smith', phone: '+1234567890', referralCode: 'REF-ABC456', emailConfirmed: true });
  const [bonus] = await t.store.transaction((tx) =>
    configureBonusActions({ store: tx, now: t.ctx.now }, id, [
      { action: 'follow_twitter', description: 'Follow us on Twitter', points: 15 },
      { action: 'share_facebook', description: 'Share on Facebook', points: 10 },
    ]),
  );
  return {
    contestId: id,
    janeId: jane.id,
    johnId: john.id,
    publicKey: await t.apiKey('public'),
    privateKey: await t.apiKey('private'),
    bonusActionId: bonus.id,
    webhookSecret,
  };
}

export function call(t: TestApp, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key?: string, body?: unknown) {
  return callApp(t.app, method, url, key, body);
}

/** One API request through app.inject, with an API key and a JSON body when given. */
export async function callApp(
  app: App,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  key?: string,
  body?: unknown,
) {
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(key ? { 'x-api-key': key } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json() };
}
