import { buildApp, type AppOptions } from './app.js';
import type { ServerConfig } from './config.js';
import { keepHeapSmall } from './heap-limits.js';
import { loggerOptions } from './logging.js';
import { openStore, type StoreOptions } from './store/open-store.js';

/**
 * Opens and migrates the store, builds the app and listens. SIGTERM/SIGINT close it gracefully:
 * stop accepting, finish in-flight requests, commit queued writes, close the database.
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
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    try {
      await app.close();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  return { app, database: store.description };
}
