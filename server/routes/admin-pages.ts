import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { contentTypeOf, PrecompressedFile } from '../http/precompressed.js';
import { loadWebAssets } from '../web-assets.js';

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
  const names = Object.keys(files).filter((name) => name.startsWith('admin.'));
  const script = names.find((n) => n.endsWith('.js'))!;
  const stylesheet = names.find((n) => n.endsWith('.css'))!;
  const assets = new Map(names.map((name) => [name, new PrecompressedFile(files[name], contentTypeOf(name))]));
  const page = new PrecompressedFile(pageHtml(script, stylesheet), 'text/html; charset=utf-8');

  const withPolicy = (reply: FastifyReply) =>
    reply.header('content-security-policy', ADMIN_CSP).header('referrer-policy', 'same-origin');

  for (const url of ['/admin', '/admin/']) {
    app.get(url, { schema: { hide: true } }, async (request, reply) =>
      page.send(request, withPolicy(reply).header('cache-control', 'no-cache').header('x-frame-options', 'DENY')));
  }
  app.get<{ Params: { name: string } }>('/admin/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (!asset) return reply.code(404).send({ success: false, error: 'Not found' });
    return asset.send(request, withPolicy(reply).header('cache-control', 'public, max-age=31536000, immutable'));
  });
};
