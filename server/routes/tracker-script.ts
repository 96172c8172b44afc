import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { loadTrackerScript } from '../tracker-asset.js';

export interface TrackerScriptOptions {
  /** The script source; defaults to the embedded build (or a fresh build from sources). */
  script?: string;
}

/** GET /referral-tracker.js: the browser script, with an ETag and a cache lifetime. */
export const trackerScriptRoutes: FastifyPluginAsync<TrackerScriptOptions> = async (app, options) => {
  const script = options.script ?? (await loadTrackerScript());
  const etag = `"${createHash('sha256').update(script).digest('base64url').slice(0, 22)}"`;

  app.get('/referral-tracker.js', { schema: { hide: true } }, async (request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .header('etag', etag)
      .header('access-control-allow-origin', '*');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return script;
  });
};
