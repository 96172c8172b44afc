import type { FastifyServerOptions } from 'fastify';

/** Query parameters whose values never reach a log line: secrets, and emails (personal data). */
const REDACTED_PARAMS = new Set(['apikey', 'secret', 'webhooksecret', 'email']);

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The URL as logged: the values of sensitive parameters replaced by [redacted]. Names are compared
 * decoded and case-folded, as the query parser sees them, so `?%61piKey=` is caught too.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const hashStart = url.indexOf('#', queryStart);
  const end = hashStart === -1 ? url.length : hashStart;
  const pairs = url.slice(queryStart + 1, end).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    return REDACTED_PARAMS.has(decode(name).toLowerCase()) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, queryStart)}?${pairs.join('&')}${url.slice(end)}`;
}

/**
 * Structured JSON logs (pino) with the request id on every line. Requests are logged as method +
 * redacted URL only: no headers (API keys, webhook secrets, cookies travel there), no client IP
 * (refrocket stores no raw IPs, logs included), no secret or email query values.
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
    },
  } as FastifyServerOptions['logger'];
}
