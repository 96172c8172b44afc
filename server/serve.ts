import closeWithGrace from 'close-with-grace';
import http from 'node:http';
import { buildApp, type AppOptions } from './app.js';
import type { ServerConfig } from './config.js';
import { keepHeapSmall } from './heap-limits.js';
import { loggerOptions } from './logging.js';
import { createMetrics, type Metrics } from './plugins/metrics.js';
import { openStore, type StoreOptions } from './store/open-store.js';

/**
 * Opens and migrates the store, builds the app and listens. SIGTERM/SIGINT close it gracefully
 * (close-with-grace): stop accepting, finish in-flight requests, commit queued writes, close the
 * database, all within --shutdown-timeout, after which the process exits 1 anyway. An uncaught
 * exception or unhandled rejection is logged and closes the same way, exiting 1.
 */
export async function serve(
  config: ServerConfig,
  storeOptions: Pick<StoreOptions, 'nativeBinding'> = {},
  appOptions: Pick<AppOptions, 'version'> = {},
) {
  // bin/refrocket.mjs has set these already (before compiling the bundle); the single executable
  // and programmatic callers get them here, before the app and its write thread are built.
  keepHeapSmall();
  const store = await openStore(config.db, {
    ...storeOptions,
    synchronous: config.synchronous,
    // A SQLite file gets a write thread (store/sqlite/thread-writer.ts), except inside the single
    // executable for now, whose better-sqlite3 addon is loaded from its assets on the main thread.
    writeThread: config.writeThread && !storeOptions.nativeBinding,
  });
  const metrics = config.metrics ? createMetrics(store) : undefined;
  const app = buildApp({
    ...appOptions,
    store,
    closeStore: true,
    // A collector that can no longer commit must not keep answering: exit, and let the
    // supervisor (systemd Restart=on-failure) start a fresh one.
    onWriterFatal: () => process.exit(1),
    trustProxy: config.trustProxy,
    rateLimit: config.rateLimit,
    logger: loggerOptions(config.logLevel),
    webhooks: config.webhooks,
    requestTimeoutMs: config.requestTimeoutMs,
    connectionTimeoutMs: config.connectionTimeoutMs,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    heavyReadsPerClient: config.heavyReadsPerClient,
    metrics,
  });
  let metricsServer: http.Server | undefined;

  closeWithGrace(
    { delay: config.shutdownTimeoutMs, logger: { error: (message: string) => app.log.error(message) } },
    async ({ signal, err }) => {
      if (err) app.log.fatal({ err }, 'uncaught error: shutting down');
      else app.log.info({ signal }, 'shutting down');
      metricsServer?.close();
      await app.close();
    },
  );

  // The metrics port first, so it answers by the time the main port does.
  if (metrics && config.metricsPort !== undefined) metricsServer = await serveMetrics(metrics, config.metricsPort);
  await app.listen({ port: config.port, host: config.host });
  return { app, database: store.description, metricsServer };
}

/**
 * /metrics without a key on a port of its own, bound to loopback only: for a Prometheus agent on
 * the same host (or a sidecar), never reachable from outside.
 */
async function serveMetrics(metrics: Metrics, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  return server;
}
