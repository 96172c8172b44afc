import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { findApiKey } from '../collector/api-keys.js';
import { forbidden, messages, unauthorized } from '../domain/errors.js';
import type { Store } from '../store/repositories.js';
import type { Writer } from '../store/writer.js';

/**
 * The collector's Prometheus metrics, in a registry of its own (one per app: tests build many).
 * Names follow Prometheus conventions: base units (seconds, bytes), `_total` for counters.
 */
export function createMetrics(store: Store, now: () => number = Date.now) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'refrocket_' });
  const requests = new Counter({
    name: 'refrocket_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'refrocket_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'refrocket_write_batch_size',
    help: 'Writes per group-commit batch (one transaction)',
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: 'refrocket_write_batch_commit_seconds',
    help: "A batch's transaction, from BEGIN to COMMIT (replays included)",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  let pendingWrites = 0;
  new Gauge({
    name: 'refrocket_write_queue_depth',
    help: 'Writes submitted and not yet committed (queued or in a batch)',
    registers: [registry],
    collect() {
      this.set(pendingWrites);
    },
  });
  const databaseUp = new Gauge({
    name: 'refrocket_database_up',
    help: '1 when the database answered the last scrape, by engine',
    labelNames: ['engine'] as const,
    registers: [registry],
  });
  const databaseSize = new Gauge({ name: 'refrocket_database_size_bytes', help: 'Size of the database', registers: [registry] });
  const pool = new Gauge({
    name: 'refrocket_database_pool_connections',
    help: 'PostgreSQL pool: connections by state (open, idle, waiting callers, max)',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const webhooksPending = new Gauge({
    name: 'refrocket_webhook_deliveries_pending',
    help: 'Outbound webhook deliveries not yet sent to live endpoints (due or waiting for a retry)',
    registers: [registry],
  });
  const webhookLag = new Gauge({
    name: 'refrocket_webhook_delivery_lag_seconds',
    help: 'How long the most overdue pending outbound webhook delivery has been due (0: none is due)',
    registers: [registry],
  });
  const engine = store.description.startsWith('postgres') ? 'postgres' : 'sqlite';

  return {
    registry,
    observeBatch(size: number, ms: number) {
      batchSize.observe(size);
      batchSeconds.observe(ms / 1000);
    },
    observeRequest(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    /** Counts writes in flight around the app's writer. */
    countWrites(writer: Writer): Writer {
      return {
        ...writer,
        run(name, args) {
          pendingWrites++;
          return writer.run(name, args).finally(() => pendingWrites--);
        },
        start: () => writer.start(),
        close: () => writer.close(),
      };
    },
    /** The text exposition, with the database read at scrape time. */
    async render(): Promise<string> {
      try {
        const stats = await store.databaseStats();
        databaseUp.set({ engine: stats.engine }, 1);
        databaseSize.set(stats.sizeBytes);
        if (stats.pool) {
          pool.set({ state: 'total' }, stats.pool.total);
          pool.set({ state: 'idle' }, stats.pool.idle);
          pool.set({ state: 'waiting' }, stats.pool.waiting);
          pool.set({ state: 'max' }, stats.pool.max);
        }
        const at = now();
        const backlog = await store.webhooks.backlog(at);
        webhooksPending.set(backlog.pending);
        webhookLag.set(backlog.oldestDueAt === null ? 0 : Math.max(0, at - backlog.oldestDueAt) / 1000);
      } catch {
        databaseUp.set({ engine }, 0);
      }
      return registry.metrics();
    },
    contentType: registry.contentType,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * GET /metrics on the main port, for a private API key (x-api-key) only, and request counts and
 * latencies for every route. Unmatched URLs count under the route "unmatched", so scanners
 * cannot blow up the label set.
 */
export const metricsPlugin = fp(
  async (app: FastifyInstance, { metrics }: { metrics: Metrics }) => {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      const header = request.headers['x-api-key'];
      const record = await findApiKey(app.collector, typeof header === 'string' ? header : undefined);
      if (!record) throw unauthorized(messages.invalidApiKey);
      if (record.type !== 'private') throw forbidden(messages.privateKeyRequired);
      return reply.type(metrics.contentType).send(await metrics.render());
    });
  },
  { name: 'refrocket-metrics', dependencies: ['refrocket-services'] },
);
