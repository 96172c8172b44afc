// Builds dist/ (browser script + collector bundle) once before the suite, so tests that spawn
// `bin/refrocket.mjs` run exactly what ships, never a stale build.
export default async function setup() {
  const { buildClient } = await import('../scripts/build-client.mjs');
  const { buildServer } = await import('../scripts/build-server.mjs');
  const client = await buildClient({ write: true });
  await buildServer({ trackerScript: client.code });
}
