import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { loadTrackerScript } from '../tracker-asset.js';

export interface TrackerScriptOptions {
  /** The script source; defaults to the embedded build (or a fresh build from sources). */
  script?: string;
}

/** The tag's URL carries no version, so caches revalidate hourly (cheap: ETag → 304). */
export const TRACKER_CACHE_CONTROL = 'public, max-age=3600, stale-while-revalidate=86400';

export type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the client accepts (q > 0), brotli first. */
export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  if (!acceptEncoding) return 'identity';
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) accepted.add(name.trim());
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/**
 * GET /referral-tracker.js: the browser script as `text/javascript`, with an ETag (304 on a
 * match) and a cache lifetime. The script never changes while the process runs, so it is
 * compressed once at start-up (brotli 11, gzip 9) instead of on every request: smaller than
 * on-the-fly compression and no CPU per visitor.
 */
export const trackerScriptRoutes: FastifyPluginAsync<TrackerScriptOptions> = async (app, options) => {
  const script = options.script ?? (await loadTrackerScript());
  const bodies: Record<Encoding, Buffer> = {
    identity: Buffer.from(script),
    br: brotliCompressSync(script, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    gzip: gzipSync(script, { level: 9 }),
  };
  // Weak: the same script is served in three encodings.
  const etag = `W/"${createHash('sha256').update(script).digest('base64url').slice(0, 22)}"`;
  const opaque = etag.slice(2);

  app.get('/referral-tracker.js', { schema: { hide: true } }, async (request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', TRACKER_CACHE_CONTROL)
      .header('etag', etag)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
      .header('access-control-allow-origin', '*');
    // If-None-Match uses the weak comparison (RFC 9110 13.1.2).
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch && (ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque))) {
      return reply.code(304).send();
    }
    const encoding = pickEncoding(request.headers['accept-encoding']);
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return reply.send(bodies[encoding]);
  });
};
