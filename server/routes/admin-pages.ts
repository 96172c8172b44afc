import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { loadWebAssets } from '../web-assets.js';
import { pickEncoding } from './tracker-script.js';

/**
 * No inline script or style, nothing from another origin, never framed: a script injected into
 * the page (say, through a stored name) cannot run, and the dashboard cannot be clickjacked.
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  bodies: Record<'br' | 'gzip' | 'identity', Buffer>;
}

/** Compressed once at start-up (brotli 11, gzip 9), like the tracker script. */
function precompress(text: string, type: string): Asset {
  return {
    type,
    bodies: {
      identity: Buffer.from(text),
      br: brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
      gzip: gzipSync(text, { level: 9 }),
    },
  };
}

function pageHtml(script: string, stylesheet: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>refrocket dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/admin/assets/${stylesheet}">
<script defer src="/admin/assets/${script}"></script>
</head>
<body><div id="app"></div><noscript>The dashboard needs JavaScript.</noscript></body>
</html>
`;
}

/**
 * GET /admin: the operators' dashboard (one HTML page, routed by its URL hash), and
 * /admin/assets/NAME: its script and stylesheet, content-hashed, cached for a year.
 */
export const adminPageRoutes: FastifyPluginAsync = async (app) => {
  const files = await loadWebAssets();
  const names = Object.keys(files);
  const script = names.find((n) => n.endsWith('.js'))!;
  const stylesheet = names.find((n) => n.endsWith('.css'))!;
  const assets = new Map<string, Asset>(names.map((name) => [name, precompress(files[name], name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')]));
  const page = precompress(pageHtml(script, stylesheet), 'text/html; charset=utf-8');

  const send = (reply: FastifyReply, asset: Asset, acceptEncoding: string | undefined) => {
    const encoding = pickEncoding(acceptEncoding);
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return reply
      .header('content-type', asset.type)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', ADMIN_CSP)
      .header('referrer-policy', 'same-origin')
      .send(asset.bodies[encoding]);
  };

  for (const url of ['/admin', '/admin/']) {
    app.get(url, { schema: { hide: true } }, async (request, reply) =>
      send(reply.header('cache-control', 'no-cache').header('x-frame-options', 'DENY'), page, request.headers['accept-encoding']));
  }
  app.get<{ Params: { name: string } }>('/admin/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.code(404).send({ success: false, error: 'Not found' });
    return send(reply.header('cache-control', 'public, max-age=31536000, immutable'), asset, request.headers['accept-encoding']);
  });
};
