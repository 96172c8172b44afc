import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { CollectorContext } from '../collector/context.js';
import type { Store } from '../store/store.js';
import type { WriteQueue } from '../write-queue.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    collector: CollectorContext;
    writes: WriteQueue;
  }
}

export interface ServicesOptions {
  store: Store;
  now: () => number;
  writes: WriteQueue;
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
