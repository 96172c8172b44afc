import cors from '@fastify/cors';
import Fastify, { type FastifyServerOptions } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import { openDatabase, type Db } from './db/open-database.js';
import { bodyParsersPlugin } from './plugins/body-parsers.js';
import { errorHandlerPlugin } from './plugins/errors.js';
import { noRateLimitsPlugin, rateLimitsPlugin } from './plugins/rate-limits.js';
import { servicesPlugin } from './plugins/services.js';
import { healthRoutes } from './routes/health.js';
import { referralRoutes } from './routes/referral.js';
import { trackerScriptRoutes } from './routes/tracker-script.js';
import { v1Routes } from './routes/v1/index.js';
import { webhookRoutes } from './routes/webhooks.js';
import { openApiPlugin } from './plugins/openapi.js';
import { createStore } from './store/store.js';
import { createThreadWriter, type ThreadWriterOptions } from './writer/thread-writer.js';
import { createLocalWriter, type Writer } from './writer/writer.js';

export interface AppOptions {
  /** An open, migrated database. Default: a fresh private `:memory:` one. */
  db?: Db;
  /** Close `db` when the app closes, after the last queued writes are committed. */
  closeDb?: boolean;
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
  /**
   * Run writes in a worker thread with its own connection to this database file (serve does);
   * default: on this thread, through `db`. The thread uses the real clock, not `now`.
   */
  writeThread?: Pick<ThreadWriterOptions, 'dbPath' | 'synchronous' | 'workerFile'>;
  /** The write thread died (default: logged); serve exits so a supervisor restarts it. */
  onWriterFatal?: (error: Error) => void;
}

/** The documented CORS policy for every /api/* route. */
const corsOptions = {
  origin: '*',
  methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowedHeaders: ['Content-Type', 'x-api-key'],
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
  const closeDb = options.db === undefined || options.closeDb === true;
  const db = options.db ?? openDatabase(':memory:');
  const store = createStore(db);
  const now = options.now ?? Date.now;
  const threadWriter = options.writeThread
    ? createThreadWriter({
        ...options.writeThread,
        onCommitted({ rankings, contests }) {
          if (rankings) store.changes.bump();
          if (contests) store.contests.forgetCached();
        },
        onFatal: (error) => {
          app.log.fatal({ err: error }, 'the write thread stopped');
          options.onWriterFatal?.(error);
        },
      })
    : undefined;
  const writer: Writer = threadWriter ?? createLocalWriter({ store, now });

  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: trustProxySetting(options.trustProxy ?? false),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(options.validateResponses ? serializerCompiler : plainSerializerCompiler);

  app.register(errorHandlerPlugin);
  app.register(bodyParsersPlugin);
  app.register(servicesPlugin, { store, now, writes: writer });

  app.register(openApiPlugin, { version: options.version ?? '0.0.0-dev' });
  app.register(healthRoutes);
  app.register(trackerScriptRoutes, { script: options.trackerScript });
  app.register(
    async (api) => {
      await api.register(cors, corsOptions);
      if (options.rateLimit) await api.register(rateLimitsPlugin, { perMinute: options.rateLimit });
      else await api.register(noRateLimitsPlugin);
      await api.register(referralRoutes, { prefix: '/referral' });
      await api.register(webhookRoutes, { prefix: '/webhooks' });
      await api.register(v1Routes, { prefix: '/v1' });
    },
    { prefix: '/api' },
  );

  // The write thread boots once the routes are compiled (see createThreadWriter for why).
  if (threadWriter) app.addHook('onReady', async () => threadWriter.start());
  app.addHook('onClose', async () => {
    await writer.close();
    if (closeDb) db.close();
  });
  return app;
}

export type App = ReturnType<typeof buildApp>;
