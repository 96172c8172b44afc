import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CollectorContext } from '../collector/context.js';
import type { Writes } from '../collector/write-ops.js';
import type { ChangeCounter } from '../store/changes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The rules' context for reads: the store's repositories and the clock. */
    collector: CollectorContext;
    /** Every write of the API goes through here (see store/writer.ts). */
    writes: Writes;
    /** Resolves when the database answers; rejects with a 503 ApiError when it does not. */
    checkDatabase(): Promise<void>;
    /** Bumped by this process's writes that can change a ranking (cached leaderboards). */
    rankingChanges: ChangeCounter;
  }
}

export interface ServicesOptions {
  collector: CollectorContext;
  writes: Writes;
  checkDatabase: () => Promise<void>;
  rankingChanges: ChangeCounter;
}

/** The shared services every route group uses, registered once under stable names. */
export const servicesPlugin = fp(
  async (app: FastifyInstance, options: ServicesOptions) => {
    app.decorate('collector', options.collector);
    app.decorate('writes', options.writes);
    app.decorate('checkDatabase', options.checkDatabase);
    app.decorate('rankingChanges', options.rankingChanges);
  },
  { name: 'refrocket-services' },
);
