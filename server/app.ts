import cors from '@fastify/cors';
import Fastify, { type FastifyServerOptions } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { bodyParsersPlugin } from './plugins/body-parsers.js';
import { capConnectionsPerIp, connectionOptions } from './plugins/connections.js';
import { errorHandlerPlugin } from './plugins/errors.js';
import { heavyReadsPlugin } from './plugins/heavy-reads.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { createMetrics, metricsPlugin, type Metrics } from './plugins/metrics.js';
import { noRateLimitsPlugin, rateLimitsPlugin } from './plugins/rate-limits.js';
import { servicesPlugin } from './plugins/services.js';
import { healthRoutes } from './routes/health.js';
import { referralRoutes } from './routes/referral.js';
import { trackerScriptRoutes } from './routes/tracker-script.js';
import { v1Routes } from './routes/v1/index.js';
import { webhookRoutes } from './routes/webhooks.js';
import { stripeRoutes } from './routes/stripe.js';
import { startDeliveryLoop, type DeliveryLoop, type DeliveryOptions } from './outbound/delivery-loop.js';
import { adminApiRoutes } from './routes/admin.js';
import { adminPageRoutes } from './routes/admin-pages.js';
import { contestPageApiRoutes, contestPageRoutes } from './routes/contest-pages.js';
import { openApiPlugin } from './plugins/openapi.js';
import { typedWrites, writeOpRunner } from './collector/write-ops.js';
import type { Store } from './store/repositories.js';
import { createMemoryStore } from './store/open-store.js';

export interface AppOptions {
  /** An open, migrated store (see store/open-store.ts). Default: a fresh private SQLite `:memory:` one. */
  store?: Store;
  /** Close `store` when the app closes, after the last queued writes are committed. */
  closeStore?: boolean;
  /** The clock, in epoch ms; tests pin it. */
  now?: () => number;
  logger?: FastifyServerOptions['logger'];
  /** Check every response against its schema (tests do; production skips the cost). */
  validateResponses?: boolean;
  /**
   * Which X-Forwarded-For hops to believe for the client IP (only behind a reverse proxy you run):
   * a hop count (1 = your one proxy appends the client address) or proxy addresses/CIDRs.
   * `true` would believe whatever the client wrote first, so it is not offered.
   */
  trustProxy?: false | number | string;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  /** Requests per minute per client IP on /api routes; false (default in tests) disables limits. */
  rateLimit?: number | false;
  /** Shown in the OpenAPI description. */
  version?: string;
  /** The browser script to serve; default: the embedded build. */
  trackerScript?: string;
  /** The writer can no longer commit (default: logged); serve exits so a supervisor restarts it. */
  onWriterFatal?: (error: Error) => void;
  /** A request must arrive whole within this many ms, else 408 (default 30 s). */
  requestTimeoutMs?: number;
  /** An idle connection is closed after this many ms (default 60 s). */
  connectionTimeoutMs?: number;
  /** Open connections per client address; 0: no cap (default 100). Loopback peers are exempt. */
  maxConnectionsPerIp?: number;
  /** Cap loopback peers too (tests, which have no other address to connect from). */
  capLoopbackConnections?: boolean;
  /** Concurrent heavy reads (entry lists, searches) per API key and per IP (default 4). */
  heavyReadsPerClient?: number;
  /** Outbound webhook delivery (server/outbound/); `deliver: false` keeps the loop off. */
  webhooks?: DeliveryOptions & { deliver?: boolean };
  /** Prometheus metrics (GET /metrics for a private key): true for a fresh set, or serve's own. */
  metrics?: boolean | Metrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Outbound-webhook settings the routes need (SSRF checks at registration). */
    webhookDelivery: { allowPrivate: boolean };
  }
}

/** The documented CORS policy for every /api/* route. */
const corsOptions = {
  origin: '*',
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowedHeaders: ['Content-Type', 'x-api-key', 'Idempotency-Key'],
  // track-visit's answer names the contest's cookie lifetime in Rocket-Cookie-Days; the browser
  // script on another origin may read it only if it is exposed.
  exposedHeaders: ['Rocket-Cookie-Days'],
  optionsSuccessStatus: 204,
};

/** A hop count becomes proxy-addr's "trust the first n hops" function (Fastify's types lack numbers). */
function trustProxySetting(trust: false | number | string) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

/** Serializes without re-validating: the shapes are checked by the test-suite instead. */
const plainSerializerCompiler = () => (data: unknown) => JSON.stringify(data);

/**
 * Builds the collector: plugins, decorators and routes, but never listens (see serve.ts).
 * Each call is independent, so tests build one per case on its own in-memory database.
 */
export function buildApp(options: AppOptions = {}) {
  const closeStore = options.store === undefined || options.closeStore === true;
  const store = options.store ?? createMemoryStore();
  const now = options.now ?? Date.now;
  const metrics = options.metrics === true ? createMetrics(store, now) : options.metrics || undefined;
  // A write thread (SQLite files under serve) uses the real clock, not `now`.
  const openedWriter = store.openWriter(writeOpRunner(now), {
    onBatch: metrics?.observeBatch,
    onFatal: (error) => {
      app.log.fatal({ err: error }, 'the writer stopped');
      options.onWriterFatal?.(error);
    },
  });
  const writer = metrics ? metrics.countWrites(openedWriter) : openedWriter;

  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: trustProxySetting(options.trustProxy ?? false),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    ...connectionOptions({
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 60_000,
    }),
  }).withTypeProvider<ZodTypeProvider>();
  capConnectionsPerIp(app.server, options.maxConnectionsPerIp ?? 100, { capLoopback: options.capLoopbackConnections });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(options.validateResponses ? serializerCompiler : plainSerializerCompiler);

  app.register(errorHandlerPlugin);
  app.register(bodyParsersPlugin);
  app.register(servicesPlugin, {
    collector: { store, now },
    writes: typedWrites(writer),
    checkDatabase: () => store.ping(),
    rankingChanges: store.changes,
  });

  app.decorate('webhookDelivery', { allowPrivate: options.webhooks?.allowPrivate ?? false });

  // Every write route, also ones added later: Idempotency-Key with Stripe's semantics.
  app.register(idempotencyPlugin);
  if (metrics) app.register(metricsPlugin, { metrics });
  app.register(openApiPlugin, { version: options.version ?? '0.0.0-dev' });
  app.register(healthRoutes);
  app.register(trackerScriptRoutes, { script: options.trackerScript });
  app.register(
    async (api) => {
      await api.register(cors, corsOptions);
      if (options.rateLimit) await api.register(rateLimitsPlugin, { perMinute: options.rateLimit });
      else await api.register(noRateLimitsPlugin);
      await api.register(heavyReadsPlugin, { perClient: options.heavyReadsPerClient ?? 4 });
      await api.register(referralRoutes, { prefix: '/referral' });
      await api.register(webhookRoutes, { prefix: '/webhooks' });
      await api.register(v1Routes, { prefix: '/v1' });
      await api.register(stripeRoutes, { prefix: '/integrations' });
      await api.register(contestPageApiRoutes, { prefix: '/contest-pages' });
    },
    { prefix: '/api' },
  );
  // The operators' dashboard: its own API (sessions, no CORS) and its pages.
  app.register(adminApiRoutes, { prefix: '/admin/api' });
  app.register(adminPageRoutes);
  // The participants' pages: /c/:contestId, its private pages and its leaderboard.
  app.register(contestPageRoutes);

  // A write thread boots once the routes are compiled (see store/sqlite/thread-writer.ts for why).
  app.addHook('onReady', async () => writer.start());
  // Outbound webhooks are sent beside the request path, by a loop that starts with the app and
  // stops (waiting for sends in flight) before the writer closes.
  let deliveryLoop: DeliveryLoop | undefined;
  if (options.webhooks?.deliver !== false) {
    app.addHook('onReady', async () => {
      deliveryLoop = startDeliveryLoop(typedWrites(writer), {
        ...options.webhooks,
        onError: (error) => app.log.error({ err: error }, 'webhook delivery failed'),
      });
    });
  }
  app.addHook('onClose', async () => {
    await deliveryLoop?.stop();
    await writer.close();
    if (closeStore) await store.close();
  });
  return app;
}

export type App = ReturnType<typeof buildApp>;
