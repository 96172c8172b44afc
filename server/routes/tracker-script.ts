import compress from '@fastify/compress';
import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { loadTrackerScript } from '../tracker-asset.js';

export interface TrackerScriptOptions {
  /** The script source; defaults to the embedded build (or a fresh build from sources). */
  script?: string;
}

/** The tag's URL carries no version, so caches revalidate hourly (cheap: ETag → 304). */
export const TRACKER_CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

/**
 * GET /referral-tracker.js: the browser script as `text/javascript`, brotli- or gzip-compressed
 * when the client accepts it, with an ETag (304 on a match) and a cache lifetime. Compression is
 * registered inside this encapsulated plugin, so it applies to this route only.
 */
export const trackerScriptRoutes: FastifyPluginAsync<TrackerScriptOptions> = async (app, options) => {
  const script = options.script ?? (await loadTrackerScript());
  // Weak: the same script is served in three encodings.
  const etag = `W/"${createHash('sha256').update(script).digest('base64url').slice(0, 22)}"`;

  await app.register(compress, { encodings: ['br', 'gzip'], threshold: 256 });

  app.get('/referral-tracker.js', { schema: { hide: true } }, async (request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', TRACKER_CACHE_CONTROL)
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff')
      .header('access-control-allow-origin', '*');
    // If-None-Match uses the weak comparison (RFC 9110 13.1.2).
    const ifNoneMatch = request.headers['if-none-match'];
    const opaque = etag.slice(2);
    if (ifNoneMatch && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque))) {
      return reply.code(304).send();
    }
    return script;
  });
};
