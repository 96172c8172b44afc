import { buildApp, type AppOptions } from './app.js';
import type { ServerConfig } from './config.js';
import { openDatabase, type OpenDatabaseOptions } from './db/open-database.js';
import { keepHeapSmall } from './heap-limits.js';
import { loggerOptions } from './logging.js';

/**
 * Opens and migrates the database, builds the app and listens. SIGTERM/SIGINT close it
 * gracefully: stop accepting, finish in-flight requests, commit queued writes, close the database.
 */
export async function serve(
  config: ServerConfig,
  dbOptions: OpenDatabaseOptions = {},
  appOptions: Pick<AppOptions, 'version'> = {},
) {
  // bin/refrocket.mjs has set these already (before compiling the bundle); the single executable
  // and programmatic callers get them here, before the app and its write thread are built.
  keepHeapSmall();
  const db = openDatabase(config.dbPath, { ...dbOptions, synchronous: config.synchronous });
  // Writes get a thread of their own (server/writer/). Not for `:memory:` (a second connection
  // would see another, empty database) nor, for now, inside the single executable, whose
  // better-sqlite3 addon is loaded from its assets on the main thread only.
  const useWriteThread = config.writeThread && config.dbPath !== ':memory:' && !dbOptions.nativeBinding;
  const app = buildApp({
    ...appOptions,
    db,
    closeDb: true,
    writeThread: useWriteThread ? { dbPath: config.dbPath, synchronous: config.synchronous } : undefined,
    // A collector that can no longer commit must not keep answering: exit, and let the
    // supervisor (systemd Restart=on-failure) start a fresh one.
    onWriterFatal: () => process.exit(1),
    trustProxy: config.trustProxy,
    rateLimit: config.rateLimit,
    logger: loggerOptions(config.logLevel),
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
  return app;
}
