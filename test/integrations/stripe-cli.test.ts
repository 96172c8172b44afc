import { describe, expect, it } from 'vitest';
import { ENGINES, cli, cliRun, useWorkspace, withStoreOn } from '../reliability/harness.js';
import { STRIPE_SECRET } from './stripe-helpers.js';

const workspace = useWorkspace('stripe-cli');

describe.each(ENGINES)('refrocket contests connect-stripe (%s)', (engine) => {
  it('stores the secret (never printed), refuses a non-whsec value, and disconnects', async () => {
    const db = await workspace.database(engine, 'cli');
    await cli(['contests', 'create', '--title', 'T', '--id', 'cs1', '--db', db]);
    const connected = await cli(['contests', 'connect-stripe', '--contest', 'cs1', '--secret', STRIPE_SECRET, '--db', db]);
    expect(connected).toEqual({ contestId: 'cs1', stripeConnected: true });
    expect(await withStoreOn(db, (store) => store.contests.stripeWebhookSecret('cs1'))).toBe(STRIPE_SECRET);
    const refused = await cliRun(['contests', 'connect-stripe', '--contest', 'cs1', '--secret', 'sk_live_123', '--db', db]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/whsec_/);
    expect(await cli(['contests', 'connect-stripe', '--contest', 'cs1', '--disconnect', '--db', db])).toEqual({ contestId: 'cs1', stripeConnected: false });
    expect(await withStoreOn(db, (store) => store.contests.stripeWebhookSecret('cs1'))).toBeNull();
  });
});
