import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CollectorContext } from '../collector/context.js';
import type { Store } from '../store/store.js';
import type { Writer } from '../writer/writer.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    collector: CollectorContext;
    /** Every write of the API goes through here (see server/writer/). */
    writes: Writer;
  }
}

export interface ServicesOptions {
  store: Store;
  now: () => number;
  writes: Writer;
}

/** The shared services every route group uses, registered once under stable names. */
export const servicesPlugin = fp(
  async (app: FastifyInstance, options: ServicesOptions) => {
    app.decorate('store', options.store);
    app.decorate('collector', { store: options.store, now: options.now });
    app.decorate('writes', options.writes);
  },
  { name: 'refrocket-services' },
);
