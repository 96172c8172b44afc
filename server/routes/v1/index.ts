import type { FastifyPluginAsync } from 'fastify';
import { apiKeyAuthPlugin } from '../../plugins/api-keys.js';
import { attributionRoutes } from './attribution.js';
import { contestRoutes } from './contests.js';
import { entryRoutes } from './entries.js';
import { webhookEndpointRoutes } from './webhook-endpoints.js';
import { erasureRoutes } from './erasure.js';
import { flagRoutes } from './flags.js';

/** /api/v1: the key-authenticated management API. */
export const v1Routes: FastifyPluginAsync = async (app) => {
  await app.register(apiKeyAuthPlugin);
  await app.register(contestRoutes);
  await app.register(entryRoutes);
  await app.register(webhookEndpointRoutes);
  await app.register(erasureRoutes);
  await app.register(flagRoutes);
  await app.register(attributionRoutes);
};
